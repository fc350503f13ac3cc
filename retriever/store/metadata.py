"""The rows of an index through SQLAlchemy: documents, chunks with their vectors, manifest,
skipped files. The source of truth, on SQLite (:mod:`retriever.store.sqlite`) or PostgreSQL
(:mod:`retriever.store.postgres`); this module holds what both dialects share.

Every write goes through a method here, each in one transaction.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    String,
    Table,
    cast,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from indexers.chunk import Chunk
from retriever.errors import CorruptIndexError
from retriever.store.labels import ChunkLabels
from retriever.store.models import ChunkRow, DocumentRow, ManifestEntry, SkippedRow
from retriever.store.reading import Executor, Reads
from retriever.store.records import (
    DocumentUpdate,
    StoredDocument,
    make_chunk_ids,
    make_doc_id,
    terms_row,
)
from retriever.types import Filters

#: Rows read (and written) at a time while walking every chunk.
PAGE = 2048


class SQLStore(Reads, ABC):
    """Reads and writes shared by both dialects. A subclass creates the engine and schema and
    gives what differs: the lexical table and its query, path globs, how chunk rows and
    vectors are stored, and how concurrent writers are kept apart."""

    #: The lexical table: (rowid = chunk row id, body, path, symbol, heading).
    terms: Table

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location
        self._session = sessionmaker(engine, expire_on_commit=False)
        self.labels = ChunkLabels(self._session)

    def close(self) -> None:
        self.engine.dispose()

    # -- what each dialect gives -------------------------------------------------------------
    @abstractmethod
    def glob(self, column: Any, pattern: str) -> ColumnElement[bool]:
        """``column`` matches the glob ``pattern`` (``*``, ``?``, ``[...]``; case-sensitive)."""
        ...

    @abstractmethod
    def lexical_query(self, terms: list[str], filters: Filters | None, limit: int) -> Select:
        """(chunk_id, score) of the best ``limit`` matches of any of ``terms``, best first."""
        ...

    @abstractmethod
    def vector_size(self) -> ColumnElement[int]:
        """A chunk's stored vector size in bytes (4 per float32 component)."""
        ...

    @abstractmethod
    def size_bytes(self) -> int: ...

    def _vector_bytes(self, stored: Any) -> bytes:
        """A vector as read from the database, as float32 bytes."""
        return stored

    @abstractmethod
    def _serialise(self, session: Session, keys: Sequence[str]) -> None:
        """Make other writers wait until this transaction ends before they write ``keys``
        (documents, manifest entries)."""

    def _insert_chunks(self, session: Session, rows: list[dict[str, Any]]) -> list[int]:
        """Insert chunk rows (``vector`` a float32 array); their row ids, in order."""
        added = [ChunkRow(**{**row, "vector": _float32(row["vector"]).tobytes()}) for row in rows]
        session.add_all(added)
        session.flush()
        return [row.id for row in added]

    def _add_terms(self, session: Executor, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            session.execute(insert(self.terms), list(rows))

    def _remove_terms(self, session: Session, chunk_ids: Sequence[int]) -> None:
        if chunk_ids:
            session.execute(delete(self.terms).where(self.terms.c.rowid.in_(chunk_ids)))

    @abstractmethod
    def check_terms(self, connection: Connection) -> None:
        """The lexical table's own structure check, where the database has one (raises)."""

    def clear_terms(self, connection: Connection) -> None:
        connection.execute(delete(self.terms))

    def fill_terms(self, connection: Connection) -> None:
        """Index every chunk lexically (a rebuild, or an index made before lexical search)."""
        # terms_source streams with yield_per: partitions are its pages.
        for page in terms_source(connection).partitions():
            self._add_terms(connection, [terms_row(*row) for row in page])

    # -- manifest -----------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        with self._session() as session:
            rows = session.scalars(select(ManifestEntry)).all()
            try:
                return {row.key: json.loads(row.value) for row in rows}
            except ValueError as error:
                raise self.damaged(f"manifest: {error}") from None

    def set_manifest(self, values: dict[str, Any]) -> None:
        with self._session.begin() as session:
            self._serialise(session, [f"manifest:{key}" for key in values])
            for key, value in values.items():
                session.merge(ManifestEntry(key=key, value=json.dumps(value)))

    def update_manifest(self, key: str, change: Callable[[Any], Any]) -> None:
        with self._session.begin() as session:
            self._serialise(session, [f"manifest:{key}"])
            entry = session.get(ManifestEntry, key)
            value = change(json.loads(entry.value) if entry else None)
            session.merge(ManifestEntry(key=key, value=json.dumps(value)))

    def data_version(self) -> int:
        return int(self.manifest().get("data_version", 0))

    def damaged(self, why: object) -> CorruptIndexError:
        return CorruptIndexError(
            f"index database {self.location} is damaged ({why}): run `retriever doctor`, or "
            "move the index aside and index again"
        )

    # -- documents ----------------------------------------------------------------------------
    def documents_under(self, root: str) -> dict[str, StoredDocument]:
        with self._session() as session:
            rows = session.execute(
                select(
                    DocumentRow.path,
                    DocumentRow.id,
                    DocumentRow.content_hash,
                    DocumentRow.size,
                    DocumentRow.mtime_ns,
                ).where(DocumentRow.root == root)
            )
            return {path: StoredDocument(*rest) for path, *rest in rows}

    def document_paths(self) -> list[tuple[int, str, str]]:
        """(row id, root, relative path) of every document."""
        with self._session() as session:
            rows = session.execute(select(DocumentRow.id, DocumentRow.root, DocumentRow.path))
            return [(row_id, root, path) for row_id, root, path in rows]

    def vectors_for(self, hashes: Iterable[str]) -> dict[str, bytes]:
        """Stored vectors (float32 bytes) by vector key (any document): the cache."""
        wanted = list(set(hashes))
        found: dict[str, bytes] = {}
        with self._session() as session:
            for start in range(0, len(wanted), 500):
                rows = session.execute(
                    select(ChunkRow.content_hash, ChunkRow.vector).where(
                        ChunkRow.content_hash.in_(wanted[start : start + 500])
                    )
                )
                found.update((h, self._vector_bytes(v)) for h, v in rows)
        return found

    def touch(self, document_id: int, mtime_ns: int) -> None:
        with self._session.begin() as session:
            session.execute(
                update(DocumentRow).where(DocumentRow.id == document_id).values(mtime_ns=mtime_ns)
            )

    def write(
        self, updates: Sequence[DocumentUpdate], removals: Sequence[int] = ()
    ) -> tuple[dict[int, np.ndarray], list[int]]:
        """Insert new chunk rows, then delete the rows they replace, in one transaction.

        Returns the new rows' vectors by id and the ids of removed chunk rows.
        """
        removed: list[int] = []
        new: list[dict[str, Any]] = []  # chunk rows to insert, all documents at once
        new_paths: list[str] = []  # their documents' paths
        kept: list[tuple[str, ChunkRow]] = []  # (path, row) of chunks that stay
        with self._session.begin() as session:
            # Locked in one order (sorted) by every writer, so two writers never deadlock.
            doomed = (
                session.scalars(
                    select(DocumentRow.doc_id).where(DocumentRow.id.in_(removals))
                ).all()
                if removals
                else []
            )
            changed = [make_doc_id(u.document.root, u.document.path) for u in updates]
            self._serialise(session, sorted({*changed, *doomed}))
            for update in updates:
                change = update.document
                document = session.scalar(
                    select(DocumentRow).where(
                        DocumentRow.root == change.root, DocumentRow.path == change.path
                    )
                )
                if document is None:
                    document = DocumentRow(
                        doc_id=make_doc_id(change.root, change.path),
                        root=change.root,
                        path=change.path,
                    )
                    session.add(document)
                document.language = change.language
                document.encoding = change.encoding
                document.size = change.size
                document.mtime_ns = change.mtime_ns
                document.content_hash = change.content_hash
                document.indexed_at = time.time()
                session.flush()
                document_new, document_kept, gone = self._sync_chunks(session, document, update)
                new += document_new
                new_paths += [document.path] * len(document_new)
                kept += [(document.path, row) for row in document_kept]
                removed += gone
            session.flush()
            new_ids = self._insert_chunks(session, new)
            # Kept chunks are re-indexed too: their symbol or heading may have changed.
            self._remove_terms(session, [row.id for _, row in kept] + removed)
            self._add_terms(
                session,
                [terms_row(r.id, r.text, path, r.symbol, r.heading) for path, r in kept]
                + [
                    terms_row(i, r["text"], path, r["symbol"], r["heading"])
                    for i, r, path in zip(new_ids, new, new_paths, strict=True)
                ],
            )
            if removals:
                removed += self._drop_chunks(session, removals)
                session.execute(delete(DocumentRow).where(DocumentRow.id.in_(removals)))
            self._bump_version(session)
        return {i: row["vector"] for i, row in zip(new_ids, new, strict=True)}, removed

    def _sync_chunks(
        self, session: Session, document: DocumentRow, update: DocumentUpdate
    ) -> tuple[list[dict[str, Any]], list[ChunkRow], list[int]]:
        """Match the document's chunk rows to ``update``: rows of unchanged chunks stay (with
        their ids and vectors, positions updated), the rest are deleted. Returns the rows to
        insert for new chunks, the rows kept and the ids deleted."""
        old = {
            row.chunk_id: row
            for row in session.scalars(select(ChunkRow).where(ChunkRow.document_id == document.id))
        }
        new: list[dict[str, Any]] = []
        kept: list[ChunkRow] = []
        chunks = update.document.chunks
        chunk_ids = make_chunk_ids(document.doc_id, update.keys)
        for ordinal, (chunk_id, chunk, vector, key) in enumerate(
            zip(chunk_ids, chunks, update.vectors, update.keys, strict=True)
        ):
            row = old.pop(chunk_id, None)
            if row is None:
                new.append(
                    {
                        "chunk_id": chunk_id,
                        "document_id": document.id,
                        "content_hash": key,
                        "text": chunk.text,
                        "vector": vector,
                        **_positions(chunk, ordinal),
                    }
                )
            else:
                for name, value in _positions(chunk, ordinal).items():
                    setattr(row, name, value)
                kept.append(row)
        gone = [row.id for row in old.values()]
        if gone:
            session.execute(delete(ChunkRow).where(ChunkRow.id.in_(gone)))
        return new, kept, gone

    def _drop_chunks(self, session: Session, document_ids: Sequence[int]) -> list[int]:
        ids = list(
            session.scalars(select(ChunkRow.id).where(ChunkRow.document_id.in_(document_ids)))
        )
        self._remove_terms(session, ids)
        session.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(document_ids)))
        return ids

    def _bump_version(self, session: Session) -> None:
        """One more than before, in one statement: concurrent writers never lose a bump."""
        dialect_insert = _UPSERTS[session.get_bind().dialect.name]
        bumped = cast(cast(ManifestEntry.value, Integer) + 1, String)
        session.execute(
            dialect_insert(ManifestEntry)
            .values(key="data_version", value="1")
            .on_conflict_do_update(index_elements=[ManifestEntry.key], set_={"value": bumped})
        )

    def replace_skipped(
        self,
        root: str,
        skipped: Sequence[tuple[str, str, str]],
        within: Callable[[str], bool] | None = None,
    ) -> None:
        """Replace the skipped files recorded for ``root`` (only those at paths ``within``
        accepts, when given: an update of some paths) by ``skipped``."""
        with self._session.begin() as session:
            self._serialise(session, [f"skipped:{root}"])
            if within is None:
                session.execute(delete(SkippedRow).where(SkippedRow.root == root))
            else:
                paths = session.scalars(select(SkippedRow.path).where(SkippedRow.root == root))
                doomed = [path for path in paths if within(path)]
                for start in range(0, len(doomed), 500):
                    session.execute(
                        delete(SkippedRow).where(
                            SkippedRow.root == root,
                            SkippedRow.path.in_(doomed[start : start + 500]),
                        )
                    )
            session.add_all(
                SkippedRow(root=root, path=path, reason=reason, detail=detail)
                for path, reason, detail in skipped
            )


def terms_source(connection: Connection) -> Iterator[Any]:
    """What each chunk's lexical row is made of, in chunk id order."""
    query = (
        select(ChunkRow.id, ChunkRow.text, DocumentRow.path, ChunkRow.symbol, ChunkRow.heading)
        .join(DocumentRow)
        .order_by(ChunkRow.id)
    )
    # Per statement: on the connection itself, the option would outlive this query.
    return connection.execute(query, execution_options={"yield_per": PAGE})


def _positions(chunk: Chunk, ordinal: int) -> dict[str, Any]:
    """The fields of a chunk row that may change while the chunk (and its vector) stays."""
    return {
        "ordinal": ordinal,
        "kind": chunk.kind,
        "symbol": chunk.symbol,
        "heading": chunk.heading,
        "start_line": chunk.start_line,
        "end_line": chunk.end_line,
        "unit": chunk.unit,
        "start_unit": chunk.start_unit,
        "end_unit": chunk.end_unit,
        "start_byte": chunk.start_byte,
        "end_byte": chunk.end_byte,
        "token_count": chunk.token_count,
    }


def _float32(vector: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vector, dtype=np.float32)


def _sqlite_insert(table: Any) -> Any:
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _postgresql_insert(table: Any) -> Any:
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    return postgresql_insert(table)


#: INSERT ... ON CONFLICT per dialect (the same API in both).
_UPSERTS = {"sqlite": _sqlite_insert, "postgresql": _postgresql_insert}
