"""The embedded index's single-writer lock: an OS file lock (``filelock``: ``flock`` on POSIX,
``msvcrt`` on Windows), released by the OS if the writer dies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from retriever.errors import IndexLockedError, StorageError

try:
    import fcntl
except ImportError:  # Windows: a read-only index sees no writer
    fcntl = None  # type: ignore[assignment]


class FileLock:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        #: A read-only index never writes, and so never creates the lock file either.
        self.read_only = read_only

    def _lock(self) -> filelock.BaseFileLock:
        # A new lock object (and file handle) per use: a second writer, even a thread of this
        # process, is refused instead of re-entering the first one's lock.
        return filelock.FileLock(self.path, timeout=0)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for a write; a second writer fails at once instead of waiting."""
        if self.read_only:
            raise StorageError(
                f"index {self.path.parent} is read-only here (its files cannot be written, or "
                "it was opened read-only): it can be searched, not changed"
            )
        lock = self._lock()
        try:
            lock.acquire()
        except filelock.Timeout:
            raise IndexLockedError(
                f"index {self.path.parent} is being written by another process; "
                "try again when it finishes"
            ) from None
        try:
            with self.path.open("a") as handle:
                handle.truncate(0)
                handle.write(f"{os.getpid()}\n")
            yield
        finally:
            lock.release()

    def held_elsewhere(self) -> bool:
        """Whether a writer is at work right now (in this or another process)."""
        if not self.path.exists():
            return False
        if self.read_only:
            return _held_for_reading(self.path)
        lock = self._lock()
        try:
            lock.acquire()
        except filelock.Timeout:
            return True
        lock.release()
        return False


def _held_for_reading(path: Path) -> bool:
    """Whether a writer holds the lock file, asked through a shared lock on a read-only
    descriptor (a writer's exclusive lock refuses it), which needs no write permission."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases the shared lock
    return False
