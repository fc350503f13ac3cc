"""The reads both dialects share: documents, search filters and rankings, hits, vectors for
rescoring, counts. Mixed into :class:`retriever.store.metadata.SQLStore`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, Engine, Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from retriever.store.models import ChunkLabelRow, ChunkRow, DocumentRow, SkippedRow
from retriever.store.protocols import Ranking
from retriever.types import Filters

#: The database's own executor: a session, or a connection inside a transaction.
Executor = Session | Connection


class Reads:
    """Read queries over the shared models. The store gives ``engine``, ``_session`` and what
    differs per dialect: ``glob``, ``lexical_query`` and ``_vector_bytes``."""

    engine: Engine
    _session: sessionmaker[Session]

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


_HIT_COLUMNS = (
    ChunkRow.id,
    DocumentRow.path,
    ChunkRow.start_line,
    ChunkRow.end_line,
    ChunkRow.unit,
    ChunkRow.start_unit,
    ChunkRow.end_unit,
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
    ChunkRow.unit,
    ChunkRow.start_unit,
    ChunkRow.end_unit,
    ChunkRow.start_byte,
    ChunkRow.end_byte,
    ChunkRow.token_count,
    ChunkRow.text,
)
