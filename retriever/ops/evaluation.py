"""`retriever eval`: ranking quality of an index on a labelled query set.

A dataset is a folder with ``corpus/`` (the files) and ``queries.jsonl``: one
``{"id", "query", "relevant": [{"path", "start_line"?, "end_line"?}]}`` per line. A hit counts
for a target when its path matches and, where the target gives lines, the line ranges overlap;
each target counts once (relevance is binary).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retriever.errors import RetrieverError
from retriever.types import Hit

CUTOFFS = (1, 5, 10, 100)
DEPTH = max(CUTOFFS)


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    start_line: int | None = None
    end_line: int | None = None

    def overlaps(self, start_line: int, end_line: int) -> bool:
        """Whether these lines overlap the target's (any lines do, for a whole-file target)."""
        if self.start_line is None or self.end_line is None:
            return True
        return start_line <= self.end_line and self.start_line <= end_line

    def matches(self, hit: Hit) -> bool:
        return hit.path == self.path and self.overlaps(hit.start_line, hit.end_line)


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    id: str
    query: str
    targets: tuple[Target, ...]


@dataclass(slots=True)
class EvalResult:
    mode: str
    queries: int
    metrics: dict[str, float]
    latency_ms: dict[str, float]
    vector_recall_at_10: float | None = None
    per_query: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def eval_index_location(dataset: Path, model: str) -> Path:
    """Where ``retriever eval`` keeps the index of ``dataset`` built with ``model`` when it is
    not told: the user's cache (``$XDG_CACHE_HOME``, else ``~/.cache``), one folder per
    dataset and model, so the dataset stays as it was and a second run is incremental."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.blake2b(f"{dataset.resolve()}\0{model}".encode(), digest_size=6).hexdigest()
    return cache / "retriever" / "eval" / f"{dataset.resolve().name or 'dataset'}-{key}"


def load_queries(dataset: Path) -> list[LabelledQuery]:
    path = dataset / "queries.jsonl"
    if not (dataset / "corpus").is_dir() or not path.is_file():
        raise RetrieverError(f"{dataset} is not a dataset: it needs corpus/ and queries.jsonl")
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            targets = tuple(
                Target(t["path"], t.get("start_line"), t.get("end_line")) for t in item["relevant"]
            )
            queries.append(LabelledQuery(str(item["id"]), item["query"], targets))
        except (ValueError, KeyError, TypeError) as error:
            raise RetrieverError(f"{path}:{number}: not a query line ({error})") from None
    if not queries:
        raise RetrieverError(f"{path} holds no queries")
    return queries


def judge(hits: Sequence[Hit], targets: Sequence[Target]) -> list[int]:
    """Binary gains by rank: 1 where a hit finds a target not already found above it."""
    found: set[int] = set()
    gains = []
    for hit in hits:
        new = next(
            (i for i, target in enumerate(targets) if i not in found and target.matches(hit)),
            None,
        )
        if new is not None:
            found.add(new)
        gains.append(int(new is not None))
    return gains


def ndcg(gains: Sequence[int], relevant: int, cutoff: int) -> float:
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains[:cutoff]))
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(relevant, cutoff)))
    return dcg / ideal if ideal else 0.0


def recall(gains: Sequence[int], relevant: int, cutoff: int) -> float:
    return sum(gains[:cutoff]) / relevant if relevant else 0.0


def reciprocal_rank(gains: Sequence[int], cutoff: int) -> float:
    return next((1 / (rank + 1) for rank, gain in enumerate(gains[:cutoff]) if gain), 0.0)


def score_query(gains: Sequence[int], relevant: int) -> dict[str, float]:
    metrics = {"ndcg@10": ndcg(gains, relevant, 10), "mrr@10": reciprocal_rank(gains, 10)}
    metrics.update({f"recall@{c}": recall(gains, relevant, c) for c in CUTOFFS})
    return metrics


def evaluate(
    retriever: Any, queries: Sequence[LabelledQuery], mode: str, rerank: bool = False
) -> EvalResult:
    """Run every query through ``retriever.search`` in ``mode`` (reranked, with ``rerank``)
    and average the metrics."""
    per_query = []
    latencies = []
    for item in queries:
        started = time.perf_counter()
        hits = retriever.search(item.query, k=DEPTH, mode=mode, rerank=rerank)
        latencies.append((time.perf_counter() - started) * 1000)
        gains = judge(hits, item.targets)
        per_query.append({"id": item.id, **score_query(gains, len(item.targets))})
    names = [name for name in per_query[0] if name != "id"]
    return EvalResult(
        mode=f"{mode}+rerank" if rerank else mode,
        queries=len(queries),
        metrics={name: round(statistics.fmean(q[name] for q in per_query), 4) for name in names},
        latency_ms={
            "p50": round(statistics.median(latencies), 1),
            "p95": round(float(np.percentile(latencies, 95)), 1),
        },
        per_query=per_query,
    )


def vector_recall_at_10(
    retriever: Any, queries: Sequence[LabelledQuery], sample: int = 50
) -> float:
    """Mean overlap of the vector index's top 10 with exact search over the vectors in SQLite
    (1.0 for the exact index; the measure that matters once an index approximates)."""
    encoder = retriever.encoder
    dimension = encoder.fingerprint.dimension
    pages = list(retriever.store.iter_vectors())
    if not pages:
        return 1.0
    ids = np.concatenate([page_ids for page_ids, _ in pages])
    matrix = np.frombuffer(
        b"".join(blob for _, blobs in pages for blob in blobs), dtype=np.float32
    ).reshape(len(ids), dimension)
    overlaps = []
    for item in queries[:sample]:
        query = encoder.encode_query(item.query)
        with retriever.vectors.snapshot(dimension) as view:
            served = {chunk_id for chunk_id, _ in view.dense(query, 10, None)}
        exact = set(ids[np.argsort(-(matrix @ query))[:10]].tolist())
        overlaps.append(len(served & exact) / len(exact))
    return round(statistics.fmean(overlaps), 4)
