#!/usr/bin/env python
"""Peak memory of a full index run at 1x and 4x a corpus: does it grow with the corpus?

Indexing streams files -> chunks -> batches -> SQLite, flushing every ~64k new tokens, so its
peak memory should be the model plus one flush, whatever the corpus size. This builds the
index benchmark's corpus (real code and prose, see index_benchmark.py) at ``--corpus-mb`` and
at 4x that, indexes each into an empty index in its own process, and compares the peak RSS of
the two processes (``os.wait4``). Target: within 10%.

Results: ``benchmarks/results/memory.json``.

    HF_HUB_OFFLINE=1 python benchmarks/memory_benchmark.py [--corpus-mb 0.3] [--model minilm]
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from index_benchmark import CORPUS, WORK, build_corpus, machine, measured, versions

RESULTS = Path(__file__).resolve().parent / "results" / "memory.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-mb", type=float, default=0.3)
    parser.add_argument("--model", default="minilm")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    runs = []
    for factor in (1, 4):
        corpus = build_corpus(int(factor * args.corpus_mb * 1024 * 1024))
        index = WORK / f"memory-index-{factor}x"
        shutil.rmtree(index, ignore_errors=True)
        command = ["index", str(CORPUS), "--index", str(index), "--model", args.model, "--json"]
        run = measured(command)
        report = run.pop("report")
        runs.append(
            {
                "factor": factor,
                "corpus_bytes": corpus["bytes"],
                "files": corpus["files"],
                "chunks": report["chunks_added"],
                "tokens": report["tokens_encoded"],
                **run,
            }
        )
        print(json.dumps(runs[-1]), flush=True)
    growth = runs[1]["peak_rss_mib"] / runs[0]["peak_rss_mib"] - 1
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine(),
                "versions": versions(),
                "model": args.model,
                "runs": runs,
                "peak_rss_growth_percent_4x": round(100 * growth, 1),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"peak RSS at 4x the corpus: {100 * growth:+.1f}%")


if __name__ == "__main__":
    main()
