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
from dataclasses import dataclass
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from indexers.chunk import Chunk, content_hash
from retriever.errors import CorruptIndexError
from retriever.store.labels import ChunkLabels
from retriever.store.lexical import expand
from retriever.store.models import ChunkLabelRow, ChunkRow, DocumentRow, ManifestEntry, SkippedRow
from retriever.store.protocols import Ranking
from retriever.types import Filters

#: Rows read (and written) at a time while walking every chunk.
PAGE = 2048
#: The database's own executor: a session, or a connection inside a transaction.
Executor = Session | Connection


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    content_hash: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class PendingDocument:
    """A new or changed document, chunked, before its vectors are known."""

    root: str
    path: str
    language: str
    encoding: str
    size: int
    mtime_ns: int
    content_hash: str
    chunks: Sequence[Chunk]


@dataclass(frozen=True, slots=True)
class DocumentUpdate:
    """A pending document with one vector per chunk, and the key of what each vector was
    computed from (see :mod:`retriever.ingest.indexing`): what ``write`` stores."""

    document: PendingDocument
    vectors: np.ndarray
    keys: Sequence[str]


def make_doc_id(root: str, path: str) -> str:
    return content_hash(f"{root}\0{path}")


def make_chunk_ids(doc_id: str, keys: Iterable[str]) -> list[str]:
    """Stable ids from the chunks' vector keys: a chunk keeps its id (and its vector) while what
    it embeds is unchanged, whatever happens to other chunks of its file."""
    seen: dict[str, int] = {}
    ids = []
    for key in keys:
        occurrence = seen[key] = seen.get(key, -1) + 1
        ids.append(content_hash(f"{doc_id}\0{key}\0{occurrence}"))
    return ids


def terms_row(
    chunk_id: int, body: str, path: str, symbol: str | None, heading: str | None
) -> dict[str, Any]:
    """A chunk's row of the lexical table: its fields, identifiers expanded into their parts."""
    return {
        "rowid": chunk_id,
        "body": expand(body),
        "path": expand(path),
        "symbol": expand(symbol or ""),
        "heading": heading or "",
    }


class SQLStore(ABC):
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

    def documents(
        self, limit: int, offset: int, path_glob: str | None = None, doc_id: str | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of documents in path order, and how many there are in all."""
        chunks = (
            select(ChunkRow.document_id, func.count().label("chunks"))
            .group_by(ChunkRow.document_id)
            .subquery()
        )
        query = select(*_DOCUMENT_COLUMNS, func.coalesce(chunks.c.chunks, 0).label("chunks"))
        query = query.outerjoin(chunks, chunks.c.document_id == DocumentRow.id)
        total = select(func.count()).select_from(DocumentRow)
        conditions = []
        if path_glob:
            conditions.append(self.glob(DocumentRow.path, path_glob))
        if doc_id is not None:
            conditions.append(DocumentRow.doc_id == doc_id)
        query, total = query.where(*conditions), total.where(*conditions)
        query = query.order_by(DocumentRow.path, DocumentRow.root).limit(limit).offset(offset)
        with self._session() as session:
            return session.scalar(total), [row._asdict() for row in session.execute(query)]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document's fields and its chunks in order, or None."""
        with self._session() as session:
            row = session.execute(
                select(DocumentRow.id, *_DOCUMENT_COLUMNS).where(DocumentRow.doc_id == doc_id)
            ).first()
            if row is None:
                return None
            chunks = session.execute(
                select(*_CHUNK_COLUMNS)
                .where(ChunkRow.document_id == row.id)
                .order_by(ChunkRow.ordinal)
            )
            document = row._asdict()
            document["row_id"] = document.pop("id")
            document["chunks"] = [chunk._asdict() for chunk in chunks]
            return document

    # -- search -------------------------------------------------------------------------------
    def conditions(self, filters: Filters) -> list[ColumnElement[bool]]:
        """The filters as SQLAlchemy expressions with bound values (over chunks joined with
        their documents)."""
        conditions = []
        if filters.path_glob:
            conditions.append(self.glob(DocumentRow.path, filters.path_glob))
        if filters.symbol:
            conditions.append(self.glob(ChunkRow.symbol, filters.symbol))
        if filters.language:
            conditions.append(DocumentRow.language.in_(filters.language))
        if filters.kind:
            conditions.append(ChunkRow.kind.in_(filters.kind))
        if filters.label:
            labelled = select(ChunkLabelRow.chunk_id).where(ChunkLabelRow.label.in_(filters.label))
            conditions.append(ChunkRow.id.in_(labelled))
        return conditions

    def chunk_ids_matching(self, filters: Filters) -> np.ndarray:
        query = select(ChunkRow.id).join(DocumentRow).where(*self.conditions(filters))
        with self._session() as session:
            return np.fromiter(session.scalars(query), dtype=np.int64)

    def lexical(self, terms: list[str], filters: Filters | None, limit: int) -> Ranking:
        """Best ``limit`` (chunk id, score) pairs for any of ``terms``, among the chunks
        matching ``filters``."""
        if not terms:
            return []
        with self._session() as session:
            return ranking(session, self.lexical_query(terms, filters, limit))

    def hits(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Chunk rows with their document's fields, by row id."""
        with self._session() as session:
            return hit_rows(session, ids)

    def iter_vectors(self, page: int = 4096) -> Iterator[tuple[np.ndarray, list[bytes]]]:
        """All (ids, vectors as float32 bytes) in id order, a page at a time."""
        last = 0
        while True:
            with self._session() as session:
                rows = session.execute(
                    select(ChunkRow.id, ChunkRow.vector)
                    .where(ChunkRow.id > last)
                    .order_by(ChunkRow.id)
                    .limit(page)
                ).all()
            if not rows:
                return
            yield (
                np.array([r[0] for r in rows], dtype=np.int64),
                [self._vector_bytes(r[1]) for r in rows],
            )
            last = rows[-1][0]

    def vectors_by_id(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Stored vectors of the chunk rows ``ids`` (rescoring candidates from compressed
        vectors); a row that no longer exists is absent. A plain connection, not a session:
        this runs in every search of a compressed index."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(ChunkRow.id, ChunkRow.vector).where(ChunkRow.id.in_(list(ids)))
            )
            return {chunk_id: self._vector_bytes(vector) for chunk_id, vector in rows}

    # -- status -------------------------------------------------------------------------------
    def counts(self) -> dict[str, Any]:
        with self._session() as session:
            languages = dict(
                session.execute(
                    select(DocumentRow.language, func.count()).group_by(DocumentRow.language)
                ).all()
            )
            skipped = dict(
                session.execute(
                    select(SkippedRow.reason, func.count()).group_by(SkippedRow.reason)
                ).all()
            )
            skipped_files = [
                {"root": r.root, "path": r.path, "reason": r.reason, "detail": r.detail}
                for r in session.scalars(select(SkippedRow).order_by(SkippedRow.path))
            ]
            return {
                "documents": session.scalar(select(func.count()).select_from(DocumentRow)),
                "chunks": session.scalar(select(func.count()).select_from(ChunkRow)),
                "roots": list(session.scalars(select(DocumentRow.root).distinct())),
                "languages": languages,
                "skipped": skipped,
                "skipped_files": skipped_files,
            }


def ranking(executor: Executor, query: Select) -> Ranking:
    return [(int(chunk_id), float(score)) for chunk_id, score in executor.execute(query)]


def hit_rows(executor: Executor, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Chunk rows with their document's fields, by row id."""
    query = select(*_HIT_COLUMNS).join(DocumentRow).outerjoin(ChunkLabelRow)
    rows = executor.execute(query.where(ChunkRow.id.in_(ids)))
    return {row.id: row._asdict() for row in rows}


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

_HIT_COLUMNS = (
    ChunkRow.id,
    DocumentRow.path,
    ChunkRow.start_line,
    ChunkRow.end_line,
    ChunkRow.text,
    DocumentRow.language,
    ChunkRow.kind,
    ChunkRow.symbol,
    ChunkRow.heading,
    ChunkRow.chunk_id,
    DocumentRow.doc_id,
    DocumentRow.content_hash.label("file_hash"),
    DocumentRow.root,
    ChunkLabelRow.label,
    ChunkRow.ordinal,
)
_DOCUMENT_COLUMNS = (
    DocumentRow.doc_id,
    DocumentRow.root,
    DocumentRow.path,
    DocumentRow.language,
    DocumentRow.encoding,
    DocumentRow.size,
    DocumentRow.content_hash,
    DocumentRow.indexed_at,
)
_CHUNK_COLUMNS = (
    ChunkRow.chunk_id,
    ChunkRow.ordinal,
    ChunkRow.kind,
    ChunkRow.symbol,
    ChunkRow.heading,
    ChunkRow.start_line,
    ChunkRow.end_line,
    ChunkRow.start_byte,
    ChunkRow.end_byte,
    ChunkRow.token_count,
    ChunkRow.text,
)
