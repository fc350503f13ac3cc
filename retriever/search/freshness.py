"""The staleness guard: is the file a hit cites still the file that was indexed?

Each hit carries the hash of its file's bytes as indexed; verifying re-reads and re-hashes the
cited files (each once per query), so a passage from a file edited, moved or deleted since is
caught even when no watcher or re-index has run yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from indexers.chunk import bytes_hash


def stale_files(files: Iterable[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The (root, path) pairs among (root, path, hash as indexed) whose file on disk now has
    other bytes, or is gone or unreadable."""
    stale = set()
    for root, path, indexed_hash in set(files):
        if _current_hash(Path(root) / path) != indexed_hash:
            stale.add((root, path))
    return stale


def _current_hash(path: Path) -> str | None:
    try:
        return bytes_hash(path.read_bytes())
    except OSError:
        return None
