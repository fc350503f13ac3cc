"""The PostgreSQL schema: versioned by Alembic (migrations/ in this package, run on open with a
configuration built here, no alembic.ini), plus the one part that depends on the data: the
vector column's dimension and its HNSW index, made when the first vectors arrive."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"
#: The HNSW index over the vectors: inner product, as FAISS searches the unit vectors.
HNSW_INDEX = "ix_chunks_vector_hnsw"
CREATE_HNSW = sql(
    f"CREATE INDEX IF NOT EXISTS {HNSW_INDEX} ON chunks USING hnsw (vector vector_ip_ops)"
)


def advisory_key(name: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory locks, from any string."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


#: Taken while the schema changes, so that two processes opening a new database at once do not
#: both create it.
SCHEMA_KEY = advisory_key("retriever:schema")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database (None: no index there yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision, in one transaction."""
    with engine.begin() as connection:
        if current_revision(connection) == head_revision():
            return
        connection.execute(select(func.pg_advisory_xact_lock(SCHEMA_KEY)))
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def vector_dimension(connection: Connection | Session) -> int | None:
    """The vector column's dimension (None while untyped: no vectors yet)."""
    modifier = connection.scalar(
        sql(
            "SELECT atttypmod FROM pg_attribute "
            "WHERE attrelid = 'chunks'::regclass AND attname = 'vector'"
        )
    )
    return None if modifier is None or modifier < 0 else int(modifier)


def type_vectors(session: Session, dimension: int) -> None:
    """Give the vector column its dimension and build the HNSW index, once (the first writer
    does it in its own transaction; others wait for it and find it done)."""
    session.execute(select(func.pg_advisory_xact_lock(SCHEMA_KEY)))
    if vector_dimension(session) is not None:
        return
    session.execute(sql(f"ALTER TABLE chunks ALTER COLUMN vector TYPE vector({int(dimension)})"))
    session.execute(CREATE_HNSW)
