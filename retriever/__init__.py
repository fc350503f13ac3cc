"""retriever: a retrieval engine for documents and source code, built on ModernBERT.

Everything a caller needs is here; the submodules are the implementation. ``Retriever`` is
imported on first use, so ``import retriever`` (and `retriever --help`) stays light.
"""

import importlib
from typing import TYPE_CHECKING, Any

# First, before anything imports torch: bounds its CPU kernel caches (see kernel_caches.py).
from retriever.encoding import kernel_caches  # noqa: F401
from retriever.encoding.encoder import Encoder, ModelFingerprint
from retriever.encoding.reranking import Reranker
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
from retriever.masked_lm.model import Prediction
from retriever.masked_lm.tasks import (
    MAX_LABELS,
    MAX_PREDICTIONS,
    Classification,
    ClozeAnswer,
    ClozeResult,
    FillMaskResult,
    MaskedLM,
)
from retriever.search.context import Context, Passage, citation
from retriever.settings import Settings
from retriever.types import (
    MAX_HITS,
    MAX_QUERY_CHARS,
    SEARCH_MODES,
    VIRTUAL_ROOT,
    DocumentPage,
    DocumentSummary,
    Filters,
    Hit,
    IndexReport,
    Progress,
    SearchMode,
    SearchResult,
    Status,
    Verify,
)

if TYPE_CHECKING:
    from retriever.engine import Retriever
    from retriever.ingest.watching import Watcher, WatchUpdate
    from retriever.ingest.watching import run_in_thread as watch_in_thread
    from retriever.store.protocols import Backend

#: What loads on first use: the engine and the watcher bring SQLAlchemy and numpy's
#: friends, which `retriever --help` and the exceptions alone do not need.
_LAZY = {
    "Backend": ("retriever.store.protocols", "Backend"),
    "Retriever": ("retriever.engine", "Retriever"),
    "WatchUpdate": ("retriever.ingest.watching", "WatchUpdate"),
    "Watcher": ("retriever.ingest.watching", "Watcher"),
    "watch_in_thread": ("retriever.ingest.watching", "run_in_thread"),
}

__all__ = [
    "Backend",
    "Classification",
    "ClozeAnswer",
    "ClozeResult",
    "Context",
    "CorruptIndexError",
    "DocumentPage",
    "DocumentSummary",
    "Encoder",
    "FillMaskResult",
    "Filters",
    "Hit",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "InvalidQueryError",
    "MAX_HITS",
    "MAX_LABELS",
    "MAX_PREDICTIONS",
    "MAX_QUERY_CHARS",
    "MaskedLM",
    "ModelError",
    "ModelFingerprint",
    "ModelMismatchError",
    "Passage",
    "Prediction",
    "Progress",
    "Reranker",
    "Retriever",
    "RetrieverError",
    "SEARCH_MODES",
    "SearchMode",
    "SearchResult",
    "Settings",
    "Status",
    "StorageError",
    "VIRTUAL_ROOT",
    "Verify",
    "WatchUpdate",
    "Watcher",
    "citation",
    "watch_in_thread",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'retriever' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
