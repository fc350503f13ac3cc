"""The first schema: the tables of retriever/store/models.py, vectors in pgvector, and the
lexical table with its generated, weighted tsvector.

The vector column is created without a dimension: the dimension is known once the model is
resolved, and the store then types the column and builds its HNSW index
(retriever/store/postgres/schema.py).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: Weights of the lexical fields (ts_rank_cd's A-D): symbol above path and heading above body.
LEXEMES = (
    "setweight(to_tsvector('english', symbol), 'A') || "
    "setweight(to_tsvector('english', path), 'B') || "
    "setweight(to_tsvector('english', heading), 'C') || "
    "setweight(to_tsvector('english', body), 'D')"
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "manifest",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False, unique=True),
        sa.Column("root", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False),
        sa.Column("encoding", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("indexed_at", sa.Float, nullable=False),
        sa.UniqueConstraint("root", "path"),
    )
    op.create_table(
        "chunks",
        # Row ids come from the sequence and are never reused, like SQLite's AUTOINCREMENT.
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("chunk_id", sa.Text, nullable=False, unique=True),
        sa.Column(
            "document_id",
            sa.BigInteger,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("symbol", sa.Text),
        sa.Column("heading", sa.Text),
        sa.Column("start_line", sa.Integer, nullable=False),
        sa.Column("end_line", sa.Integer, nullable=False),
        sa.Column("start_byte", sa.Integer, nullable=False),
        sa.Column("end_byte", sa.Integer, nullable=False),
        sa.Column("token_count", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("vector", VECTOR(), nullable=False),
    )
    op.create_table(
        "skipped",
        sa.Column("root", sa.Text, primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "chunk_labels",
        sa.Column(
            "chunk_id",
            sa.BigInteger,
            sa.ForeignKey("chunks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("label", sa.Text, nullable=False, index=True),
        sa.Column("probability", sa.Float, nullable=False),
    )
    op.create_table(
        "chunk_terms",
        sa.Column(
            "rowid", sa.BigInteger, sa.ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("symbol", sa.Text, nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("lexemes", TSVECTOR, sa.Computed(LEXEMES, persisted=True)),
    )
    op.create_index("ix_chunk_terms_lexemes", "chunk_terms", ["lexemes"], postgresql_using="gin")


def downgrade() -> None:
    for table in ("chunk_terms", "chunk_labels", "skipped", "chunks", "documents", "manifest"):
        op.drop_table(table)
