"""Chunk labels given at ingest (`retriever index --classify-labels`): one per chunk, searchable
as a filter. A table of its own, so an index made before labels gains it on open."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from retriever.store.models import ChunkLabelRow, ChunkRow


class ChunkLabels:
    """Written only by the holder of the write lock, like every chunk row."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._session = sessions

    def unlabelled(self, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` (chunk row id, text) of chunks without a label, in id order."""
        query = (
            select(ChunkRow.id, ChunkRow.text)
            .where(ChunkRow.id.not_in(select(ChunkLabelRow.chunk_id)))
            .order_by(ChunkRow.id)
            .limit(limit)
        )
        with self._session() as session:
            return [(row_id, text) for row_id, text in session.execute(query)]

    def add(self, labels: Sequence[tuple[int, str, float]]) -> None:
        """Record (chunk row id, label, probability) rows."""
        with self._session.begin() as session:
            session.add_all(
                ChunkLabelRow(chunk_id=chunk_id, label=label, probability=probability)
                for chunk_id, label, probability in labels
            )

    def clear(self) -> None:
        with self._session.begin() as session:
            session.execute(delete(ChunkLabelRow))
