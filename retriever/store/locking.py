"""The embedded index's single-writer lock: an OS file lock (``filelock``: ``flock`` on POSIX,
``msvcrt`` on Windows), released by the OS if the writer dies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from retriever.errors import IndexLockedError


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _lock(self) -> filelock.BaseFileLock:
        # A new lock object (and file handle) per use: a second writer, even a thread of this
        # process, is refused instead of re-entering the first one's lock.
        return filelock.FileLock(self.path, timeout=0)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for a write; a second writer fails at once instead of waiting."""
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
        lock = self._lock()
        try:
            lock.acquire()
        except filelock.Timeout:
            return True
        lock.release()
        return False
