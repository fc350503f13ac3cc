#!/usr/bin/env python
"""Crash safety: kill -9 `retriever index` at a random moment, N times (default 200).

The loop is the one the test suite runs with N = 30 (``tests/kill_loop.py``): two versions of
a 300-file corpus, a working index flipped between them by `retriever index` processes that
are killed (SIGKILL) at a moment drawn uniformly between their start and the length of a whole
run; after each kill the index must be the state before or after the run, open, pass
`doctor`, and give the same top 10 (4 queries, dense and lexical) as a from-scratch index of
that state. Uses the bundled all-MiniLM-L6-v2 (no download).

Results: ``benchmarks/results/kill.json``. Run from the repository root:

    HF_HUB_OFFLINE=1 python benchmarks/kill_benchmark.py [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests"), str(HERE)]

from index_benchmark import machine, versions  # noqa: E402

from kill_loop import Summary, kill_loop  # noqa: E402

RESULTS = HERE / "results" / "kill.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS, help="Results file.")
    options = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    load_before = os.getloadavg()[0]
    started = time.monotonic()

    def record(summary: Summary, complete: bool) -> None:
        """The results so far: written after every round, so a long run that is stopped
        still leaves its figures."""
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(),
            "load_average_before": round(load_before, 2),
            "load_average_now": round(os.getloadavg()[0], 2),
            "seconds": round(time.monotonic() - started, 1),
            "seed": options.seed,
            "runs_asked": options.runs,
            "complete": complete,
            **summary.to_dict(),
        }
        options.out.parent.mkdir(exist_ok=True)
        options.out.write_text(json.dumps(result, indent=2) + "\n")

    with tempfile.TemporaryDirectory(prefix="retriever-kill-") as scratch:
        summary = kill_loop(
            Path(scratch),
            "minilm",
            options.runs,
            options.seed,
            log=print,
            after_round=lambda so_far: record(so_far, complete=False),
        )
    record(summary, complete=True)
    print(options.out.read_text())
    sys.exit(1 if summary.failures else 0)


if __name__ == "__main__":
    main()
