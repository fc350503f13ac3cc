"""retriever: a retrieval engine for documents and source code, built on ModernBERT."""

from retriever.engine import Retriever
from retriever.errors import (
    CorruptIndexError,
    IndexLockedError,
    IndexNotFoundError,
    InvalidQueryError,
    ModelError,
    ModelMismatchError,
    RetrieverError,
    StorageError,
)
from retriever.mask_tasks import MaskedLM
from retriever.settings import Settings
from retriever.types import Filters, Hit, IndexReport, Status

__all__ = [
    "CorruptIndexError",
    "Filters",
    "Hit",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "InvalidQueryError",
    "MaskedLM",
    "ModelError",
    "ModelMismatchError",
    "Retriever",
    "RetrieverError",
    "Settings",
    "Status",
    "StorageError",
]
