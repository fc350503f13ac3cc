"""The storage seam: what the engine, indexing, labelling and doctor need of an index's storage.

Two backends implement it (see :mod:`retriever.store.backend`):

- embedded: SQLite rows (:class:`retriever.store.sqlite.SQLiteStore`), FAISS generation files
  (:class:`retriever.store.generations.FaissVectors`) and an OS file lock;
- server: PostgreSQL rows with pgvector vectors and full-text search
  (:mod:`retriever.store.postgres`), advisory locks.

The rows are the source of truth in both. What differs is where vectors are searched and how a
search sees one consistent state: a FAISS generation, or one PostgreSQL snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from retriever.store.labels import ChunkLabels
    from retriever.store.records import DocumentUpdate, StoredDocument
    from retriever.types import Filters

#: Best-first (chunk row id, score) pairs.
Ranking = list[tuple[int, float]]


class MetadataStore(Protocol):
    """Documents, chunks (with their vectors), the manifest, skipped files and labels. Every
    write is one transaction."""

    labels: ChunkLabels
    #: Where the index is, for messages (a directory, or a database URL without password).
    location: str

    def close(self) -> None: ...

    def manifest(self) -> dict[str, Any]: ...

    def set_manifest(self, values: dict[str, Any]) -> None: ...

    def update_manifest(self, key: str, change: Callable[[Any], Any]) -> None:
        """Replace the manifest's ``key`` by ``change(value)`` (None when absent), atomically
        with respect to other writers."""
        ...

    def data_version(self) -> int: ...

    def documents_under(self, root: str) -> dict[str, StoredDocument]: ...

    def document_paths(self) -> list[tuple[int, str, str]]: ...

    def vectors_for(self, hashes: Iterable[str]) -> dict[str, bytes]:
        """Stored vectors (float32 bytes) by vector key: the cache."""
        ...

    def touch(self, document_id: int, mtime_ns: int) -> None: ...

    def write(
        self, updates: Sequence[DocumentUpdate], removals: Sequence[int] = ()
    ) -> tuple[dict[int, np.ndarray], list[int]]:
        """Commit ``updates`` and the removal of documents ``removals`` in one transaction;
        the new chunk rows' vectors by row id, and the removed chunk row ids."""
        ...

    def replace_skipped(
        self,
        root: str,
        skipped: Sequence[tuple[str, str, str]],
        within: Callable[[str], bool] | None = None,
    ) -> None: ...

    def documents(
        self, limit: int, offset: int, path_glob: str | None = None, doc_id: str | None = None
    ) -> tuple[int, list[dict[str, Any]]]: ...

    def document(self, doc_id: str) -> dict[str, Any] | None: ...

    def iter_vectors(self, page: int = 4096) -> Iterator[tuple[np.ndarray, list[bytes]]]:
        """All (row ids, vectors as float32 bytes) in id order, a page at a time."""
        ...

    def counts(self) -> dict[str, Any]: ...

    def size_bytes(self) -> int:
        """What the index takes on disk (files, or the database's tables and indexes)."""
        ...


class WriteLock(Protocol):
    """Held by a writer for a whole run (index, upload, delete)."""

    def hold(self) -> AbstractContextManager[None]: ...

    def held_elsewhere(self) -> bool:
        """Whether a writer is at work right now."""
        ...


class VectorWriter(Protocol):
    """What a writer changes besides the rows: the vectors it added and removed."""

    dimension: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...


class SearchView(Protocol):
    """One consistent state of the index: every ranking and hit of a search comes from it."""

    #: Which state it is (a FAISS generation, or PostgreSQL's data version).
    generation: int | None

    def dense(self, query: np.ndarray, k: int, filters: Filters | None) -> Ranking: ...

    def lexical(self, terms: list[str], filters: Filters | None, k: int) -> Ranking: ...

    def hits(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class VectorState:
    """What searches are served from: its generation and how many vectors it holds."""

    generation: int | None
    count: int


class VectorStore(Protocol):
    """Where vectors are searched, and how writers' changes become searchable."""

    @property
    def generation(self) -> int | None:
        """The state searches are served from now (None: nothing published yet)."""
        ...

    def snapshot(self, dimension: int) -> AbstractContextManager[SearchView]: ...

    def for_writing(self, dimension: int) -> VectorWriter: ...

    def publish(self, vectors: VectorWriter) -> None:
        """Make a writer's changes searchable (the rows are committed already)."""
        ...

    def state(self) -> VectorState: ...


@dataclass(frozen=True, slots=True)
class Backend:
    """An opened index's storage: rows, the writers' lock and the vectors."""

    store: MetadataStore
    lock: WriteLock
    vectors: VectorStore
    #: The index directory of an embedded index (None on a database server).
    directory: Path | None
