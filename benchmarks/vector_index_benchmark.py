#!/usr/bin/env python
"""Vector index at scale: build time, memory per vector, search latency and recall@10.

For each size (default 100k and 1M vectors of 768 dimensions) builds the index that
retriever/ann.py picks for that size, through the same ``ann.build`` the engine uses, and
measures one query at a time through ``VectorIndex.search`` (query encoding excluded):
p50/p95 latency and recall@10 against exact search, for several probe counts; also exact
search's latency at the same size, and a filtered search (1% of ids allowed).

The vectors are synthetic but shaped like sentence embeddings, not uniform noise (on which
every approximate index does worst): unit vectors that share a common direction (embeddings
are anisotropic) and fall into 2,000 topics of varying spread. Queries are fresh draws from the
same distribution, not copies of indexed vectors.

Results: ``benchmarks/results/vector-index.json``.

    python benchmarks/vector_index_benchmark.py [--sizes 100000,1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np
from index_benchmark import machine, versions

from retriever import ann
from retriever.vectors import VectorIndex

RESULTS = Path(__file__).resolve().parent / "results" / "vector-index.json"
DIMENSION = 768
TOPICS = 2000
PAGE = 50_000


class EmbeddingLike:
    """Unit vectors: shared direction + topic centre + noise whose scale varies by topic."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.common = rng.standard_normal(DIMENSION).astype(np.float32)
        self.centres = rng.standard_normal((TOPICS, DIMENSION)).astype(np.float32)
        self.spread = rng.uniform(0.6, 1.4, TOPICS).astype(np.float32)

    def draw(self, count: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        topics = rng.integers(0, TOPICS, count)
        noise = rng.standard_normal((count, DIMENSION), dtype=np.float32)
        vectors = 0.6 * self.common + self.centres[topics] + self.spread[topics, None] * noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors


def timed_searches(index: VectorIndex, queries: np.ndarray, allowed=None):
    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = index.search(query, 10, allowed)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append([i for i, _ in hits])
    return np.array(latencies), found


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    overlaps = [len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]
    return float(np.mean(overlaps))


def file_bytes(index: faiss.Index) -> int:
    with tempfile.NamedTemporaryFile(dir=Path(__file__).parent / ".work") as handle:
        faiss.write_index(index, handle.name)
        return os.path.getsize(handle.name)


def measure(size: int, queries_count: int, generator: EmbeddingLike) -> dict:
    started = time.perf_counter()
    vectors = np.concatenate(
        [generator.draw(min(PAGE, size - s), seed=1 + s) for s in range(0, size, PAGE)]
    )
    ids = np.arange(size, dtype=np.int64)
    queries = generator.draw(queries_count, seed=2**32 - 1)
    exact = VectorIndex(DIMENSION)  # the exact index, kept only as long as needed (memory)
    exact.add(ids, vectors)
    truth = exact.index.search(queries, 10)[1]
    latencies, _ = timed_searches(exact, queries[:20])
    exact_figures = {
        "exact_p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "exact_bytes_per_vector": round(file_bytes(exact.index) / size, 1),
    }
    del exact
    print(f"{size}: data and exact answers in {time.perf_counter() - started:.0f} s", flush=True)

    def pages():
        for s in range(0, size, PAGE):
            yield ids[s : s + PAGE], vectors[s : s + PAGE]

    started = time.perf_counter()
    index = VectorIndex(DIMENSION, ann.build(DIMENSION, pages))
    build_seconds = time.perf_counter() - started
    plan = ann.plan_of(index.index)
    result = {
        "vectors": size,
        "kind": plan.kind,
        "lists": plan.lists,
        "build_seconds": round(build_seconds, 1),
        "bytes_per_vector": round(file_bytes(index.index) / size, 1),
        "load_average": round(os.getloadavg()[0], 2),
        **exact_figures,
        "probes": [],
    }
    print(json.dumps(result), flush=True)
    default_probes = ann.PROBES
    for probes in (8, 16, 32, 64) if plan.lists else (0,):
        ann.PROBES = probes or default_probes
        latencies, found = timed_searches(index, queries)
        result["probes"].append(
            {
                "probes": probes,
                "p50_ms": round(float(np.percentile(latencies, 50)), 2),
                "p95_ms": round(float(np.percentile(latencies, 95)), 2),
                "recall@10": round(recall(found, truth), 4),
            }
        )
        print(json.dumps(result["probes"][-1]), flush=True)
    ann.PROBES = default_probes
    allowed = ids[::100]
    latencies, found = timed_searches(index, queries[:50], allowed)
    result["filtered_1_percent"] = {
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "hits_per_query_min": min(len(f) for f in found),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    (Path(__file__).parent / ".work").mkdir(exist_ok=True)
    generator = EmbeddingLike()
    sizes = []
    for size in map(int, args.sizes.split(",")):
        sizes.append(measure(size, args.queries, generator))
        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(),
            "faiss_threads": faiss.omp_get_max_threads(),
            "data": f"synthetic embedding-like unit vectors ({TOPICS} topics), {DIMENSION}-d",
            "default_probes": ann.PROBES,
            "sizes": sizes,
        }
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
