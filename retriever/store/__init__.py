"""Storage: the rows of an index through SQLAlchemy, on SQLite or PostgreSQL (the only package
using SQLAlchemy)."""

from retriever.store.metadata import SQLStore
from retriever.store.models import SCHEMA_VERSION, GenerationRow
from retriever.store.records import (
    DocumentUpdate,
    PendingDocument,
    StoredDocument,
    make_chunk_ids,
    make_doc_id,
)
from retriever.store.sqlite import SQLiteStore

__all__ = [
    "SCHEMA_VERSION",
    "DocumentUpdate",
    "GenerationRow",
    "PendingDocument",
    "SQLStore",
    "SQLiteStore",
    "StoredDocument",
    "make_chunk_ids",
    "make_doc_id",
]
