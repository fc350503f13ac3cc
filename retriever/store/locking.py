"""The embedded index's single-writer lock: an OS file lock, released by the OS if the writer
dies."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retriever.errors import IndexLockedError


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for a write; a second writer fails at once instead of waiting."""
        with self.path.open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLockedError(
                    f"index {self.path.parent} is being written by another process; "
                    "try again when it finishes"
                ) from None
            try:
                handle.truncate(0)
                handle.write(f"{os.getpid()}\n")
                handle.flush()
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def held_elsewhere(self) -> bool:
        """Whether a writer is at work right now (in this or another process)."""
        if not self.path.exists():
            return False
        with self.path.open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return False
