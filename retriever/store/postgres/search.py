"""Searching an index on PostgreSQL: every search runs in one read-only REPEATABLE READ
transaction, so its dense and lexical rankings and its hit rows all see one snapshot (the
counterpart of the embedded index's one FAISS generation per search).

Dense search orders by pgvector's negative inner product (``<#>``) over the HNSW index, with
iterative scans on, so a filtered search keeps scanning the graph until it has ``k`` matches;
where it still comes back short (the scan stops after ``hnsw.max_scan_tuples``), the search is
repeated exactly over the chunks the filter selects.

A filtered search first asks the planner how many chunks the filter selects: few enough, and
it scans them exactly (as fast as the graph there, and exact, where the graph walk at 1 chunk
in 20 found 78% of the true best 10); more, and it walks the graph, with ``ef_search`` raised
for filters that select under a fifth of the chunks (measured in docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from pgvector.sqlalchemy import VECTOR
from sqlalchemy import Connection, Select, cast, func, literal, select
from sqlalchemy.dialects.postgresql import REAL

from retriever.store.models import ChunkRow, DocumentRow, ManifestEntry
from retriever.store.postgres.store import PostgresStore
from retriever.store.protocols import Ranking, VectorState
from retriever.store.reading import hit_rows, ranking
from retriever.types import Filters

#: Candidates the HNSW search keeps per query (pgvector's range is 1-1000); at least the number
#: of results asked for, so deep hybrid candidate lists stay accurate.
MIN_EF_SEARCH, MAX_EF_SEARCH = 100, 1000
#: Filters the planner expects to select at most this many chunks are scanned exactly: at
#: 100k chunks, an exact scan of 10k takes about as long as a graph walk.
EXACT_SCAN_MAX_CHUNKS = 10_000
#: The smallest share of the chunks a filter selected where the graph walk at the unfiltered
#: ef_search still found the exact best 10 (100k chunks); for smaller shares it grows in
#: proportion.
FULL_RECALL_SHARE = 0.2


class InlineVectors:
    """A writer's vectors on PostgreSQL: they live in the chunk rows, which the store writes
    in the same transaction, so there is nothing more to add, remove or publish."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Nothing to do: the rows hold the vectors."""

    def remove(self, ids: np.ndarray) -> None:
        """Nothing to do: removing the rows removed the vectors."""


class PostgresVectors:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    @property
    def generation(self) -> int | None:
        return self.store.data_version() or None

    @contextmanager
    def snapshot(self, dimension: int) -> Iterator[PostgresView]:
        connection = self.store.engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        try:
            with connection.begin():
                yield PostgresView(connection, self.store, dimension)
        finally:
            connection.close()

    def for_writing(self, dimension: int) -> InlineVectors:
        return InlineVectors(dimension)

    def publish(self, vectors: Any) -> None:
        """Nothing to do: a writer's transaction commits its rows and vectors together."""

    def state(self) -> VectorState:
        count = select(func.count()).select_from(ChunkRow)
        with self.store.engine.connect() as connection:
            return VectorState(self.generation, int(connection.scalar(count)))


class PostgresView:
    def __init__(self, connection: Connection, store: PostgresStore, dimension: int) -> None:
        self.connection = connection
        self.store = store
        self.dimension = dimension
        version = connection.scalar(
            select(ManifestEntry.value).where(ManifestEntry.key == "data_version")
        )
        self.generation = int(version) if version is not None else None

    def dense(self, query: np.ndarray, k: int, filters: Filters | None) -> Ranking:
        return self.nearest(query, k, filters, self.ef_search(k, filters))

    def ef_search(self, k: int, filters: Filters | None) -> int | None:
        """The HNSW candidate list for this search, or None to scan the filtered chunks
        exactly."""
        unfiltered = min(max(k, MIN_EF_SEARCH), MAX_EF_SEARCH)
        if not filters:
            return unfiltered
        selected = self._estimated_rows(self._filtered(select(ChunkRow.id), filters))
        if selected <= EXACT_SCAN_MAX_CHUNKS:
            return None
        share = selected / max(self._estimated_rows(select(ChunkRow.id)), selected)
        widened = unfiltered * max(1.0, FULL_RECALL_SHARE / share)
        return min(math.ceil(widened), MAX_EF_SEARCH)

    def nearest(
        self, query: np.ndarray, k: int, filters: Filters | None, ef_search: int | None
    ) -> Ranking:
        """The ``k`` chunks nearest ``query`` that pass ``filters``: over the HNSW index with
        ``ef_search`` candidates, or, with None, by an exact scan of the filtered chunks."""
        typed = VECTOR(self.dimension)
        vector = cast(literal(np.asarray(query, dtype=np.float32), typed), typed)
        distance = ChunkRow.vector.op("<#>", return_type=REAL)(vector)
        score = (-distance).label("score")
        found = self._filtered(select(ChunkRow.id, score), filters)
        # Ordered by the score, not the distance, the HNSW index cannot serve the query.
        exact = found.order_by(score.desc()).limit(k)
        if ef_search is None:
            return ranking(self.connection, exact)
        self.connection.execute(
            select(
                func.set_config("hnsw.iterative_scan", "relaxed_order", True),
                func.set_config("hnsw.ef_search", str(ef_search), True),
            )
        )
        ranked = ranking(self.connection, found.order_by(distance).limit(k))
        if filters and len(ranked) < k:
            ranked = ranking(self.connection, exact)
        # Iterative scans in relaxed order may return near neighbours slightly out of order.
        return sorted(ranked, key=lambda pair: pair[1], reverse=True)

    def _filtered(self, statement: Select, filters: Filters | None) -> Select:
        if not filters:
            return statement
        return statement.join(DocumentRow).where(*self.store.conditions(filters))

    def _estimated_rows(self, statement: Select) -> float:
        """The planner's estimate of the rows ``statement`` returns: no rows are read."""
        compiled = statement.compile(
            dialect=self.connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        plan = self.connection.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params
        ).scalar()
        return plan[0]["Plan"]["Plan Rows"]

    def lexical(self, terms: list[str], filters: Filters | None, k: int) -> Ranking:
        if not terms:
            return []
        return ranking(self.connection, self.store.lexical_query(terms, filters, k))

    def hits(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return hit_rows(self.connection, ids)
