"""The FAISS vector index: a derived, replaceable copy of the vectors stored in SQLite.

Each save writes a new generation file (temp file, fsync, atomic rename, directory fsync) whose
checksum the store then records; loading verifies it. With ann.py, the only module importing
faiss.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import faiss
import numpy as np

from retriever.store import ann

log = logging.getLogger("retriever")


def file_checksum(data: bytes | np.ndarray) -> str:
    return hashlib.blake2b(memoryview(data), digest_size=16).hexdigest()


def generation_file(generation: int) -> str:
    return f"vectors.{generation:06d}.faiss"


def temp_file(generation: int) -> str:
    return f".{generation_file(generation)}.tmp"


#: Globs of every file a generation write leaves: published files and interrupted temp files.
GENERATION_GLOB, TEMP_GLOB = "vectors.*.faiss", ".vectors.*.faiss.tmp"

#: The stored float vectors (float32 bytes) of the given ids; ids it lacks have none.
FloatVectors = Callable[[Sequence[int]], dict[int, bytes]]


class VectorIndex:
    """Inner-product search over unit vectors (cosine similarity), keyed by chunk row id: exact,
    or approximate for large indexes or compressed vectors (see ann.py)."""

    def __init__(
        self,
        dimension: int,
        index: faiss.Index | faiss.IndexBinary | None = None,
        generation: int | None = None,
    ) -> None:
        self.dimension = dimension
        self.index = index if index is not None else ann.empty_flat(dimension)
        #: The published generation these vectors are (None: not published, or changed since).
        self.generation = generation
        self._sorted_ids: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def copy(self) -> VectorIndex:
        return VectorIndex(self.dimension, ann.clone(self.index))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            ann.add(self.index, ids, vectors)
            self._changed()

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))
            self._changed()

    def _changed(self) -> None:
        self.generation, self._sorted_ids = None, None

    def ids(self) -> np.ndarray:
        """The ids held, sorted (computed once: a served index never changes)."""
        if self._sorted_ids is None:
            self._sorted_ids = np.sort(ann.stored_ids(self.index))
        return self._sorted_ids

    def vectors(self) -> dict[int, np.ndarray]:
        """What the index holds by id (for checks: a full copy; compressed codes where the
        index type is lossy, see :meth:`agrees`)."""
        ids, stored = ann.stored_vectors(self.index)
        return dict(zip(ids.tolist(), stored, strict=True))

    def agrees(self, held: np.ndarray, vector: np.ndarray) -> bool:
        """Whether ``held`` (from :meth:`vectors`) stands for the float ``vector``: the same,
        within an 8-bit quantisation step, or its sign bits."""
        return ann.agrees(self.index, held, vector)

    @property
    def lossy(self) -> bool:
        return ann.is_lossy(self.index)

    def contains(self, ids: list[int]) -> list[bool]:
        known = self.ids()
        positions = np.searchsorted(known, ids)
        return [bool(p < len(known) and known[p] == i) for p, i in zip(positions, ids, strict=True)]

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        floats: FloatVectors | None = None,
    ) -> list[tuple[int, float]]:
        """Best ``k`` (id, score) pairs; with ``allowed``, only among those ids (a selective
        filter still yields ``k`` hits when ``k`` allowed vectors exist). With ``floats``, a
        lossy index's candidates (``ann.RESCORE_FACTORS`` per hit) are scored exactly from
        their float vectors."""
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        factor = ann.rescore_factor(self.index) if floats is not None else 1
        wanted = min(k * factor, len(self) if allowed is None else len(allowed))
        params = ann.search_parameters(self.index, allowed)
        scores, ids = ann.search(self.index, query.reshape(1, -1), wanted, params)
        hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
        return _rescored(query, hits, floats, k) if factor > 1 else hits

    def save(self, directory: Path, generation: int) -> tuple[str, str]:
        """Write this index as ``generation`` durably; returns (file name, checksum). On an
        OSError nothing of it stays behind."""
        data = ann.serialize(self.index)
        name = generation_file(generation)
        temp, final = directory / temp_file(generation), directory / name
        try:
            _write_durably(temp, data)
            os.replace(temp, final)
            _fsync_directory(directory)
        except OSError:
            for path in (temp, final):  # the final name too: no row will ever record it
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            raise
        return name, file_checksum(data)

    @classmethod
    def load(
        cls, path: Path, checksum: str, dimension: int, count: int, generation: int
    ) -> VectorIndex | None:
        """The index in ``path`` if it is intact and matches; None otherwise (rebuild it)."""
        try:
            data = np.fromfile(path, dtype=np.uint8)
        except OSError:
            return None
        if file_checksum(data) != checksum:
            return None
        try:
            index = faiss.deserialize_index(data)
        except RuntimeError:
            try:  # sign bits (vector_compression = "binary") have a reader of their own
                index = faiss.deserialize_index_binary(data)
            except RuntimeError:
                return None
        if index.d != dimension or index.ntotal != count:
            return None
        return cls(dimension, index, generation)


def _rescored(
    query: np.ndarray, hits: list[tuple[int, float]], floats: FloatVectors, k: int
) -> list[tuple[int, float]]:
    """The best ``k`` of ``hits`` by their exact scores. A candidate without a stored vector (its
    chunk deleted since this generation) is dropped, as the search's hits would drop it."""
    stored = floats([i for i, _ in hits])
    kept = [i for i, _ in hits if i in stored]
    if not kept:
        return []
    matrix = np.frombuffer(b"".join(stored[i] for i in kept), dtype=np.float32)
    scores = matrix.reshape(len(kept), -1) @ np.asarray(query, dtype=np.float32)
    best = np.argsort(-scores, kind="stable")[:k]
    return [(kept[j], float(scores[j])) for j in best]


def stale_files(directory: Path, keep: str | None) -> list[Path]:
    """Generation files other than ``keep``, and temp files of interrupted writes."""
    published = [p for p in directory.glob(GENERATION_GLOB) if p.name != keep]
    return sorted(published + list(directory.glob(TEMP_GLOB)))


def remove_stale_generations(directory: Path, keep: str) -> None:
    """Delete generation files other than ``keep``. Readers copy a generation into memory when
    they load it and hold no file open afterwards, so no reader needs an older file. A file
    that cannot be deleted now is harmless: the next write (or `doctor --repair`) retries."""
    for path in stale_files(directory, keep):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("could not remove %s: %s", path.name, error.strerror or error)


def _write_durably(path: Path, data: np.ndarray) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data).cast("B")
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
