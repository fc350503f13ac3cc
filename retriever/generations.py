"""Vector index generations: which FAISS file serves searches, and how a new one is published.

SQLite is the source of truth; each generation records the ``data_version`` it reflects. A
reader serves the newest generation that verifies. When it is behind SQLite and no writer is at
work (a writer died between its SQLite commit and its FAISS write), the vectors are rebuilt from
SQLite. While a writer is at work, readers keep serving the last published generation.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import numpy as np

from retriever.errors import IndexLockedError
from retriever.locking import WriteLock
from retriever.store import GenerationRow, MetadataStore
from retriever.vectors import VectorIndex, generation_file, remove_stale_generations

log = logging.getLogger("retriever")


class Generations:
    def __init__(self, directory: Path, store: MetadataStore, lock: WriteLock) -> None:
        self.directory = directory
        self.store = store
        self.lock = lock
        self._served: VectorIndex | None = None
        self._number: int | None = None
        self._guard = threading.RLock()

    @property
    def number(self) -> int | None:
        """The generation now served (None before the first publish)."""
        return self._number

    def serving(self, dimension: int) -> VectorIndex:
        """The vectors to search: the newest generation, reloaded when a writer published a new
        one since the last call. Thread-safe; the returned object is never mutated."""
        newest = self.store.current_generation()
        number = newest.generation if newest else None
        with self._guard:
            if self._served is None or number != self._number:
                vectors, rebuilt = self._load(newest, dimension, for_writing=False)
                self._served, self._number = vectors, number
                if rebuilt:
                    self._persist(vectors)
            return self._served

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

    def _persist(self, rebuilt: VectorIndex) -> None:
        """Publish a reader's rebuild so the next reader need not rebuild again."""
        try:
            with self.lock.hold():
                self.publish(rebuilt)
        except (IndexLockedError, OSError) as error:  # read-only directory, busy writer
            log.debug("could not publish the rebuilt vectors: %s", error)

    def publish(self, vectors: VectorIndex) -> None:
        """Durably write ``vectors`` as the next generation, if SQLite changed since the last."""
        previous = self.store.current_generation()
        version = self.store.data_version()
        if previous is not None and previous.data_version == version:
            return
        number = (previous.generation if previous else 0) + 1
        name, checksum = vectors.save(self.directory, number)
        self.store.record_generation(
            GenerationRow(
                generation=number,
                file=name,
                checksum=checksum,
                vector_count=len(vectors),
                dimension=vectors.dimension,
                data_version=version,
                created_at=time.time(),
            )
        )
        remove_stale_generations(self.directory, keep=generation_file(number))
        with self._guard:
            self._served, self._number = vectors, number

    def _load(
        self, newest: GenerationRow | None, dimension: int, *, for_writing: bool
    ) -> tuple[VectorIndex, bool]:
        """The vectors of ``newest`` if it verifies, else a rebuild; and whether it rebuilt."""
        if newest is not None:
            current = newest.data_version == self.store.data_version()
            # A reader may serve a generation behind SQLite while a writer is at work on it.
            if current or (not for_writing and self.lock.held_elsewhere()):
                loaded = VectorIndex.load(
                    self.directory / newest.file, newest.checksum, dimension, newest.vector_count
                )
                if loaded is not None:
                    return loaded, False
                log.warning("vector file %s failed verification: rebuilding it", newest.file)
        return self._rebuild(dimension), True

    def _rebuild(self, dimension: int) -> VectorIndex:
        vectors = VectorIndex(dimension)
        for ids, blobs in self.store.iter_vectors():
            matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), dimension)
            vectors.add(ids, matrix)
        return vectors
