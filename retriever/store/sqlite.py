"""The embedded store: SQLite through SQLAlchemy (WAL, one writer at a time under the index's
file lock), the lexical table in FTS5, and the rows of the FAISS generations."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Select, create_engine, delete, event, func, select
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from retriever.errors import CorruptIndexError, IndexNotFoundError, StorageError
from retriever.store import fulltext
from retriever.store.lexical import match_expression
from retriever.store.metadata import SQLStore
from retriever.store.models import Base, ChunkRow, DocumentRow, GenerationRow, ManifestEntry
from retriever.types import Filters


class SQLiteStore(SQLStore):
    terms = fulltext.fts

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """The database at ``path``; ``read_only`` opens it for reading only (``mode=ro``, and
        ``immutable`` when no writer left a WAL behind): nothing is created or changed, so an
        index on a read-only disk or in a directory without write permission is searchable."""
        self.path = path
        self.read_only = read_only
        if path.exists() and (tables := foreign_tables(path)):
            raise IndexNotFoundError(
                f"{path} is a database of something else (tables {', '.join(tables[:5])}), "
                "not a retriever index: give --index a new or empty directory"
            )
        if read_only:
            engine = create_engine(f"sqlite:///{path}", creator=lambda: _read_only(path))
            event.listen(engine, "connect", _configure_reader)
        else:
            engine = create_engine(f"sqlite:///{path}")
            event.listen(engine, "connect", _configure_connection)
        event.listen(engine, "handle_error", _report_damage)
        super().__init__(engine, str(path))
        try:
            if not read_only:
                Base.metadata.create_all(self.engine)
            with self.engine.begin() as connection:
                connection.execute(select(func.count()).select_from(ManifestEntry))
                if not read_only:
                    _add_new_columns(connection)
                if not read_only and fulltext.ensure(connection):
                    self.fill_terms(connection)
        except DatabaseError as error:
            self.engine.dispose()
            raise damaged(path, error.orig) from None
        except CorruptIndexError:
            self.engine.dispose()
            raise

    def damaged(self, why: object) -> CorruptIndexError:
        return damaged(self.path, why)

    def glob(self, column: Any, pattern: str) -> ColumnElement[bool]:
        return column.op("GLOB")(pattern)

    def lexical_query(self, terms: list[str], filters: Filters | None, limit: int) -> Select:
        score = fulltext.bm25_score().label("score")
        matched = select(fulltext.fts.c.rowid.label("chunk_id"), score).where(
            fulltext.MATCH_ALL.op("MATCH")(match_expression(terms))
        )
        if not filters:
            return matched.order_by(score.desc()).limit(limit)
        # Score the matches first, then filter them: given the filter inside the full-text
        # query, SQLite probes the full-text index once per chunk the filter selects
        # (seconds to minutes for a broad filter such as one language).
        found = matched.cte("matched").prefix_with("MATERIALIZED")
        return (
            select(found.c.chunk_id, found.c.score)
            .join(ChunkRow, ChunkRow.id == found.c.chunk_id)
            .join(DocumentRow)
            .where(*self.conditions(filters))
            .order_by(found.c.score.desc())
            .limit(limit)
        )

    def vector_size(self) -> ColumnElement[int]:
        return func.length(ChunkRow.vector)

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.parent.iterdir() if f.is_file())

    # -- the lexical table --------------------------------------------------------------------
    def _serialise(self, session: Session, keys: Sequence[str]) -> None:
        """Nothing: one writer at a time holds the index's file lock."""

    def check_terms(self, connection: Connection) -> None:
        """FTS5's own structure check (a damaged table raises)."""
        connection.execute(sql("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')"))

    def clear_terms(self, connection: Connection) -> None:
        connection.execute(sql("DROP TABLE IF EXISTS chunks_fts"))
        fulltext.ensure(connection)

    def integrity(self) -> list[str]:
        """SQLite's own check of every page, index and constraint (empty: all well)."""
        with self.engine.connect() as connection:
            rows = [row[0] for row in connection.execute(sql("PRAGMA integrity_check"))]
        return [] if rows == ["ok"] else rows

    # -- generations --------------------------------------------------------------------------
    def current_generation(self) -> GenerationRow | None:
        with self._session() as session:
            return session.scalar(
                select(GenerationRow).order_by(GenerationRow.generation.desc()).limit(1)
            )

    def record_generation(self, row: GenerationRow) -> None:
        with self._session.begin() as session:
            session.add(row)
            session.execute(delete(GenerationRow).where(GenerationRow.generation < row.generation))


def damaged(path: Path, why: object) -> CorruptIndexError:
    return CorruptIndexError(
        f"index database {path} is damaged ({why}): run `retriever doctor`, or move the index "
        "directory aside and index again"
    )


#: SQLite's primary result codes for a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB) and for a
#: disk that refuses a write (SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN).
_DAMAGE_CODES = {11, 26}
_STORAGE_CODES = {8, 10, 13, 14}


def _report_damage(context: Any) -> None:
    """Any statement that meets a damaged database (or a text cell that is not UTF-8) raises
    one clear CorruptIndexError; one that the disk refuses, a StorageError."""
    error = context.original_exception
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    database = Path(context.engine.url.database) if context.engine else Path("?")
    if code in _DAMAGE_CODES or str(error).startswith("Could not decode to UTF-8"):
        raise damaged(database, error)
    if code in _STORAGE_CODES:
        raise StorageError(f"index database {database}: {error}") from None


#: Columns added to the first schema (nullable, so old rows need nothing): an index made
#: before them gains them on open. PostgreSQL gets them by migration.
_NEW_CHUNK_COLUMNS = {"unit": "TEXT", "start_unit": "INTEGER", "end_unit": "INTEGER"}


def _add_new_columns(connection: Connection) -> None:
    have = {row[1] for row in connection.execute(sql("PRAGMA table_info(chunks)"))}
    for name, kind in _NEW_CHUNK_COLUMNS.items():
        if name not in have:
            connection.execute(sql(f"ALTER TABLE chunks ADD COLUMN {name} {kind}"))


def foreign_tables(path: Path) -> list[str] | None:
    """The tables of the database at ``path`` when it is not an index of ours (it has tables,
    but no manifest); None when it is ours or holds no table yet. Read without changing it (no
    journal mode set, no table created); a file that is no database raises CorruptIndexError."""
    try:
        connection = _read_only(path)
        try:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = sorted(row[0] for row in rows)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise damaged(path, error) from None
    if not tables or ManifestEntry.__tablename__ in tables:
        return None
    return tables


def _read_only(path: Path, immutable: bool | None = None) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro``, and ``immutable=1`` (no locks, no ``-shm`` file to
    create) when no WAL file is there, i.e. no writer has the database open."""
    if immutable is None:
        immutable = not Path(f"{path}-wal").exists()
    uri = f"file:{quote(str(path))}?mode=ro{'&immutable=1' if immutable else ''}"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def _configure_reader(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _configure_connection(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
