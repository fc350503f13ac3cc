"""Which storage an index location means: a directory (SQLite + FAISS files, the default) or a
PostgreSQL URL (PostgreSQL + pgvector), opened behind the protocols of
:mod:`retriever.store.protocols`."""

from __future__ import annotations

import os
from pathlib import Path

from retriever.errors import IndexNotFoundError, RetrieverError, StorageError
from retriever.settings import DATABASE_SCHEMES
from retriever.store.protocols import Backend

DATABASE_FILE = "index.sqlite3"
LOCK_FILE = "write.lock"


def is_database_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(DATABASE_SCHEMES)


def open_backend(location: str | Path, *, create: bool, read_only: bool = False) -> Backend:
    """The storage at ``location``; with ``create``, a new index where there is none. An
    embedded index opens ``read_only`` when asked to, or when its files cannot be written."""
    if is_database_url(location):
        from retriever.store.postgres import open_postgres

        return open_postgres(str(location), create=create)
    return open_embedded(Path(location), create=create, read_only=read_only)


def open_embedded(directory: Path, *, create: bool, read_only: bool = False) -> Backend:
    from retriever.store import SQLiteStore
    from retriever.store.generations import FaissVectors
    from retriever.store.locking import FileLock

    database = directory / DATABASE_FILE
    if directory.exists() and not directory.is_dir():
        raise RetrieverError(f"index path {directory} is a file, not an index directory")
    if not database.exists():
        if not create or read_only:
            raise IndexNotFoundError(f"no index at {directory}: run `retriever index PATH` first")
        _create_directory(directory)
    elif not (os.access(directory, os.W_OK) and os.access(database, os.W_OK)):
        read_only = True  # searchable all the same: nothing on the search path writes
    store = SQLiteStore(database, read_only=read_only)
    lock = FileLock(directory / LOCK_FILE, read_only=read_only)
    return Backend(store, lock, FaissVectors(directory, store, lock), directory)


def _create_directory(directory: Path) -> None:
    """Make ``directory`` ready for a new index: new, or empty. A directory that holds anything
    else is refused, so no file of someone else's is ever overwritten or removed for happening
    to have an index file's name."""
    try:
        if directory.exists() and not directory.is_dir():
            raise RetrieverError(f"index path {directory} exists and is not a directory")
        if directory.is_dir() and next(directory.iterdir(), None) is not None:
            raise IndexNotFoundError(
                f"{directory} is not empty and holds no retriever index: give --index a new or "
                "empty directory"
            )
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(
            f"cannot create the index at {directory}: {error.strerror or error}"
        ) from None
