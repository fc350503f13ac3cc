"""The search pipeline: a query -> candidates (dense, lexical) -> ranked, verified, reranked hits.

:class:`SearchPipeline` runs a search over one consistent state of the index; the model-free
ranking of candidate lists happens in :func:`fuse`, the one place a ranking stage goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from retriever.errors import InvalidQueryError
from retriever.search import ranking
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
#: The ranking stage's configuration for each value of the ``ranking`` setting.
RANKING_CONFIGS: dict[str, ranking.RankingConfig | None] = {
    "code": ranking.RankingConfig(),
    "files": ranking.FILE_LEVEL,
    "off": None,
}

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


def fuse(rankings: Sequence[Ranking], limit: int) -> Ranking:
    """Candidate lists (best first, each from one retriever: dense, lexical) -> one ranking of
    at most ``limit`` chunks: a single list as it is, several by reciprocal rank fusion."""
    if len(rankings) == 1:
        return rankings[0][:limit]
    return reciprocal_rank_fusion(rankings, limit)


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
        ranking: str = "code",
    ) -> None:
        self.empty = empty
        self.vectors = vectors
        self.encoder = encoder
        self.reranker = reranker
        self.dimension = dimension
        self.rerank_depth = rerank_depth
        self.ranking = RANKING_CONFIGS[ranking]

    def run(
        self,
        query: str,
        k: int,
        filters: Filters | Mapping[str, Any] | None,
        mode: SearchMode = "hybrid",
        verify: Verify = False,
        rerank: bool = False,
    ) -> Ranked:
        """The best ``k`` chunks for ``query`` among those matching ``filters``. Stale hits
        that ``verify`` drops leave their places to the next best fresh chunks: the candidate
        lists widen until ``k`` fresh chunks are found or none are left."""
        check_query(query, k, mode, verify)
        parsed = Filters.parse(filters)
        if self.empty():
            return Ranked([], {}, self.vectors.generation)
        started = encoded = time.perf_counter()
        drop = verify is True or verify == "drop"
        # The cross-encoder picks the best k of more candidates.
        wanted = min(max(k, self.rerank_depth), MAX_CANDIDATES) if rerank else k
        # The ranking stage orders hybrid searches; a single retriever's mode (dense, lexical)
        # keeps its own order and scores (cosine, BM25).
        stage = self.ranking if mode == "hybrid" else None
        # Fusion needs more than k candidates from each side to find what both rank well, and
        # the ranking stage as many as it was measured with.
        if stage is not None:
            depth = min(max(5 * k, stage.depth, wanted), MAX_CANDIDATES)
        else:
            depth = wanted if mode != "hybrid" else min(max(5 * k, 50, wanted), MAX_CANDIDATES)
        embedded = None
        if mode != "lexical":
            embedded = self.encoder().encode_query(query)
            encoded = time.perf_counter()
        freshness = Freshness()
        # One state of the index answers the whole search (a FAISS generation, or one
        # PostgreSQL snapshot), so a search never mixes two states of the index.
        with self.vectors.snapshot(self.dimension()) as view:
            generation = view.generation
            while True:
                dense = view.dense(embedded, depth, parsed) if embedded is not None else []
                lexical = view.lexical(query_terms(query), parsed, depth) if mode != "dense" else []
                active = [(dense, mode != "lexical"), (lexical, mode != "dense")]
                rankings = [retrieved for retrieved, used in active if used]
                limit = depth if drop else wanted
                if stage is None:
                    found = _rows(view, fuse(rankings, limit))
                else:
                    found = _ranked_rows(view, query, lexical, dense, limit, stage)
                if drop:  # files are re-hashed in rank order, only until enough are fresh
                    found = list(islice(filter(freshness.fresh, found), wanted))
                exhausted = all(len(retrieved) < depth for retrieved in rankings)
                if not drop or len(found) >= wanted or exhausted or depth >= MAX_CANDIDATES:
                    break
                depth = min(2 * depth, MAX_CANDIDATES)
        searched = time.perf_counter()
        found = found[:wanted]
        if verify:
            for row in found:
                row["stale"] = not freshness.fresh(row)
        verified = time.perf_counter()
        if rerank:
            found = self.reranker().rerank(query, found)
        timings = {
            "encode_ms": round((encoded - started) * 1000, 2),
            "search_ms": round((searched - encoded - freshness.seconds) * 1000, 2),
        }
        if verify:
            timings["verify_ms"] = round((verified - searched + freshness.seconds) * 1000, 2)
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


def _ranked_rows(
    view: SearchView,
    query: str,
    lexical: Ranking,
    dense: Ranking,
    limit: int,
    config: ranking.RankingConfig,
) -> list[dict[str, Any]]:
    """The hit rows of the candidates, in the ranking stage's order and with its scores."""
    rows = view.hits(list(dict.fromkeys(chunk_id for chunk_id, _ in [*lexical, *dense])))
    by_chunk = {row["chunk_id"]: row for row in rows.values()}

    def candidates(ranked: Ranking) -> list[ranking.Candidate]:
        return [_candidate(rows[i], score) for i, score in ranked if i in rows]

    ordered = ranking.rank(query, candidates(lexical), candidates(dense), limit, config)
    return [
        {**{key: v for key, v in by_chunk[c.chunk_id].items() if key != "id"}, "score": c.score}
        for c in ordered
    ]


def _candidate(row: dict[str, Any], score: float) -> ranking.Candidate:
    fields = ranking.Candidate.__dataclass_fields__
    return ranking.Candidate(**{name: row[name] for name in fields if name != "score"}, score=score)


class Freshness:
    """Whether the file a row cites is still the file indexed: each file re-hashed once per
    search, only when a row of it is asked about. ``seconds``: the time spent re-hashing."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], bool] = {}
        self.seconds = 0.0

    def fresh(self, row: dict[str, Any]) -> bool:
        if row["root"] == VIRTUAL_ROOT:  # uploaded text has no file to change
            return True
        key = (row["root"], row["path"])
        if key not in self.known:
            started = time.perf_counter()
            self.known[key] = not stale_files([(row["root"], row["path"], row["file_hash"])])
            self.seconds += time.perf_counter() - started
        return self.known[key]
