"""What ``retriever doctor`` checks on PostgreSQL besides the rows (which the shared checks
cover): the schema revision, the typed vector column and its HNSW index. The server checks its
own pages, and there are no vector files."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import text as sql

from retriever.store.diagnosis import Check
from retriever.store.postgres import schema
from retriever.store.postgres.connection import open_store
from retriever.store.postgres.locking import AdvisoryLock
from retriever.store.postgres.store import PostgresStore


class PostgresChecks:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    @classmethod
    def open(cls, url: str) -> PostgresChecks:
        return cls(open_store(url, create=False))

    def database(self) -> Check:
        with self.store.engine.connect() as connection:
            revision = schema.current_revision(connection)
        if revision != schema.head_revision():
            detail = f"schema revision {revision}, this version needs {schema.head_revision()}"
            return Check("database", "problem", detail)
        return Check("database", "ok", f"PostgreSQL reachable, schema at revision {revision}")

    def vectors(self, dimension: int | None) -> Check:
        with self.store.engine.connect() as connection:
            typed = schema.vector_dimension(connection)
            valid = connection.scalar(_HNSW_VALID, {"name": schema.HNSW_INDEX})
        if typed is None:
            return Check("vectors", "ok", "no vectors yet")
        if dimension is not None and typed != dimension:
            detail = f"the vector column is {typed}-d, the model {dimension}-d"
            return Check("vectors", "problem", detail + " (re-create the index)")
        if not valid:
            detail = f"the HNSW index {schema.HNSW_INDEX} is missing or invalid"
            return Check("vectors", "problem", detail, repairable=True)
        return Check("vectors", "ok", f"{typed}-d vectors, HNSW index {schema.HNSW_INDEX} valid")

    def files(self) -> Check:
        return Check("files", "ok", "no files: the index lives in PostgreSQL")

    def hold(self) -> AbstractContextManager[None]:
        """Repairs wait for the writers at work, and keep new ones waiting meanwhile."""
        return AdvisoryLock(self.store.engine).exclusive()

    def repair_vectors(self, wrong: set[str], dimension: int | None) -> None:
        if "vectors" in wrong:
            with self.store.engine.begin() as connection:
                connection.execute(sql(f"DROP INDEX IF EXISTS {schema.HNSW_INDEX}"))
                if schema.vector_dimension(connection) is not None:
                    connection.execute(schema.CREATE_HNSW)


_HNSW_VALID = sql(
    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE c.relname = :name"
)
