#!/usr/bin/env python
"""Ranking quality per encoder precision: does bf16 or int8 cost nDCG@10?

For each precision and evaluation set, runs
``retriever eval DATASET --model MODEL --mode dense --json`` in its own process with
``RETRIEVER_PRECISION`` set, into an index under ``benchmarks/.work/precision/``, and compares each
precision's dense nDCG@10 with fp32's (dense mode, so only the vectors differ).

Results: ``benchmarks/results/precision-quality.json`` and a Markdown table on stdout.

    HF_HUB_OFFLINE=1 python benchmarks/precision_quality.py [--precisions fp32,bf16,int8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from index_benchmark import machine, versions

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work" / "precision"
RESULTS = HERE / "results" / "precision-quality.json"
DATASETS = ("code-docstrings", "prose")


def run_eval(dataset: Path, precision: str, model: str) -> dict:
    # An index left by an earlier (interrupted) run is resumed, as `retriever index` does;
    # delete benchmarks/.work/precision to start from scratch.
    index = WORK / f"{dataset.name}-{precision}"
    command = [sys.executable, "-m", "retriever", "eval", str(dataset), "--index", str(index)]
    command += ["--model", model, "--mode", "dense", "--json"]
    env = {**os.environ, "RETRIEVER_PRECISION": precision, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)["results"][0]
    return {
        "dataset": dataset.name,
        "precision": precision,
        "ndcg@10": result["metrics"]["ndcg@10"],
        "recall@10": result["metrics"]["recall@10"],
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precisions", default="fp32,bf16,int8")
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    runs = []
    for name in args.datasets.split(","):
        for precision in args.precisions.split(","):
            runs.append(run_eval(REPO / "data" / "eval" / name, precision, args.model))
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
            write_report(args.out, args.model, runs)  # after each run: long runs keep partials


def write_report(out: Path, model: str, runs: list[dict]) -> None:
    for run in runs:
        baseline = next(
            (r for r in runs if r["dataset"] == run["dataset"] and r["precision"] == "fp32"), None
        )
        if baseline is not None:
            run["ndcg@10_change_percent"] = round(
                100 * (run["ndcg@10"] - baseline["ndcg@10"]) / baseline["ndcg@10"], 2
            )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "model": model,
        "runs": runs,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
