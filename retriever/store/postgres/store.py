"""The rows of an index on PostgreSQL: the shared models, vectors in a pgvector column, the
lexical table searched by PostgreSQL full-text search, chunk rows bulk-loaded with ``COPY``,
and writers kept apart per document by advisory locks."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from functools import reduce
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    Select,
    Table,
    Text,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, array
from sqlalchemy.orm import Session

from retriever.errors import InvalidQueryError
from retriever.store.metadata import SQLStore
from retriever.store.models import ChunkRow, DocumentRow
from retriever.store.postgres import schema
from retriever.store.reading import Executor
from retriever.store.records import DocumentUpdate
from retriever.types import Filters

#: The text search configuration: English stemming, like the SQLite side's porter tokenizer.
CONFIG = literal_column("'english'::regconfig")
#: ts_rank_cd's weights of the D, C, B, A fields (body, heading, path, symbol): the same
#: proportions as the SQLite side's BM25 column weights (1, 2, 2, 4).
RANK_WEIGHTS = (0.25, 0.5, 0.5, 1.0)
#: ts_rank_cd normalisation 1: divide by 1 + log(length), so long chunks do not win by length.
RANK_NORMALISATION = 1

terms = Table(
    "chunk_terms",
    MetaData(),
    Column("rowid", BigInteger, primary_key=True),
    *(Column(name, Text) for name in ("body", "path", "symbol", "heading")),
)
#: The generated, weighted tsvector of a row (see the migration); not read back, only searched.
LEXEMES = literal_column("chunk_terms.lexemes")

#: The chunks' columns as COPY writes them, with their binary types (as the migration made
#: them: binary COPY needs them exact).
CHUNK_FIELDS = {
    "id": "int8",
    "chunk_id": "text",
    "document_id": "int8",
    "ordinal": "int4",
    "kind": "text",
    "symbol": "text",
    "heading": "text",
    "start_line": "int4",
    "end_line": "int4",
    "unit": "text",
    "start_unit": "int4",
    "end_unit": "int4",
    "start_byte": "int4",
    "end_byte": "int4",
    "token_count": "int4",
    "content_hash": "text",
    "text": "text",
    "vector": "vector",
}
_CHUNK_COLUMNS = list(CHUNK_FIELDS)
_TERMS_COLUMNS = ("rowid", "body", "path", "symbol", "heading")
_TABLES = ("documents", "chunks", "chunk_terms", "chunk_labels", "manifest", "skipped")


class PostgresStore(SQLStore):
    terms = terms

    def __init__(self, engine: Engine, location: str) -> None:
        super().__init__(engine, location)
        self._dimension: int | None = None

    def write(
        self, updates: Sequence[DocumentUpdate], removals: Sequence[int] = ()
    ) -> tuple[dict[int, np.ndarray], list[int]]:
        if updates and self._dimension is None:
            self._type_vectors(updates[0].vectors.shape[1])
        return super().write(updates, removals)

    def _type_vectors(self, dimension: int) -> None:
        """Give the vector column its dimension and HNSW index (the first writer does), in a
        transaction of its own: inside a write, it would wait for other writers' locks on the
        chunks while they wait for it."""
        with self._session.begin() as session:
            schema.type_vectors(session, dimension)
        self._dimension = dimension

    def glob(self, column: Any, pattern: str) -> ColumnElement[bool]:
        return column.regexp_match(glob_pattern(pattern))

    def lexical_query(self, words: list[str], filters: Filters | None, limit: int) -> Select:
        query = reduce(
            lambda left, right: left.op("||")(right),
            (func.plainto_tsquery(CONFIG, word) for word in words),
        )
        weights = cast(array(RANK_WEIGHTS), ARRAY(REAL))
        score = func.ts_rank_cd(weights, LEXEMES, query, RANK_NORMALISATION).label("score")
        found = select(terms.c.rowid.label("chunk_id"), score).where(LEXEMES.op("@@")(query))
        if filters:
            found = (
                found.join(ChunkRow, ChunkRow.id == terms.c.rowid)
                .join(DocumentRow)
                .where(*self.conditions(filters))
            )
        return found.order_by(score.desc(), terms.c.rowid).limit(limit)

    def check_terms(self, connection: Connection) -> None:
        """Nothing beyond the row comparison: PostgreSQL checks its own indexes."""

    def vector_size(self) -> ColumnElement[int]:
        return func.vector_dims(ChunkRow.vector) * 4

    def size_bytes(self) -> int:
        sizes = [func.pg_total_relation_size(name) for name in _TABLES]
        with self.engine.connect() as connection:
            return int(connection.scalar(select(reduce(operator.add, sizes))))

    def _vector_bytes(self, stored: Any) -> bytes:
        return np.asarray(stored, dtype=np.float32).tobytes()

    def _serialise(self, session: Session, keys: Sequence[str]) -> None:
        # Transaction-level: released at commit or rollback, or when the connection drops.
        for key in keys:
            session.execute(select(func.pg_advisory_xact_lock(schema.advisory_key(key))))

    def _insert_chunks(self, session: Session, rows: list[dict[str, Any]]) -> list[int]:
        """``COPY`` in binary, with row ids drawn from the chunks' sequence beforehand."""
        if not rows:
            return []
        if any("\0" in row["text"] for row in rows):
            # Only uploaded text can hold one: discovery skips files with NUL bytes as binary.
            raise InvalidQueryError("PostgreSQL cannot store text with NUL characters")
        ids = list(
            session.scalars(
                select(func.nextval(func.pg_get_serial_sequence("chunks", "id"))).select_from(
                    func.generate_series(1, len(rows))
                )
            )
        )
        records = (
            (row_id, *(row[name] for name in _CHUNK_COLUMNS[1:-1]), _float32(row["vector"]))
            for row_id, row in zip(ids, rows, strict=True)
        )
        copy_rows(session, "chunks", _CHUNK_COLUMNS, list(CHUNK_FIELDS.values()), records)
        return ids

    def _add_terms(self, session: Executor, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            records = ([row[name] for name in _TERMS_COLUMNS] for row in rows)
            copy_rows(session, "chunk_terms", _TERMS_COLUMNS, ["int8", *["text"] * 4], records)


#: A regular expression that matches nothing: SQLite's GLOB with an unclosed ``[``.
NOTHING = "(?!)"


def glob_pattern(glob: str) -> str:
    """A glob, read as SQLite's GLOB reads it, as an anchored POSIX regular expression: ``*``
    any run, ``?`` one character, ``[...]`` one of a set (``^`` first negates it, a ``]`` first
    is a member, ``a-z`` a range, a reversed range only its first character; an unclosed ``[``
    matches nothing), any other character itself (there is no escape character)."""
    out = ["^"]
    position = 0
    while position < len(glob):
        char = glob[position]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            found = _glob_set(glob, position + 1)
            if found is None:
                return NOTHING
            regex, position = found
            out.append(regex)
        else:
            out.append(re.escape(char))
        position += 1
    return "".join(out) + "$"


def _glob_set(glob: str, position: int) -> tuple[str, int] | None:
    """The set opened just before ``position``, as a bracket expression, and where its ``]``
    is; None where it never closes. Follows SQLite's ``patternCompare``."""
    negated = glob.startswith("^", position)
    position += negated
    members: list[str] = []
    if glob.startswith("]", position):
        members.append("\\]")
        position += 1
    prior = None  # the last single member, which a "-" may turn into a range's start
    while position < len(glob) and glob[position] != "]":
        char, following = glob[position], glob[position + 1 : position + 2]
        if char == "-" and prior is not None and following not in ("", "]"):
            if prior <= following:  # SQLite: a reversed range matches nothing more
                members.append(f"{_member(prior)}-{_member(following)}")
            prior, position = None, position + 2
            continue
        members.append(_member(char))
        prior, position = char, position + 1
    if position >= len(glob):
        return None
    # Never empty: a "]" right after "[" or "[^" is a member, and so is a range's first end.
    return f"[{'^' if negated else ''}{''.join(members)}]", position


def _member(char: str) -> str:
    return "\\" + char if char in "\\[]^-" else char


def _float32(vector: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vector, dtype=np.float32)


def copy_rows(
    executor: Executor,
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    records: Any,
) -> None:
    """Bulk-load ``records`` with ``COPY ... FROM STDIN`` in binary, on the executor's own
    connection (so inside its transaction)."""
    connection = executor.connection() if isinstance(executor, Session) else executor
    driver = connection.connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(list(types))
        for record in records:
            copy.write_row(record)
