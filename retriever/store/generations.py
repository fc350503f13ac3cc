"""Vector index generations: which FAISS file serves searches, and how a new one is published.

SQLite is the source of truth; each generation records the ``data_version`` it reflects. A
reader serves the newest generation that verifies. When it is behind SQLite and no writer is at
work (a writer died between its SQLite commit and its FAISS write), the vectors are rebuilt from
SQLite. While a writer is at work, readers keep serving the last published generation.

Readers copy a generation into memory when they load it and keep no file open, so a writer
deletes older files right after recording a new one; a reader whose file vanished between
reading the generation row and opening the file reads the row again and loads the newer one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from retriever.errors import CorruptIndexError, IndexLockedError, StorageError
from retriever.store import GenerationRow, SQLiteStore, ann
from retriever.store.locking import FileLock
from retriever.store.protocols import Ranking, VectorState
from retriever.store.vectors import VectorIndex, generation_file, remove_stale_generations
from retriever.types import Filters

log = logging.getLogger("retriever")


class FaissVectors:
    def __init__(self, directory: Path, store: SQLiteStore, lock: FileLock) -> None:
        self.directory = directory
        self.store = store
        self.lock = lock
        self._served: VectorIndex | None = None
        self._number: int | None = None
        self._guard = threading.RLock()

    @property
    def generation(self) -> int | None:
        """The generation now served (None before the first publish)."""
        return self._number

    def serving(self, dimension: int) -> VectorIndex:
        """The vectors to search: the newest generation, reloaded when a writer published a new
        one since the last call. Thread-safe; the returned object is never mutated, and its
        ``generation`` says which one it is (None for a rebuild that could not be published)."""
        newest = self.store.current_generation()
        number = newest.generation if newest else None
        with self._guard:
            if self._served is None or number != self._number:
                vectors, rebuilt_at = self._load(newest, dimension, for_writing=False)
                # The load may have found a newer generation than the row read above.
                self._served, self._number = vectors, vectors.generation or number
                if rebuilt_at is not None:
                    self._persist(vectors, rebuilt_at)
            return self._served

    @contextmanager
    def snapshot(self, dimension: int) -> Iterator[GenerationView]:
        """The generation now served: a search reads only what it holds."""
        yield GenerationView(self.serving(dimension), self.store)

    def state(self) -> VectorState:
        newest = self.store.current_generation()
        if newest is None:
            return VectorState(None, 0)
        return VectorState(newest.generation, newest.vector_count)

    def for_writing(self, dimension: int) -> VectorIndex:
        """A private copy for a writer (who holds the lock) to change and then publish."""
        newest = self.store.current_generation()
        with self._guard:
            served, number = self._served, self._number
        if (
            served is not None
            and newest is not None
            and number == newest.generation
            and newest.data_version == self.store.data_version()
        ):
            # Verified when loaded, or published by this process: copied without a re-read
            # (a watcher's small updates would otherwise read the whole file each time).
            return served.copy()
        vectors, _ = self._load(newest, dimension, for_writing=True)
        return vectors

    def _persist(self, rebuilt: VectorIndex, data_version: int) -> None:
        """Publish a reader's rebuild (of SQLite at ``data_version``) so the next reader need
        not rebuild again; unless a writer changed SQLite since the rebuild."""
        try:
            with self.lock.hold():
                if self.store.data_version() == data_version:
                    self.publish(rebuilt)
        except (IndexLockedError, StorageError, OSError) as error:  # read-only, busy writer
            log.debug("could not publish the rebuilt vectors: %s", error)

    def publish(self, vectors: VectorIndex) -> None:
        """Durably write ``vectors`` as the next generation, unless they are the current one
        unchanged (a rebuild, or changed vectors, have no generation yet)."""
        previous = self.store.current_generation()
        unchanged = previous is not None and vectors.generation == previous.generation
        if (
            not unchanged
            or previous.data_version != self.store.data_version()
            or ann.needs_rebuild(vectors.index, len(vectors), self._compression())
        ):
            self._write(vectors, previous)

    def republish(self, dimension: int) -> None:
        """Rebuild the vectors from SQLite and publish them as a new generation, whatever the
        state of the current one (``doctor --repair``; the caller holds the lock)."""
        self._write(self._rebuild(dimension)[0], self.store.current_generation())

    def _write(self, vectors: VectorIndex, previous: GenerationRow | None) -> None:
        version = self.store.data_version()
        # Grown or shrunk past a size tier, or another compression asked for.
        if ann.needs_rebuild(vectors.index, len(vectors), self._compression()):
            vectors = self._rebuild(vectors.dimension)[0]
        number = (previous.generation if previous else 0) + 1
        try:
            name, checksum = vectors.save(self.directory, number)
        except OSError as error:
            raise self._failed(error.strerror or error, previous) from None
        row = GenerationRow(
            generation=number,
            file=name,
            checksum=checksum,
            vector_count=len(vectors),
            dimension=vectors.dimension,
            data_version=version,
            created_at=time.time(),
        )
        try:
            self.store.record_generation(row)
        except StorageError as error:
            (self.directory / name).unlink(missing_ok=True)  # no row will ever name it
            raise self._failed(error, previous) from None
        vectors.generation = number
        remove_stale_generations(self.directory, keep=generation_file(number))
        with self._guard:
            self._served, self._number = vectors, number

    def _failed(self, why: object, previous: GenerationRow | None) -> StorageError:
        serving = previous.generation if previous else "-"
        return StorageError(
            f"could not commit the vectors in {self.directory}: {why}; the index keeps "
            f"serving generation {serving} and the next run commits them again"
        )

    def _load(
        self, newest: GenerationRow | None, dimension: int, *, for_writing: bool
    ) -> tuple[VectorIndex, int | None]:
        """The vectors of ``newest`` if it verifies, else a rebuild; and for a rebuild, the
        data version of SQLite it reflects."""
        while newest is not None:
            current = newest.data_version == self.store.data_version()
            # A reader may serve a generation behind SQLite while a writer is at work on it.
            if not (current or (not for_writing and self.lock.held_elsewhere())):
                break
            loaded = VectorIndex.load(
                self.directory / newest.file,
                newest.checksum,
                dimension,
                newest.vector_count,
                newest.generation,
            )
            if loaded is not None:
                return loaded, None
            again = self.store.current_generation()
            if again is None or again.generation == newest.generation:
                log.warning("vector file %s failed verification: rebuilding it", newest.file)
                break
            newest = again  # a writer replaced it meanwhile: load the new one
        return self._rebuild(dimension)

    def _rebuild(self, dimension: int) -> tuple[VectorIndex, int]:
        """The vectors from SQLite, and SQLite's data version when the rebuild began (a writer
        committing meanwhile makes it newer, so such a rebuild is never published)."""
        version = self.store.data_version()

        def pages():
            for ids, blobs in self.store.iter_vectors():
                if any(len(blob) != 4 * dimension for blob in blobs):
                    raise CorruptIndexError(
                        f"index {self.directory} holds vectors that are not {dimension}-d: "
                        "run `retriever doctor`"
                    )
                yield ids, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, dimension)

        return VectorIndex(dimension, ann.build(dimension, pages, self._compression())), version

    def _compression(self) -> ann.Compression:
        """How the index stores vectors: as the manifest records (see manifest.py)."""
        return self.store.manifest().get("vector_compression", "auto")


class GenerationView:
    """A search over one generation: dense from its FAISS index, lexical from SQLite as it is
    now but kept to the chunks the generation holds, so a search never mixes two states."""

    def __init__(self, vectors: VectorIndex, store: SQLiteStore) -> None:
        self.vectors = vectors
        self.store = store
        self.generation = vectors.generation

    def dense(self, query: np.ndarray, k: int, filters: Filters | None) -> Ranking:
        allowed = self.store.chunk_ids_matching(filters) if filters else None
        return self.vectors.search(query, k, allowed, self.store.vectors_by_id)

    def lexical(self, terms: list[str], filters: Filters | None, k: int) -> Ranking:
        found = self.store.lexical(terms, filters, k)
        known = self.vectors.contains([chunk_id for chunk_id, _ in found])
        return [pair for pair, kept in zip(found, known, strict=True) if kept]

    def hits(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        # A chunk deleted since this generation was published is absent: the caller skips it.
        return self.store.hits(ids)
