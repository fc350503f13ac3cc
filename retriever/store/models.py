"""The tables of an index, as SQLAlchemy models: SQLite creates them from here; PostgreSQL
through its Alembic migrations (retriever/store/postgres/migrations), where ids and sizes are
64-bit and the vector is a pgvector column."""

from __future__ import annotations

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Bump when the tables change incompatibly.
SCHEMA_VERSION = 1

#: 64-bit on PostgreSQL; SQLite's INTEGER (a row id alias where a primary key) is 64-bit anyway.
Int64 = BigInteger().with_variant(Integer(), "sqlite")
#: float32 bytes on SQLite, a pgvector column on PostgreSQL.
Vector = LargeBinary().with_variant(VECTOR(), "postgresql")


class Base(DeclarativeBase):
    pass


class ManifestEntry(Base):
    __tablename__ = "manifest"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str]


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("root", "path"),)
    id: Mapped[int] = mapped_column(Int64, primary_key=True)
    doc_id: Mapped[str] = mapped_column(unique=True)
    root: Mapped[str]
    path: Mapped[str]
    language: Mapped[str]
    encoding: Mapped[str]
    size: Mapped[int] = mapped_column(Int64)
    mtime_ns: Mapped[int] = mapped_column(Int64)
    content_hash: Mapped[str]
    indexed_at: Mapped[float]


class ChunkRow(Base):
    __tablename__ = "chunks"
    # AUTOINCREMENT: row ids are FAISS ids, and must never be reused for another chunk.
    __table_args__ = (
        Index("ix_chunks_content_hash", "content_hash"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Int64, primary_key=True)
    chunk_id: Mapped[str] = mapped_column(unique=True)
    document_id: Mapped[int] = mapped_column(
        Int64, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int]
    kind: Mapped[str]
    symbol: Mapped[str | None]
    heading: Mapped[str | None]
    start_line: Mapped[int]
    end_line: Mapped[int]
    #: Documents (PDF, slides, notebooks): ``page``, ``slide`` or ``cell``, and the first and
    #: last one the chunk covers; NULL for text files. Added after the first schema: an older
    #: SQLite index gains the columns on open, PostgreSQL by migration 0002.
    unit: Mapped[str | None]
    start_unit: Mapped[int | None]
    end_unit: Mapped[int | None]
    start_byte: Mapped[int]
    end_byte: Mapped[int]
    token_count: Mapped[int]
    #: The vector's key: the hash of what was embedded (header and text, or for late chunking
    #: the chunk's span of its window), which is also the key of the vector cache.
    content_hash: Mapped[str]
    text: Mapped[str]
    vector: Mapped[bytes] = mapped_column(Vector)


class SkippedRow(Base):
    __tablename__ = "skipped"
    root: Mapped[str] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(primary_key=True)
    reason: Mapped[str]
    detail: Mapped[str]


class GenerationRow(Base):
    __tablename__ = "generations"
    generation: Mapped[int] = mapped_column(primary_key=True)
    file: Mapped[str]
    checksum: Mapped[str]
    vector_count: Mapped[int]
    dimension: Mapped[int]
    data_version: Mapped[int]
    created_at: Mapped[float]


class ChunkLabelRow(Base):
    """The label `index --classify-labels` gave a chunk; it goes when its chunk goes."""

    __tablename__ = "chunk_labels"
    chunk_id: Mapped[int] = mapped_column(
        Int64, ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(index=True)
    probability: Mapped[float]
