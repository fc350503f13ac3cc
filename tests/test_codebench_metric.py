"""The codebench metric, exactly as the benchmark's README defines it, on hand-computed cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from paths import REPO
from retriever.errors import RetrieverError
from retriever.ops.codebench import Target, hits, load_queries, ndcg_at_10, repositories, summarize

WHOLE = Target("src/a.py")
LINES = Target("src/b.py", 10, 20)


def test_first_rank_whole_file_target_scores_one() -> None:
    assert ndcg_at_10([("src/a.py", 1, 5)], [WHOLE]) == 1.0


def test_rank_three_scores_one_over_log2_of_four() -> None:
    ranked = [("x.py", 1, 2), ("y.py", 1, 2), ("src/a.py", 40, 50)]
    assert ndcg_at_10(ranked, [WHOLE]) == pytest.approx(1 / math.log2(4))  # 0.5


def test_path_may_end_with_slash_and_target_but_not_merely_end_with_it() -> None:
    assert ndcg_at_10([("repo/src/a.py", 1, 2)], [WHOLE]) == 1.0
    assert ndcg_at_10([("xsrc/a.py", 1, 2)], [WHOLE]) == 0.0


def test_line_target_needs_overlap_inclusive_at_both_ends() -> None:
    assert ndcg_at_10([("src/b.py", 1, 9)], [LINES]) == 0.0
    assert ndcg_at_10([("src/b.py", 21, 30)], [LINES]) == 0.0
    assert ndcg_at_10([("src/b.py", 1, 10)], [LINES]) == 1.0
    assert ndcg_at_10([("src/b.py", 20, 30)], [LINES]) == 1.0


def test_only_the_first_chunk_hitting_a_target_counts() -> None:
    # Two chunks of the same whole-file target: the second adds nothing.
    ranked = [("src/a.py", 1, 5), ("src/a.py", 6, 9)]
    assert ndcg_at_10(ranked, [WHOLE, LINES]) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_two_targets_at_ranks_one_and_three() -> None:
    ranked = [("src/a.py", 1, 5), ("z.py", 1, 1), ("src/b.py", 15, 16)]
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_10(ranked, [WHOLE, LINES]) == pytest.approx(expected)  # 0.9077


def test_a_chunk_hitting_two_targets_counts_once() -> None:
    # Both targets are first hit at rank 1: one distinct rank, gain 1, ideal 1 + 1/log2(3).
    ranked = [("src/b.py", 1, 30)]
    targets = [Target("src/b.py", 1, 5), Target("src/b.py", 25, 30)]
    assert ndcg_at_10(ranked, targets) == pytest.approx(1 / (1 + 1 / math.log2(3)))  # 0.6131


def test_hits_below_rank_ten_do_not_count() -> None:
    ranked = [(f"other{i}.py", 1, 1) for i in range(10)] + [("src/a.py", 1, 1)]
    assert ndcg_at_10(ranked, [WHOLE]) == 0.0
    assert ndcg_at_10(ranked[1:], [WHOLE]) == pytest.approx(1 / math.log2(11))


def test_ideal_is_capped_at_ten_targets() -> None:
    targets = [Target(f"f{i}.py") for i in range(12)]
    ranked = [(f"f{i}.py", 1, 1) for i in range(10)]
    assert ndcg_at_10(ranked, targets) == pytest.approx(1.0)


def test_no_hits_and_no_targets_score_zero() -> None:
    assert ndcg_at_10([], [WHOLE]) == 0.0
    assert ndcg_at_10([("src/a.py", 1, 1)], []) == 0.0


def test_summary_groups_by_category_language_and_repo() -> None:
    rows = [
        {"ndcg10": 1.0, "first_hit": 1, "category": "symbol", "language": "go", "repo": "chi"},
        {"ndcg10": 0.5, "first_hit": 3, "category": "semantic", "language": "go", "repo": "chi"},
        {"ndcg10": 0.0, "first_hit": None, "category": "symbol", "language": "c", "repo": "uv"},
    ]
    summary = summarize(rows)
    assert summary["overall"] == {"queries": 3, "ndcg10": 0.5, "hit@1": 0.3333, "hit@10": 0.6667}
    assert summary["category"] == {"semantic": 0.5, "symbol": 0.5}
    assert summary["language"] == {"c": 0.0, "go": 0.75}
    assert summary["repo"] == {"chi": 0.75, "uv": 0.0}


def test_the_vendored_dataset_loads_with_its_377_queries() -> None:
    dataset = REPO / "data" / "eval" / "codebench"
    queries = load_queries(dataset)
    assert len(queries) == 377
    assert len(repositories(dataset)) == 19
    assert {q.category for q in queries} == {"semantic", "architecture", "symbol"}
    for query in queries:
        root = dataset / "repos" / query.repo
        files = [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]
        for target in query.targets:
            # Some targets name a path's tail (``Core.hs`` for ``src/XMonad/Core.hs``).
            assert any(hits(target, path, 1, 1 << 30) for path in files), target.path


def test_a_folder_without_queries_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RetrieverError, match="not a codebench folder"):
        load_queries(tmp_path)
    (tmp_path / "repos").mkdir()
    (tmp_path / "queries.jsonl").write_text(json.dumps({"id": 1}) + "\n")
    with pytest.raises(RetrieverError, match="not a codebench query"):
        load_queries(tmp_path)
