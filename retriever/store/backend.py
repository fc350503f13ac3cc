"""Which storage an index location means: a directory (SQLite + FAISS files, the default) or a
PostgreSQL URL (PostgreSQL + pgvector), opened behind the protocols of
:mod:`retriever.store.protocols`."""

from __future__ import annotations

from pathlib import Path

from retriever.errors import IndexNotFoundError, RetrieverError
from retriever.settings import DATABASE_SCHEMES
from retriever.store.protocols import Backend

DATABASE_FILE = "index.sqlite3"
LOCK_FILE = "write.lock"


def is_database_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(DATABASE_SCHEMES)


def open_backend(location: str | Path, *, create: bool) -> Backend:
    """The storage at ``location``; with ``create``, a new index where there is none."""
    if is_database_url(location):
        from retriever.store.postgres import open_postgres

        return open_postgres(str(location), create=create)
    return open_embedded(Path(location), create=create)


def open_embedded(directory: Path, *, create: bool) -> Backend:
    from retriever.store import SQLiteStore
    from retriever.store.generations import FaissVectors
    from retriever.store.locking import FileLock

    database = directory / DATABASE_FILE
    if directory.exists() and not directory.is_dir():
        raise RetrieverError(f"index path {directory} is a file, not an index directory")
    if not database.exists():
        if not create:
            raise IndexNotFoundError(f"no index at {directory}: run `retriever index PATH` first")
        directory.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(database)
    lock = FileLock(directory / LOCK_FILE)
    return Backend(store, lock, FaissVectors(directory, store, lock), directory)
