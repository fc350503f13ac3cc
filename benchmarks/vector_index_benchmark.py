#!/usr/bin/env python
"""Vector index at scale: build time, memory per vector, search latency and recall@10.

For each size (default 100k and 1M vectors of 768 dimensions) and each vector compression
(``--compressions``, default auto,none,int8,binary; one whose index kind an earlier one already
had at that size is skipped) builds the index that retriever/store/ann.py picks, through the same
``ann.build`` the engine uses, and measures one query at a time through ``VectorIndex.search``
(query encoding excluded): p50/p95 latency and recall@10 against exact search, for several
probe counts; also exact search's latency at the same size, and a filtered search (1% of ids
allowed). A compressed index is measured without rescoring and with several rescoring
factors, the float vectors read from a real index database (``SQLiteStore.vectors_by_id``,
as searches do) and, for comparison, from a memory-mapped float file.

The vectors are synthetic but shaped like sentence embeddings, not uniform noise (on which
every approximate index does worst): unit vectors that share a common direction (embeddings
are anisotropic) and fall into 2,000 topics of varying spread. Queries are fresh draws from the
same distribution, not copies of indexed vectors.

Results: ``benchmarks/results/vector-index.json``.

    python benchmarks/vector_index_benchmark.py [--sizes 100000,1000000] [--queries 200]
        [--compressions auto,none,int8,binary]
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
from sqlalchemy import insert

from retriever.store import SQLiteStore, ann
from retriever.store.models import ChunkRow, DocumentRow
from retriever.store.vectors import VectorIndex

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "vector-index.json"
WORK = HERE / ".work" / "vector-index"
DIMENSION = 768
TOPICS = 2000
PAGE = 50_000
RESCORE_FACTORS = (2, 4, 10, 20)


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


def timed_searches(index: VectorIndex, queries: np.ndarray, allowed=None, floats=None):
    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = index.search(query, 10, allowed, floats)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append([i for i, _ in hits])
    return np.array(latencies), found


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    overlaps = [len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]
    return float(np.mean(overlaps))


def figures(latencies: np.ndarray, found: list[list[int]], truth: np.ndarray) -> dict:
    return {
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "recall@10": round(recall(found, truth), 4),
    }


def file_bytes(index: faiss.Index | faiss.IndexBinary) -> int:
    with tempfile.NamedTemporaryFile(dir=WORK) as handle:
        handle.write(ann.serialize(index).tobytes())
        handle.flush()
        return os.path.getsize(handle.name)


def float_store(ids: np.ndarray, vectors: np.ndarray) -> SQLiteStore:
    """An index database holding ``vectors`` as chunk rows ``ids`` (kept between runs)."""
    path = WORK / f"floats-{len(ids)}.sqlite3"
    complete = WORK / f"floats-{len(ids)}.done"
    if not complete.exists():
        path.unlink(missing_ok=True)
    store = SQLiteStore(path)
    if complete.exists():
        return store
    document = {"id": 1, "doc_id": "d", "root": "/", "path": "p", "language": "text"}
    document |= {"encoding": "utf-8", "size": 0, "mtime_ns": 0, "content_hash": ""}
    with store.engine.begin() as connection:
        connection.execute(insert(DocumentRow), [{**document, "indexed_at": 0.0}])
    for s in range(0, len(ids), 10_000):
        rows = [
            {
                "id": int(i),
                "chunk_id": str(i),
                "document_id": 1,
                "ordinal": 0,
                "kind": "text",
                "start_line": 0,
                "end_line": 0,
                "start_byte": 0,
                "end_byte": 0,
                "token_count": 0,
                "content_hash": str(i),
                "text": "",
                "vector": vector.tobytes(),
            }
            for i, vector in zip(ids[s : s + 10_000], vectors[s : s + 10_000], strict=True)
        ]
        with store.engine.begin() as connection:
            connection.execute(insert(ChunkRow), rows)
    complete.touch()
    return store


def mapped_floats(ids: np.ndarray, vectors: np.ndarray):
    """The same floats from a memory-mapped file, row ``i - 1`` holding id ``i``."""
    path = WORK / f"floats-{len(ids)}.f32"
    if not path.exists() or path.stat().st_size != vectors.nbytes:  # kept: another run maps it
        vectors.tofile(path)
    mapped = np.memmap(path, dtype=np.float32, mode="r", shape=vectors.shape)

    def floats(wanted):
        return {i: mapped[i - 1].tobytes() for i in wanted}

    return floats


def measure(size: int, queries_count: int, generator: EmbeddingLike, compressions) -> list[dict]:
    started = time.perf_counter()
    vectors = np.concatenate(
        [generator.draw(min(PAGE, size - s), seed=1 + s) for s in range(0, size, PAGE)]
    )
    ids = np.arange(1, size + 1, dtype=np.int64)  # row ids start at 1
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
    store = float_store(ids, vectors)
    sources = {"sqlite": store.vectors_by_id, "mmap": mapped_floats(ids, vectors)}
    print(
        f"{size}: data, exact answers, stores in {time.perf_counter() - started:.0f} s", flush=True
    )

    def pages():
        for s in range(0, size, PAGE):
            yield ids[s : s + PAGE], vectors[s : s + PAGE]

    results, kinds = [], set()
    for compression in compressions:
        if ann.plan_for(size, compression).kind in kinds:
            continue
        started = time.perf_counter()
        index = VectorIndex(DIMENSION, ann.build(DIMENSION, pages, compression))
        build_seconds = time.perf_counter() - started
        plan = ann.plan_of(index.index)
        kinds.add(plan.kind)
        result = {
            "vectors": size,
            "compression": compression,
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
            result["probes"].append(
                {"probes": probes, **figures(*timed_searches(index, queries), truth)}
            )
            print(json.dumps(result["probes"][-1]), flush=True)
        ann.PROBES = default_probes
        if index.lossy:
            result["rescoring"] = rescoring(index, queries, truth, sources)
        allowed = ids[::100]
        latencies, found = timed_searches(index, queries[:50], allowed, store.vectors_by_id)
        result["filtered_1_percent"] = {
            "p50_ms": round(float(np.percentile(latencies, 50)), 2),
            "hits_per_query_min": min(len(f) for f in found),
        }
        result["load_average_after"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result), flush=True)
        results.append(result)
        del index
    store.close()
    return results


def rescoring(index: VectorIndex, queries: np.ndarray, truth: np.ndarray, sources) -> list[dict]:
    """Recall and latency with each rescoring factor, from SQLite; the default factor from the
    memory-mapped file too (interleaved by query, so load affects both sources alike)."""
    kind = ann.plan_of(index.index).kind
    default_factor = ann.RESCORE_FACTORS[kind]
    rows = []
    for factor in RESCORE_FACTORS:
        ann.RESCORE_FACTORS[kind] = factor
        row = {
            "factor": factor,
            **figures(*timed_searches(index, queries, None, sources["sqlite"]), truth),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    ann.RESCORE_FACTORS[kind] = default_factor
    timings = {name: [] for name in sources}
    for query in queries:
        for name, floats in sources.items():
            started = time.perf_counter()
            index.search(query, 10, None, floats)
            timings[name].append((time.perf_counter() - started) * 1000)
    rows.append(
        {
            "factor": default_factor,
            "source_p50_ms": {n: round(float(np.percentile(t, 50)), 2) for n, t in timings.items()},
        }
    )
    print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--compressions", default=",".join(ann.COMPRESSIONS))
    parser.add_argument(
        "--threads", type=int, help="FAISS threads (default FAISS's; 1 is steadier under load)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.threads:
        faiss.omp_set_num_threads(args.threads)
    WORK.mkdir(parents=True, exist_ok=True)
    generator = EmbeddingLike()
    sizes = []
    for size in map(int, args.sizes.split(",")):
        sizes += measure(size, args.queries, generator, args.compressions.split(","))
        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(),
            "faiss_threads": faiss.omp_get_max_threads(),
            "data": f"synthetic embedding-like unit vectors ({TOPICS} topics), {DIMENSION}-d",
            "default_probes": ann.PROBES,
            "default_rescore_factors": ann.RESCORE_FACTORS,
            "sizes": sizes,
        }
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
