"""SQLite through SQLAlchemy: documents, chunks with their vectors, manifest. The source of truth.

Every write goes through a method here, each in one transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, delete, event, func, select, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from indexers.chunk import Chunk, content_hash
from retriever.errors import CorruptIndexError, StorageError
from retriever.lexical import match_expression
from retriever.store import fulltext
from retriever.store.labels import ChunkLabels
from retriever.store.models import (
    Base,
    ChunkLabelRow,
    ChunkRow,
    DocumentRow,
    GenerationRow,
    ManifestEntry,
    SkippedRow,
)
from retriever.types import Filters


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
    computed from (see :mod:`retriever.indexing`): what ``write`` stores."""

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


class MetadataStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = create_engine(f"sqlite:///{path}")
        event.listen(self.engine, "connect", _configure_connection)
        event.listen(self.engine, "handle_error", _report_damage)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.labels = ChunkLabels(self._session)
        try:
            Base.metadata.create_all(self.engine)
            with self.engine.begin() as connection:
                connection.execute(select(func.count()).select_from(ManifestEntry))
                if fulltext.ensure(connection):
                    self._fill_fulltext(connection)
        except DatabaseError as error:
            self.engine.dispose()
            raise damaged(path, error.orig) from None
        except CorruptIndexError:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def _fill_fulltext(self, connection) -> None:
        """Index every existing chunk lexically (an index made before lexical search)."""
        rows = connection.execute(
            select(
                ChunkRow.id, ChunkRow.text, DocumentRow.path, ChunkRow.symbol, ChunkRow.heading
            ).join(DocumentRow)
        )
        fulltext.add(connection, [fulltext.row(*r) for r in rows])

    # -- manifest -----------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        with self._session() as session:
            rows = session.scalars(select(ManifestEntry)).all()
            try:
                return {row.key: json.loads(row.value) for row in rows}
            except ValueError as error:
                raise damaged(self.path, f"manifest: {error}") from None

    def set_manifest(self, values: dict[str, Any]) -> None:
        with self._session.begin() as session:
            for key, value in values.items():
                session.merge(ManifestEntry(key=key, value=json.dumps(value)))

    def data_version(self) -> int:
        return int(self.manifest().get("data_version", 0))

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
        """Stored vectors by vector key (any document): the cache."""
        wanted = list(set(hashes))
        found: dict[str, bytes] = {}
        with self._session() as session:
            for start in range(0, len(wanted), 500):
                rows = session.execute(
                    select(ChunkRow.content_hash, ChunkRow.vector).where(
                        ChunkRow.content_hash.in_(wanted[start : start + 500])
                    )
                )
                found.update((h, v) for h, v in rows)
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
        added: dict[int, np.ndarray] = {}
        removed: list[int] = []
        with self._session.begin() as session:
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
                new_rows, gone = self._sync_chunks(session, document, update)
                added.update(new_rows)
                removed += gone
            if removals:
                removed += self._drop_chunks(session, removals)
                session.execute(delete(DocumentRow).where(DocumentRow.id.in_(removals)))
            self._bump_version(session)
        return added, removed

    def _sync_chunks(
        self, session: Session, document: DocumentRow, update: DocumentUpdate
    ) -> tuple[dict[int, np.ndarray], list[int]]:
        """Make the document's chunk rows match ``update``: rows of unchanged chunks stay (with
        their ids and vectors, positions updated); new chunks are inserted; the rest deleted."""
        old = {
            row.chunk_id: row
            for row in session.scalars(select(ChunkRow).where(ChunkRow.document_id == document.id))
        }
        inserted: list[tuple[ChunkRow, np.ndarray]] = []
        current: list[ChunkRow] = []
        chunks = update.document.chunks
        chunk_ids = make_chunk_ids(document.doc_id, update.keys)
        for ordinal, (chunk_id, chunk, vector, key) in enumerate(
            zip(chunk_ids, chunks, update.vectors, update.keys, strict=True)
        ):
            row = old.pop(chunk_id, None)
            if row is None:
                row = ChunkRow(
                    chunk_id=chunk_id,
                    document_id=document.id,
                    content_hash=key,
                    text=chunk.text,
                    vector=np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
                )
                session.add(row)
                inserted.append((row, vector))
            row.ordinal = ordinal
            row.kind, row.symbol, row.heading = chunk.kind, chunk.symbol, chunk.heading
            row.start_line, row.end_line = chunk.start_line, chunk.end_line
            row.start_byte, row.end_byte = chunk.start_byte, chunk.end_byte
            row.token_count = chunk.token_count
            current.append(row)
        gone = [row.id for row in old.values()]
        if gone:
            session.execute(delete(ChunkRow).where(ChunkRow.id.in_(gone)))
        session.flush()
        # Kept chunks are re-indexed too: their symbol or heading may have changed.
        fulltext.remove(session, [row.id for row in current] + gone)
        fulltext.add(
            session,
            [fulltext.row(r.id, r.text, document.path, r.symbol, r.heading) for r in current],
        )
        return {row.id: vector for row, vector in inserted}, gone

    def _drop_chunks(self, session: Session, document_ids: Sequence[int]) -> list[int]:
        ids = list(
            session.scalars(select(ChunkRow.id).where(ChunkRow.document_id.in_(document_ids)))
        )
        session.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(document_ids)))
        fulltext.remove(session, ids)
        return ids

    def _bump_version(self, session: Session) -> None:
        entry = session.get(ManifestEntry, "data_version")
        version = json.loads(entry.value) + 1 if entry else 1
        session.merge(ManifestEntry(key="data_version", value=json.dumps(version)))

    def replace_skipped(
        self,
        root: str,
        skipped: Sequence[tuple[str, str, str]],
        within: Callable[[str], bool] | None = None,
    ) -> None:
        """Replace the skipped files recorded for ``root`` (only those at paths ``within``
        accepts, when given: an update of some paths) by ``skipped``."""
        with self._session.begin() as session:
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
            conditions.append(DocumentRow.path.op("GLOB")(path_glob))
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
    def chunk_ids_matching(self, filters: Filters) -> np.ndarray:
        query = select(ChunkRow.id).join(DocumentRow).where(*_conditions(filters))
        with self._session() as session:
            return np.fromiter(session.scalars(query), dtype=np.int64)

    def lexical(self, terms: list[str], filters: Filters, limit: int) -> list[tuple[int, float]]:
        """Best ``limit`` (chunk id, BM25 score) pairs for any of ``terms``, among the chunks
        matching ``filters``."""
        if not terms:
            return []
        score = fulltext.bm25_score().label("score")
        matched = select(fulltext.fts.c.rowid.label("chunk_id"), score).where(
            fulltext.MATCH_ALL.op("MATCH")(match_expression(terms))
        )
        if filters:
            # Score the matches first, then filter them: given the filter inside the full-text
            # query, SQLite probes the full-text index once per chunk the filter selects
            # (seconds to minutes for a broad filter such as one language).
            found = matched.cte("matched").prefix_with("MATERIALIZED")
            query = (
                select(found.c.chunk_id, found.c.score)
                .join(ChunkRow, ChunkRow.id == found.c.chunk_id)
                .join(DocumentRow)
                .where(*_conditions(filters))
                .order_by(found.c.score.desc())
                .limit(limit)
            )
        else:
            query = matched.order_by(score.desc()).limit(limit)
        with self._session() as session:
            return [(int(chunk_id), float(value)) for chunk_id, value in session.execute(query)]

    def hits(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Chunk rows with their document's fields, by row id."""
        columns = (
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
        query = select(*columns).join(DocumentRow).outerjoin(ChunkLabelRow)
        with self._session() as session:
            rows = session.execute(query.where(ChunkRow.id.in_(ids)))
            return {row.id: row._asdict() for row in rows}

    def iter_vectors(self, page: int = 4096) -> Iterator[tuple[np.ndarray, list[bytes]]]:
        """All (ids, vector blobs) in id order, a page at a time: rebuilding the vector index."""
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
            yield np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]
            last = rows[-1][0]

    def vectors_by_id(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Stored vectors of the chunk rows ``ids`` (rescoring candidates from compressed
        vectors); a row that no longer exists is absent. A plain connection, not a session:
        this runs in every search of a compressed index."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(ChunkRow.id, ChunkRow.vector).where(ChunkRow.id.in_(list(ids)))
            )
            return {chunk_id: vector for chunk_id, vector in rows}

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


def _conditions(filters: Filters) -> list:
    """The filters as SQLAlchemy expressions with bound values."""
    conditions = []
    if filters.path_glob:
        conditions.append(DocumentRow.path.op("GLOB")(filters.path_glob))
    if filters.symbol:
        conditions.append(ChunkRow.symbol.op("GLOB")(filters.symbol))
    if filters.language:
        conditions.append(DocumentRow.language.in_(filters.language))
    if filters.kind:
        conditions.append(ChunkRow.kind.in_(filters.kind))
    if filters.label:
        labelled = select(ChunkLabelRow.chunk_id).where(ChunkLabelRow.label.in_(filters.label))
        conditions.append(ChunkRow.id.in_(labelled))
    return conditions


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


def _configure_connection(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
