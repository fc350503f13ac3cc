"""The staleness guard: is the file a hit cites still the file that was indexed?

Each hit carries the hash of its file's bytes as indexed; verifying re-reads and re-hashes the
cited files (each once per query), so a passage from a file edited, moved or deleted since is
caught even when no watcher or re-index has run yet.

The cited path may have become anything since: only a regular file inside its root, no larger
than the cap, is read. A FIFO, a device, a directory, a link out of the root or an oversized
file is stale without being read (a FIFO would block the reader, ``/dev/zero`` never ends).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from indexers.chunk import bytes_hash

#: The most bytes verifying reads of one file, unless the caller passes its own cap: no file
#: larger than discovery's cap (``max_file_bytes``) was indexed, so a larger one has changed.
MAX_VERIFY_BYTES = 64 << 20

_OPEN_FLAGS = (
    os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def stale_files(
    files: Iterable[tuple[str, str, str]], max_bytes: int = MAX_VERIFY_BYTES
) -> set[tuple[str, str]]:
    """The (root, path) pairs among (root, path, hash as indexed) whose file on disk now has
    other bytes, is gone or unreadable, or is no longer a regular file inside its root."""
    stale = set()
    for root, path, indexed_hash in set(files):
        if _current_hash(root, path, max_bytes) != indexed_hash:
            stale.add((root, path))
    return stale


def _current_hash(root: str, path: str, max_bytes: int) -> str | None:
    """The hash of the regular file ``path`` under ``root`` (links inside the root followed,
    as discovery follows them); None for anything else."""
    try:
        top = Path(root).resolve(strict=True)
        target = (top / path).resolve(strict=True)
    except (OSError, RuntimeError):  # gone, or a link loop
        return None
    if not target.is_relative_to(top):
        return None
    try:
        # No link may stand in the resolved path's place by now (O_NOFOLLOW), and O_NONBLOCK
        # keeps a FIFO swapped in after resolving from blocking the open.
        fd = os.open(target, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        return bytes_hash(_read_at_most(fd, max_bytes))
    except (OSError, _TooLarge):
        return None
    finally:
        os.close(fd)


class _TooLarge(Exception):
    pass


def _read_at_most(fd: int, limit: int) -> bytes:
    """The file's bytes, or _TooLarge when it grew past ``limit`` since fstat."""
    parts, size = [], 0
    while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _TooLarge
    return b"".join(parts)
