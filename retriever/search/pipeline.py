"""The search pipeline: a query -> candidates (dense, lexical) -> ranked, verified, reranked hits.

:class:`SearchPipeline` runs a search over one consistent state of the index; the model-free
ranking of candidate lists happens in :func:`rank`, the one place a ranking stage goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from retriever.errors import InvalidQueryError
from retriever.search.freshness import stale_files
from retriever.search.fusion import reciprocal_rank_fusion
from retriever.store.lexical import query_terms
from retriever.store.protocols import Ranking, SearchView, VectorStore
from retriever.types import (
    MAX_HITS,
    MAX_QUERY_CHARS,
    SEARCH_MODES,
    VIRTUAL_ROOT,
    Filters,
    SearchMode,
    Verify,
    is_encodable,
)

#: The most candidates one ranking (dense, lexical) gives a search, whatever ``k``.
MAX_CANDIDATES = 1000

if TYPE_CHECKING:
    from retriever.encoding.encoder import Encoder
    from retriever.encoding.reranking import Reranker


@dataclass(slots=True)
class Ranked:
    """Rows of the best chunks (hit fields plus ``ordinal`` and ``root``), best first; the
    milliseconds each stage took; the generation searched."""

    rows: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    generation: int | None = None


def check_query(query: str, k: int, mode: str, verify: Verify) -> None:
    """Refuse a search no index could answer, whatever is in it."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidQueryError("the query is empty")
    if not is_encodable(query):
        raise InvalidQueryError("the query is not valid Unicode text (lone surrogate)")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not 1 <= k <= MAX_HITS:
        raise InvalidQueryError(f"k must be between 1 and {MAX_HITS}")
    if mode not in SEARCH_MODES:
        raise InvalidQueryError(f"unknown mode {mode!r}; modes: {', '.join(SEARCH_MODES)}")
    if verify not in (False, True, "drop", "flag"):
        raise InvalidQueryError(f"unknown verify {verify!r}; use true, 'drop' or 'flag'")


def rank(query: str, rankings: Sequence[Ranking], wanted: int) -> Ranking:
    """Candidate lists (best first, each from one retriever: dense, lexical) -> one ranking of
    at most ``wanted`` chunks, best first. Model-free ranking stages go here, after fusion."""
    if len(rankings) == 1:
        return rankings[0]
    return reciprocal_rank_fusion(rankings, wanted)


class SearchPipeline:
    """Searches over ``vectors``; the encoder, the reranker and the vector dimension are asked
    for only when a search needs them (loading a model is slow). ``empty`` says whether the
    index has nothing in it yet (no model recorded): every search finds nothing."""

    def __init__(
        self,
        vectors: VectorStore,
        encoder: Callable[[], Encoder],
        reranker: Callable[[], Reranker],
        dimension: Callable[[], int],
        empty: Callable[[], bool],
        rerank_depth: int,
    ) -> None:
        self.empty = empty
        self.vectors = vectors
        self.encoder = encoder
        self.reranker = reranker
        self.dimension = dimension
        self.rerank_depth = rerank_depth

    def run(
        self,
        query: str,
        k: int,
        filters: Filters | Mapping[str, Any] | None,
        mode: SearchMode = "hybrid",
        verify: Verify = False,
        rerank: bool = False,
    ) -> Ranked:
        """The best ``k`` chunks for ``query`` among those matching ``filters``."""
        check_query(query, k, mode, verify)
        parsed = Filters.parse(filters)
        if self.empty():
            return Ranked([], {}, self.vectors.generation)
        started = encoded = time.perf_counter()
        drop = verify is True or verify == "drop"
        # Dropping stale hits needs spare candidates to take their place; the cross-encoder
        # picks the best k of more candidates.
        wanted = min(2 * k, MAX_CANDIDATES) if drop else k
        if rerank:
            wanted = min(max(wanted, self.rerank_depth), MAX_CANDIDATES)
        # Fusion needs more than k candidates from each side to find what both rank well.
        depth = wanted if mode != "hybrid" else min(max(5 * k, 50, wanted), MAX_CANDIDATES)
        if mode != "lexical":
            embedded = self.encoder().encode_query(query)
            encoded = time.perf_counter()
        # One state of the index answers the whole search (a FAISS generation, or one
        # PostgreSQL snapshot), so a search never mixes two states of the index.
        with self.vectors.snapshot(self.dimension()) as view:
            rankings = []
            if mode != "lexical":
                rankings.append(view.dense(embedded, depth, parsed))
            if mode != "dense":
                rankings.append(view.lexical(query_terms(query), parsed, depth))
            found = _rows(view, rank(query, rankings, wanted))
            generation = view.generation
        searched = time.perf_counter()
        if verify:
            _check_freshness(found)
            if drop:
                found = [row for row in found if not row["stale"]]
        verified = time.perf_counter()
        if rerank:
            found = self.reranker().rerank(query, found)
        timings = {
            "encode_ms": round((encoded - started) * 1000, 2),
            "search_ms": round((searched - encoded) * 1000, 2),
        }
        if verify:
            timings["verify_ms"] = round((verified - searched) * 1000, 2)
        if rerank:
            timings["rerank_ms"] = round((time.perf_counter() - verified) * 1000, 2)
        return Ranked(found[:k], timings, generation)


def _rows(view: SearchView, ranked: Ranking) -> list[dict[str, Any]]:
    """The hit rows of ``ranked``, scored; a chunk deleted since this generation was published
    has no row and is skipped."""
    rows = view.hits([chunk_id for chunk_id, _ in ranked])
    return [
        {**{key: v for key, v in rows[i].items() if key != "id"}, "score": score}
        for i, score in ranked
        if i in rows
    ]


def _check_freshness(found: list[dict[str, Any]]) -> None:
    """Mark each row ``stale`` whose file changed since it was indexed."""
    stale = stale_files(
        (row["root"], row["path"], row["file_hash"])
        for row in found
        if row["root"] != VIRTUAL_ROOT  # uploaded text has no file to change
    )
    for row in found:
        row["stale"] = (row["root"], row["path"]) in stale
