"""The FAISS vector index: a derived, replaceable copy of the vectors stored in SQLite.

Each save writes a new generation file (temp file, fsync, atomic rename, directory fsync) whose
checksum the store then records; loading verifies it. The only module importing faiss.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import faiss
import numpy as np


def file_checksum(data: bytes | np.ndarray) -> str:
    return hashlib.blake2b(memoryview(data), digest_size=16).hexdigest()


def generation_file(generation: int) -> str:
    return f"vectors.{generation:06d}.faiss"


class VectorIndex:
    """Exact inner-product search over unit vectors (cosine similarity), keyed by chunk row id."""

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def copy(self) -> VectorIndex:
        return VectorIndex(self.dimension, faiss.clone_index(self.index))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Best ``k`` (id, score) pairs; with ``allowed``, only among those ids (exact, so a
        selective filter still yields ``k`` hits when ``k`` allowed vectors exist)."""
        if len(self) == 0 or k <= 0:
            return []
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
        k = min(k, len(self) if allowed is None else len(allowed))
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def save(self, directory: Path, generation: int) -> tuple[str, str]:
        """Write this index as ``generation`` durably; returns (file name, checksum)."""
        data = faiss.serialize_index(self.index)
        name = generation_file(generation)
        temp = directory / f".{name}.tmp"
        with temp.open("wb") as handle:
            handle.write(memoryview(data))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, directory / name)
        _fsync_directory(directory)
        return name, file_checksum(data)

    @classmethod
    def load(cls, path: Path, checksum: str, dimension: int, count: int) -> VectorIndex | None:
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
            return None
        if index.d != dimension or index.ntotal != count:
            return None
        return cls(dimension, index)


def remove_stale_generations(directory: Path, keep: str) -> None:
    """Delete generation files other than ``keep`` (readers hold theirs in memory)."""
    for path in directory.glob("vectors.*.faiss"):
        if path.name != keep:
            path.unlink(missing_ok=True)
    for path in directory.glob(".vectors.*.faiss.tmp"):
        path.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
