"""Writers of an index on PostgreSQL. Any number may work at once: each document's write takes
a transaction-level advisory lock on its id (see PostgresStore._serialise), so two writers
never write one file at the same time. A run holds a shared session-level advisory lock, so
anyone can tell whether writers are at work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Engine, func, select
from sqlalchemy import text as sql

from retriever.store.postgres.schema import advisory_key

WRITERS_KEY = advisory_key("retriever:writers")


class AdvisoryLock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hold(self) -> AbstractContextManager[None]:
        """Held (shared: writers do not exclude each other) for a writer's run."""
        return self._held("shared")

    def exclusive(self) -> AbstractContextManager[None]:
        """Held alone: waits for the writers at work, and makes new ones wait (repairs)."""
        return self._held("")

    @contextmanager
    def _held(self, mode: str) -> Iterator[None]:
        """On a connection of its own: released at the end, or by the server when the
        connection drops (a writer that dies holds nothing)."""
        suffix = f"_{mode}" if mode else ""
        with self.engine.connect() as connection:
            connection.execute(select(getattr(func, f"pg_advisory_lock{suffix}")(WRITERS_KEY)))
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    select(getattr(func, f"pg_advisory_unlock{suffix}")(WRITERS_KEY))
                )
                connection.commit()

    def held_elsewhere(self) -> bool:
        """Whether another session holds the writers' lock now."""
        high, low = (WRITERS_KEY >> 32) & 0xFFFFFFFF, WRITERS_KEY & 0xFFFFFFFF
        query = sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1 "
            "AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as connection:
            return bool(connection.scalar(query, {"high": high, "low": low}))
