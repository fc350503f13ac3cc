"""Connecting to PostgreSQL: a ``postgresql://`` URL -> a :class:`PostgresStore` whose schema is
at the newest Alembic revision."""

from __future__ import annotations

from typing import Any

from pgvector.psycopg import register_vector
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from retriever.errors import IndexNotFoundError, RetrieverError, StorageError
from retriever.store.postgres import schema
from retriever.store.postgres.store import PostgresStore


def open_store(url: str, *, create: bool) -> PostgresStore:
    """The store at ``url``, its schema at the newest revision; with ``create``, a new index
    where the database has none. A bad URL or a server out of reach is one clear error."""
    parsed = database_url(url)
    location = _without_password(url)
    engine = create_engine(parsed, pool_pre_ping=True)
    event.listen(engine, "handle_error", _report_failure(location))
    try:
        with engine.connect() as connection:
            found = schema.current_revision(connection)
        if found is None and not create:
            raise IndexNotFoundError(f"no index at {location}: run `retriever index PATH` first")
        schema.upgrade(engine)
    except RetrieverError:
        engine.dispose()
        raise
    # Connections from now on know the vector type (the extension exists now): COPY needs it.
    engine.dispose()
    event.listen(engine, "connect", lambda connection, _record: register_vector(connection))
    return PostgresStore(engine, location)


def database_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        raise RetrieverError(f"not a database URL: {url!r} ({error})") from None
    if parsed.get_backend_name() != "postgresql":
        raise RetrieverError(f"not a PostgreSQL URL: {parsed.render_as_string()}")
    return parsed.set(drivername="postgresql+psycopg")


def _without_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _report_failure(location: str) -> Any:
    def report(context: Any) -> None:
        """A server out of reach (or gone mid-way) is one line, not a driver traceback."""
        if isinstance(context.sqlalchemy_exception, OperationalError):
            reason = str(context.original_exception).strip().splitlines()[0]
            raise StorageError(f"PostgreSQL at {location}: {reason}") from None

    return report
