#!/usr/bin/env python
"""codebench: NDCG@10 on 377 real code questions over 19 repositories, beside published peers.

Each repository of ``data/eval/codebench/repos/`` is indexed into its own index under
``benchmarks/.work/codebench/<repo>`` (reused when present, so search-time ranking can be
iterated on without re-encoding); the index CPU-seconds of each repository are recorded. Its
queries then run through the public Python API (``Retriever.open``, ``.search``):

- ``hybrid``, ``lexical``, ``dense``: the engine's own top 10 in each mode;
- with ``--ranking on``: the code-aware ranking stage (``retriever.search.ranking``) over the
  engine's lexical and dense candidates (``--depth`` of each), once with every signal and,
  with ``--ablate``, once with each signal off.

Candidates are cached in ``benchmarks/.work/codebench/candidates-<repo>.json`` (``--refresh``
drops the cache). Results: ``benchmarks/results/codebench.json``. Run from the repository root:

    HF_HUB_OFFLINE=1 python benchmarks/codebench.py [--ranking on] [--ablate]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections import defaultdict
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from retriever.ops.codebench import (  # noqa: E402
    Query,
    load_queries,
    repositories,
    score,
    summarize,
)
from retriever.ops.evaluation import load_queries as load_labelled  # noqa: E402
from retriever.search.ranking import FILE_LEVEL, Candidate, RankingConfig, rank  # noqa: E402

DATASET = REPO / "data" / "eval" / "codebench"
WORK = HERE / ".work" / "codebench"  # git-ignored
RESULTS = HERE / "results" / "codebench.json"
MODES = ("hybrid", "lexical", "dense")
#: Other values of the stage's weights, to show how sensitive the result is (not tuned on it).
SENSITIVITY: dict[str, tuple[float, ...]] = {
    "diversity_factor": (0.5, 0.85),
    "path_boost": (0.25, 1.0),
    "definition_boost": (0.5, 2.0),
    "file_evidence_weight": (0.15, 0.6),
    "non_core_factor": (0.25, 0.75),
    "fragment_factor": (0.25, 0.75),
}
FILE_WEIGHTS = ("diversity_factor", "file_evidence_weight", "path_boost")
#: The hit fields the ranking stage reads (the text is stored once per chunk).
FIELDS = ("chunk_id", "path", "start_line", "end_line", "kind", "symbol", "heading", "score")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_index(repo: str, dataset: Path, model: str) -> dict[str, Any]:
    """Index one repository (unless its index exists); its timing record."""
    from retriever import Retriever

    directory = WORK / repo
    record_path = WORK / f"index-{repo}.json"
    if record_path.is_file() and directory.is_dir():
        return json.loads(record_path.read_text())
    load = os.getloadavg()[0]
    with Retriever.open(directory, model=model) as retriever:
        _ = retriever.encoder  # model loading is not indexing
        cpu, wall = cpu_seconds(), time.perf_counter()
        report = retriever.index([dataset / "repos" / repo])
        record = {
            "repo": repo,
            "cpu_s": round(cpu_seconds() - cpu, 2),
            "wall_s": round(time.perf_counter() - wall, 2),
            "files": report.files_indexed,
            "chunks": report.chunks_added,
            "tokens": report.tokens_encoded,
            "load_avg_1m_before": round(load, 2),
        }
    record_path.write_text(json.dumps(record, indent=1))
    return record


def gather(
    name: str, directory: Path, queries: list[tuple[str, str]], depth: int, refresh: bool
) -> dict[str, Any]:
    """Per (id, query): the engine's top 10 per mode and ``depth`` lexical and dense
    candidates, from the index at ``directory``; cached as ``candidates-<name>.json``."""
    from retriever import Retriever

    cache = WORK / f"candidates-{name}.json"
    if cache.is_file() and not refresh:
        return json.loads(cache.read_text())
    texts: dict[str, str] = {}
    per_query: dict[str, Any] = {}
    with Retriever.open(directory, create=False) as retriever:
        for query_id, query in queries:
            hits = retriever.search(query, k=10, mode="hybrid")
            entry: dict[str, Any] = {"hybrid": [[h.path, h.start_line, h.end_line] for h in hits]}
            for mode in ("lexical", "dense"):
                hits = retriever.search(query, k=depth, mode=mode)
                for hit in hits:
                    texts[hit.chunk_id] = hit.text
                entry[f"{mode}_candidates"] = [[getattr(h, f) for f in FIELDS] for h in hits]
                # A single mode's top 10 is the head of its candidates.
                entry[mode] = [[h.path, h.start_line, h.end_line] for h in hits[:10]]
            per_query[query_id] = entry
    data = {"texts": texts, "queries": per_query}
    cache.write_text(json.dumps(data))
    return data


def candidates(rows: list[list[Any]], texts: dict[str, str]) -> list[Candidate]:
    out = []
    for row in rows:
        values = dict(zip(FIELDS, row, strict=True))
        out.append(Candidate(**values, text=texts[values["chunk_id"]]))
    return out


def index_eval_set(dataset: Path, model: str) -> Path:
    """The index of a ``data/eval`` set's corpus (built once)."""
    from retriever import Retriever

    directory = WORK / f"eval-{dataset.name}"
    with Retriever.open(directory, model=model) as retriever:
        if not retriever.status().chunks:
            retriever.index([dataset / "corpus"])
    return directory


def eval_set(data: dict[str, Any], dataset: Path, configs: dict[str, RankingConfig]) -> dict:
    """NDCG@10 on a ``data/eval`` set (line-range targets, scored as ``retriever eval`` does):
    the engine's modes, and the ranking stage under each config."""
    from retriever.ops.evaluation import Target, judge, ndcg

    def ndcg10(ranked: list[Any], targets: tuple[Target, ...]) -> float:
        return ndcg(judge(ranked, targets), len(targets), 10)

    rows: dict[str, list[float]] = defaultdict(list)
    for item in load_labelled(dataset):
        entry = data["queries"][item.id]
        for mode in MODES:
            spans = [Candidate("", p, s, e, "", None, None, 0.0, "") for p, s, e in entry[mode]]
            rows[mode].append(ndcg10(spans, item.targets))
        lexical = candidates(entry["lexical_candidates"], data["texts"])
        dense = candidates(entry["dense_candidates"], data["texts"])
        for name, config in configs.items():
            ranked = rank(item.query, lexical, dense, k=10, config=config)
            rows[name].append(ndcg10(ranked, item.targets))
    return {name: round(sum(v) / len(v), 4) for name, v in rows.items()}


def ranking_configs(ranking: str, ablate: bool) -> dict[str, RankingConfig]:
    """The ranking stage's runs: its defaults, with the file-level signals on, and with
    ``ablate`` each signal flipped in turn and other values of its weights."""
    if ranking == "off":
        return {}
    full = RankingConfig()
    files = FILE_LEVEL
    configs = {"ranked": full, "ranked-file-level": files}
    if ablate:
        for signal in fields(RankingConfig):
            value = getattr(full, signal.name)
            if isinstance(value, bool):
                name = f"ranked-{'without' if value else 'with'}-{signal.name}"
                configs[name] = replace(full, **{signal.name: not value})
        for signal in ("natural_names", "path_terms", "file_evidence", "file_diversity"):
            configs[f"ranked-file-level-without-{signal}"] = replace(files, **{signal: False})
        for weight, values in SENSITIVITY.items():
            base, prefix = (
                (files, "ranked-file-level") if weight in FILE_WEIGHTS else (full, "ranked")
            )
            for value in values:
                configs[f"{prefix}-{weight}={value}"] = replace(base, **{weight: value})
    return configs


def run_ranking(
    queries: list[Query], gathered: dict[str, dict[str, Any]], config: RankingConfig
) -> list[dict[str, Any]]:
    rows = []
    for query in queries:
        data = gathered[query.repo]
        entry = data["queries"][query.id]
        lexical = candidates(entry["lexical_candidates"], data["texts"])
        dense = candidates(entry["dense_candidates"], data["texts"])
        ranked = rank(query.query, lexical, dense, k=10, config=config)
        rows.append(score(query, [(c.path, c.start_line, c.end_line) for c in ranked]))
    return rows


def markdown(record: dict[str, Any]) -> str:
    """The tables of docs/benchmarks.md: ours beside the peers, per category, per language,
    and the ablation rows."""
    results, peers = record["results"], record["peers"]["methods"]
    categories = sorted(results["hybrid"]["category"])
    lines = [
        "| method | overall | " + " | ".join(categories) + " | hit@1 |",
        "|---|---:|" + "---:|" * len(categories) + "---:|",
    ]
    for name, summary in results.items():
        cells = [f"{summary['category'][c]:.3f}" for c in categories]
        row = f"| ours: {name} | {summary['overall']['ndcg10']:.3f} | " + " | ".join(cells)
        lines.append(row + f" | {summary['overall']['hit@1']:.3f} |")
    for name, peer in sorted(peers.items(), key=lambda item: -item[1]["ndcg10"]):
        published = peer.get("by_category") or {}
        cells = [f"{published[c]:.3f}" if c in published else "" for c in categories]
        lines.append(f"| {name} | {peer['ndcg10']:.3f} | " + " | ".join(cells) + " | |")
    repos = sorted(results["hybrid"]["repo"])
    language = {q.repo: q.language for q in load_queries(DATASET)}
    shown = ["hybrid", "lexical", "dense", "ranked", "ranked-file-level"]
    shown = [name for name in shown if name in results]
    lines += ["", "| language (repository) | " + " | ".join(shown) + " | semble | CRE hybrid |"]
    lines.append("|---|" + "---:|" * (len(shown) + 2))
    for repo in repos:
        cells = [f"{results[name]['repo'][repo]:.3f}" for name in shown]
        theirs = [f"{peers[m]['per_repo'][repo]:.3f}" for m in ("semble", "CodeRankEmbed Hybrid")]
        theirs = [cell.replace("nan", "") for cell in theirs]
        lines.append(f"| {language[repo]} ({repo}) | " + " | ".join(cells + theirs) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--model", default="auto")
    parser.add_argument("--repos", nargs="*", help="only these repositories")
    parser.add_argument("--depth", type=int, default=100, help="candidates per side")
    parser.add_argument("--ranking", choices=("on", "off"), default="on")
    parser.add_argument("--ablate", action="store_true", help="also each signal off in turn")
    parser.add_argument("--refresh", action="store_true", help="search again, ignore the cache")
    parser.add_argument("--index-only", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--markdown", action="store_true", help="print the recorded tables")
    parser.add_argument(
        "--eval-set", type=Path, action="append", default=[], help="also a data/eval set"
    )
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(args.out.read_text())))
        return 0

    WORK.mkdir(parents=True, exist_ok=True)
    queries = load_queries(args.dataset)
    repos = args.repos or repositories(args.dataset)
    queries = [q for q in queries if q.repo in repos]
    indexing = {}
    for repo in repos:
        indexing[repo] = build_index(repo, args.dataset, args.model)
        print(f"indexed {repo}: {indexing[repo]}", file=sys.stderr, flush=True)
    eval_indexes = {dataset: index_eval_set(dataset, args.model) for dataset in args.eval_set}
    if args.index_only:
        return 0
    load_before = os.getloadavg()
    gathered = {}
    for repo in repos:
        mine = [(q.id, q.query) for q in queries if q.repo == repo]
        gathered[repo] = gather(repo, WORK / repo, mine, args.depth, args.refresh)
        print(f"searched {repo}", file=sys.stderr, flush=True)

    configs = ranking_configs(args.ranking, args.ablate)
    results: dict[str, Any] = {}
    for mode in MODES:
        rows = [
            score(q, [tuple(s) for s in gathered[q.repo]["queries"][q.id][mode]]) for q in queries
        ]
        results[mode] = summarize(rows)
    for name, config in configs.items():
        results[name] = summarize(run_ranking(queries, gathered, config))
    for name, summary in results.items():
        overall = summary["overall"]
        cats = " ".join(f"{c}={v:.3f}" for c, v in summary["category"].items())
        print(f"{name:40s} ndcg10={overall['ndcg10']:.4f} hit@1={overall['hit@1']:.3f} {cats}")
    eval_sets = {}
    for dataset, directory in eval_indexes.items():
        items = [(item.id, item.query) for item in load_labelled(dataset)]
        data = gather(f"eval-{dataset.name}", directory, items, args.depth, args.refresh)
        eval_sets[dataset.name] = eval_set(data, dataset, configs)
        print(dataset.name, eval_sets[dataset.name], flush=True)

    record = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_avg_before_search": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "queries": len(queries),
        "depth": args.depth,
        "indexing": indexing,
        "index_cpu_s_total": round(sum(r["cpu_s"] for r in indexing.values()), 1),
        "index_wall_s_total": round(sum(r["wall_s"] for r in indexing.values()), 1),
        "results": results,
        "eval_sets": eval_sets,
        "peers": json.loads((args.dataset / "peers.json").read_text()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
