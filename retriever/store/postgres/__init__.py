"""An index on PostgreSQL with pgvector: open it from a ``postgresql://`` URL.

The URL may be ``postgresql://``, ``postgres://`` or ``postgresql+psycopg://``; the driver is
psycopg 3 in every case. Opening brings the schema to the newest Alembic revision.
"""

from __future__ import annotations

from retriever.store.postgres import schema
from retriever.store.postgres.checks import PostgresChecks
from retriever.store.postgres.connection import database_url, open_store
from retriever.store.postgres.locking import AdvisoryLock
from retriever.store.postgres.search import PostgresVectors
from retriever.store.postgres.store import PostgresStore
from retriever.store.protocols import Backend

__all__ = [
    "PostgresChecks",
    "PostgresStore",
    "database_url",
    "open_postgres",
    "open_store",
    "schema",
]


def open_postgres(url: str, *, create: bool) -> Backend:
    store = open_store(url, create=create)
    return Backend(store, AdvisoryLock(store.engine), PostgresVectors(store), None)
