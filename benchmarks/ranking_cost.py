"""What the ranking stage adds to a warm search: the same queries, in one process, with the
``ranking`` setting ``off``, ``code`` (the default) and ``files``, alternating so that machine
load falls on each alike.

    HF_HUB_OFFLINE=1 python benchmarks/ranking_cost.py --index DIR [--rounds 20]

DIR is an existing index (default: the sample corpus indexed with the bundled MiniLM under
benchmarks/.work/sample-index, built when missing). Reports per setting the p50 and p95 of the
search's own time after encoding (``search_ms``: candidates, rows, ranking) and of the whole
call; results go to benchmarks/results/ranking-cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    json.loads(line)["query"]
    for line in (REPO / "data" / "sample-queries.jsonl").read_text().splitlines()
    if line.strip()
]
SETTINGS = ("off", "code", "files")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def main() -> int:
    from retriever import Retriever

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=REPO / "benchmarks/.work/sample-index")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/ranking-cost.json")
    args = parser.parse_args()
    if not args.index.exists():
        with Retriever.open(args.index, model="minilm") as retriever:
            retriever.index([REPO / "data" / "sample"])
    opened = {name: Retriever.open(args.index, create=False, ranking=name) for name in SETTINGS}
    for retriever in opened.values():
        retriever.search("warm up", k=10)
    searched: dict[str, list[float]] = {name: [] for name in SETTINGS}
    whole: dict[str, list[float]] = {name: [] for name in SETTINGS}
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for query in QUERIES:
            for name, retriever in opened.items():
                started = time.perf_counter()
                result = retriever.search(query, k=10)
                whole[name].append((time.perf_counter() - started) * 1000)
                searched[name].append(result.timings["search_ms"])
    for retriever in opened.values():
        retriever.close()
    record = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "queries": len(QUERIES),
        "rounds": args.rounds,
        "results": {
            name: {
                "search_ms_p50": percentile(searched[name], 0.5),
                "search_ms_p95": percentile(searched[name], 0.95),
                "call_ms_p50": percentile(whole[name], 0.5),
                "call_ms_p95": percentile(whole[name], 0.95),
                "call_ms_mean": round(statistics.fmean(whole[name]), 2),
            }
            for name in SETTINGS
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record["results"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
