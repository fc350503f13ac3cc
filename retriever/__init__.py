"""retriever: a retrieval engine for documents and source code, built on ModernBERT."""

# First, before anything imports torch: bounds its CPU kernel caches (see kernel_caches.py).
from retriever.encoding import kernel_caches  # noqa: F401
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
from retriever.masked_lm.tasks import MaskedLM
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
