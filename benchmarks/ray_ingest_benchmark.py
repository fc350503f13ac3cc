#!/usr/bin/env python
"""Distributed ingest benchmark: `retriever index` locally vs on a local Ray cluster.

Indexes the Python sources of installed packages (click, httpx, rich: about 2 MB; the package
directories themselves, so discovery skips their bytecode as a real run would), each run into
its own empty index, in the order local, Ray, Ray, local (the machine is shared: alternating
evens out drifting load):

  - locally (the plain `retriever index` path);
  - on a local Ray cluster of ``--cpus`` CPUs (`--ray`), started first and timed apart, so the
    ingest time excludes the cluster's start but includes its workers' (chunking tasks and
    encoder actors start for each root: they import the project and load the model).

Then, on the cluster: the same run again with nothing changed (the unchanged-file check runs on
the driver: nothing should reach the cluster), and one small file indexed both ways, which
shows Ray's fixed cost per run. Finally it checks that a local and a Ray index hold the same
documents, chunks and row ids, and how far their vectors are apart. One machine cannot show a
speed-up (the cluster's CPUs are the local run's CPUs): what this measures is Ray's overhead,
and that the results agree.

Results: ``benchmarks/results/ray-ingest.json`` and a Markdown table on stdout.

    HF_HUB_OFFLINE=1 python benchmarks/ray_ingest_benchmark.py [--model minilm] [--cpus 2]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from index_benchmark import WORK, machine, versions  # noqa: E402

from retriever import Retriever  # noqa: E402

RESULTS = HERE / "results" / "ray-ingest.json"
PACKAGES = ("click", "httpx", "rich")


def corpus() -> list[Path]:
    roots = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            sys.exit(f"package {name} is not installed")
        roots.append(Path(spec.origin).parent)
    return roots


def indexed(index_dir: Path, roots: list[Path], model: str, **options: Any) -> dict[str, Any]:
    """Index ``roots`` into ``index_dir``: the report, and the wall time including the model."""
    started = time.perf_counter()
    with Retriever.open(index_dir, model=model) as retriever:
        report = retriever.index(roots, **options).to_dict()
    report["wall_seconds"] = round(time.perf_counter() - started, 2)
    report["chunks_per_second"] = round(report["chunks_added"] / report["seconds"], 1)
    return report


def stored(index_dir: Path) -> tuple[list[tuple[str, list[str]]], np.ndarray, np.ndarray]:
    """Documents with their chunk ids, row ids, vectors."""
    with Retriever.open(index_dir, create=False) as retriever:
        documents = [
            (doc.doc_id, [c["chunk_id"] for c in retriever.document(doc.doc_id)["chunks"]])
            for doc in retriever.documents(limit=100_000).documents
        ]
        pages = list(retriever.store.iter_vectors())
    ids = np.concatenate([ids for ids, _ in pages])
    vectors = np.stack([np.frombuffer(b, dtype=np.float32) for _, blobs in pages for b in blobs])
    return documents, ids, vectors


def agreement(local: Path, distributed: Path) -> dict[str, Any]:
    local_docs, local_ids, local_vectors = stored(local)
    docs, ids, vectors = stored(distributed)
    same_rows = bool(np.array_equal(ids, local_ids))
    cosines = np.sum(vectors * local_vectors, axis=1) if same_rows else np.array([np.nan])
    return {
        "same_documents_and_chunk_ids": docs == local_docs,
        "same_row_ids": same_rows,
        "max_abs_vector_difference": float(np.abs(vectors - local_vectors).max())
        if same_rows
        else None,
        "min_cosine": round(float(cosines.min()), 6),
    }


def table(results: dict[str, Any]) -> str:
    local, ray, again = results["local"], results["ray"], results["ray_unchanged"]
    small = results["small_file"]
    rows = [
        "| run | files | chunks | ingest s | chunks/s | wall s (with model load) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| local (median of 2) | {local['files_indexed']} | {local['chunks_added']} "
        f"| {local['seconds']} | {local['chunks_per_second']} | {local['wall_seconds']} |",
        f"| `--ray`, {results['cpus']} CPUs (median of 2) | {ray['files_indexed']} "
        f"| {ray['chunks_added']} | {ray['seconds']} | {ray['chunks_per_second']} "
        f"| {ray['wall_seconds']} (+ {results['cluster_start_seconds']} s cluster start) |",
        f"| `--ray`, nothing changed | {again['files_indexed']} | {again['chunks_added']} "
        f"| {again['seconds']} | - | {again['wall_seconds']} |",
    ]
    for mode in ("local", "ray"):
        report = small[mode]
        rows.append(
            f"| one small file, {mode} | {report['files_indexed']} | {report['chunks_added']} "
            f"| {report['seconds']} | - | {report['wall_seconds']} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()

    import ray

    roots = corpus()
    work = WORK / "ray-ingest"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions() | {"ray": importlib.metadata.version("ray")},
        "model": args.model,
        "cpus": args.cpus,
        "corpus": {
            "packages": list(PACKAGES),
            "python_bytes": sum(p.stat().st_size for r in roots for p in r.rglob("*.py")),
        },
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    runs: dict[str, list[dict[str, Any]]] = {"local": [], "ray": []}

    def run(mode: str) -> None:
        target = work / f"{mode}-{len(runs[mode])}"
        options = {"ray": "auto"} if mode == "ray" else {}  # "auto": the session opened below
        runs[mode].append(indexed(target, roots, args.model, **options))
        print(mode, runs[mode][-1], file=sys.stderr)

    small = [roots[0] / "__init__.py"]
    run("local")
    started = time.perf_counter()
    ray.init(
        address="local", num_cpus=args.cpus, include_dashboard=False, logging_level=logging.WARNING
    )
    results["cluster_start_seconds"] = round(time.perf_counter() - started, 2)
    try:
        run("ray")
        run("ray")
        results["ray_unchanged"] = indexed(work / "ray-0", roots, args.model, ray="auto")
        results["small_file"] = {
            "ray": indexed(work / "small-ray", small, args.model, ray="auto"),
            "local": indexed(work / "small-local", small, args.model),
        }
    finally:
        ray.shutdown()
    run("local")
    results["runs"] = runs
    for mode, reports in runs.items():
        results[mode] = {
            name: round(float(np.median([report[name] for report in reports])), 2)
            for name in ("seconds", "chunks_per_second", "wall_seconds")
        } | {name: reports[0][name] for name in ("files_indexed", "chunks_added")}
    results["overhead_seconds"] = round(results["ray"]["seconds"] - results["local"]["seconds"], 2)
    results["agreement"] = agreement(work / "local-0", work / "ray-0")
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(json.dumps(results["agreement"], indent=2))


if __name__ == "__main__":
    main()
