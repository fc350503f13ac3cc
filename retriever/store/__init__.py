"""Storage: SQLite through SQLAlchemy, the source of truth (the only package using SQLAlchemy)."""

from retriever.store.metadata import (
    DocumentUpdate,
    MetadataStore,
    PendingDocument,
    StoredDocument,
    make_chunk_ids,
    make_doc_id,
)
from retriever.store.models import SCHEMA_VERSION, GenerationRow

__all__ = [
    "SCHEMA_VERSION",
    "DocumentUpdate",
    "GenerationRow",
    "MetadataStore",
    "PendingDocument",
    "StoredDocument",
    "make_chunk_ids",
    "make_doc_id",
]
