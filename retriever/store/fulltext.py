"""The lexical index: an SQLite FTS5 table over chunk text, path, symbol and heading.

Rows share their id with the chunk they index and change in the same transaction as the chunk
rows, so the lexical and dense views of the index never drift apart.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, Text, func, literal_column
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection

from retriever.store.lexical import TOKENIZER

#: Column weights for BM25: a match in a symbol or path says more than one in the body.
WEIGHTS = {"body": 1.0, "path": 2.0, "symbol": 4.0, "heading": 2.0}

# Described to SQLAlchemy for queries; created by DDL below (create_all cannot make FTS5).
fts = Table(
    "chunks_fts",
    MetaData(),
    Column("rowid", Integer, primary_key=True),
    *(Column(name, Text) for name in WEIGHTS),
)
#: FTS5's hidden column named after the table: the left side of MATCH over all columns.
MATCH_ALL = literal_column("chunks_fts")
CREATE = sql(
    f"CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5("
    f'{", ".join(WEIGHTS)}, tokenize = "porter {TOKENIZER}")'
)
EXISTS = sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chunks_fts'")


def ensure(connection: Connection) -> bool:
    """Create the table when missing; True when it had to be created (and so needs filling)."""
    if connection.execute(EXISTS).first():
        return False
    connection.execute(CREATE)
    return True


def bm25_score():
    """BM25 as a positive number (FTS5 returns it negated: lower is better)."""
    return -func.bm25(MATCH_ALL, *WEIGHTS.values())
