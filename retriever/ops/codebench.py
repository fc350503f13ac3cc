"""codebench: a multi-repository code-search benchmark (``data/eval/codebench``) and its metric.

The dataset holds one folder per repository under ``repos/`` and ``queries.jsonl``: one
``{"id", "repo", "language", "query", "category", "targets": [{"path", "start_line",
"end_line", "kind"}]}`` per line, paths relative to ``repos/<repo>/``, null lines for a
whole-file target. Each repository is indexed on its own and its queries search only it.

The metric is the benchmark's own (its README): NDCG@10 over the top 10 chunks
``(path, start_line, end_line)``. A chunk hits a target when its path equals the target's path
(or ends with ``/`` + it) and, where the target has lines, the line ranges overlap. A target's
rank is that of the first chunk hitting it; the gains are 1/log2(r + 1) over the *distinct*
ranks r <= 10 at which some target is hit (a chunk hitting two targets counts once), divided
by the ideal sum over i = 1..min(10, number of targets).
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retriever.errors import RetrieverError
from retriever.ops.evaluation import Target

CUTOFF = 10
#: How results are grouped besides overall.
GROUPS = ("category", "language", "repo")


def hits(target: Target, path: str, start_line: int, end_line: int) -> bool:
    """Whether a chunk at ``path`` spanning these lines hits ``target``: the same path, or one
    ending with ``/`` + the target's (a target may name only a path's tail)."""
    same = path == target.path or path.endswith("/" + target.path)
    return same and target.overlaps(start_line, end_line)


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    repo: str
    language: str
    query: str
    category: str
    targets: tuple[Target, ...]


#: A ranked chunk as the metric sees it: (path, start_line, end_line).
Span = tuple[str, int, int]


def load_queries(dataset: str | Path) -> list[Query]:
    """The queries of a codebench folder, in file order."""
    path = Path(dataset) / "queries.jsonl"
    if not path.is_file() or not (Path(dataset) / "repos").is_dir():
        raise RetrieverError(
            f"{dataset} is not a codebench folder: it needs repos/ and queries.jsonl"
        )
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            targets = tuple(
                Target(t["path"], t.get("start_line"), t.get("end_line")) for t in item["targets"]
            )
            queries.append(
                Query(
                    str(item["id"]),
                    item["repo"],
                    item["language"],
                    item["query"],
                    item["category"],
                    targets,
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise RetrieverError(f"{path}:{number}: not a codebench query ({error})") from None
    return queries


def repositories(dataset: str | Path) -> list[str]:
    """The repository folder names, sorted."""
    return sorted(p.name for p in (Path(dataset) / "repos").iterdir() if p.is_dir())


def hit_ranks(ranked: Sequence[Span], targets: Sequence[Target], cutoff: int = CUTOFF) -> list[int]:
    """The distinct 1-based ranks (<= cutoff) at which some target is first hit, ascending."""
    ranks = set()
    for target in targets:
        rank = next(
            (r for r, span in enumerate(ranked[:cutoff], start=1) if hits(target, *span)), None
        )
        if rank is not None:
            ranks.add(rank)
    return sorted(ranks)


def ndcg_at_10(ranked: Sequence[Span], targets: Sequence[Target]) -> float:
    """The benchmark's NDCG@10 of one query's ranking."""
    if not targets:
        return 0.0
    dcg = sum(1 / math.log2(rank + 1) for rank in hit_ranks(ranked, targets))
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(CUTOFF, len(targets)) + 1))
    return dcg / ideal


def first_hit(ranked: Sequence[Span], targets: Sequence[Target]) -> int | None:
    """The rank of the first chunk hitting any target within the cutoff, or None."""
    ranks = hit_ranks(ranked, targets)
    return ranks[0] if ranks else None


def summarize(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Mean NDCG@10 overall and per category, language and repository, from per-query rows
    holding ``ndcg10``, ``first_hit`` and the group fields; also the share of queries with a
    target at rank 1 and in the top 10."""
    rows = list(rows)
    if not rows:
        return {"queries": 0}

    def stats(group: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "queries": len(group),
            "ndcg10": round(statistics.fmean(r["ndcg10"] for r in group), 4),
            "hit@1": round(statistics.fmean(r["first_hit"] == 1 for r in group), 4),
            "hit@10": round(statistics.fmean(r["first_hit"] is not None for r in group), 4),
        }

    summary: dict[str, Any] = {"overall": stats(rows)}
    for field in GROUPS:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row[field]].append(row)
        summary[field] = {name: stats(grouped[name])["ndcg10"] for name in sorted(grouped)}
    return summary


def score(query: Query, ranked: Sequence[Span]) -> dict[str, Any]:
    """One per-query row for :func:`summarize`."""
    return {
        "id": query.id,
        "category": query.category,
        "language": query.language,
        "repo": query.repo,
        "ndcg10": round(ndcg_at_10(ranked, query.targets), 6),
        "first_hit": first_hit(ranked, query.targets),
    }
