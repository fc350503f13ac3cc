"""Metrics are computed right on hand-made cases; `eval` runs end to end on a small dataset."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from paths import REPO
from retriever import Hit, Retriever
from retriever.ops.evaluation import (
    Target,
    evaluate,
    judge,
    load_queries,
    ndcg,
    recall,
    reciprocal_rank,
    vector_recall_at_10,
)


def hit(path: str, start: int = 1, end: int = 10) -> Hit:
    return Hit(path, start, end, "", 0.0, "python", "function", None, None, path, path, "")


def test_a_target_with_lines_needs_overlap() -> None:
    target = Target("a.py", 20, 30)
    assert target.matches(hit("a.py", 25, 40))
    assert target.matches(hit("a.py", 1, 20))
    assert not target.matches(hit("a.py", 31, 50))
    assert not target.matches(hit("b.py", 20, 30))
    assert Target("a.py").matches(hit("a.py", 500, 600))


def test_each_target_counts_once() -> None:
    hits = [hit("x.py"), hit("a.py", 1, 5), hit("a.py", 6, 9), hit("b.py")]
    assert judge(hits, [Target("a.py"), Target("b.py")]) == [0, 1, 0, 1]


def test_hand_computed_metrics() -> None:
    gains = [0, 1, 0, 1]  # relevant at ranks 2 and 4, of 2 relevant in all
    expected_dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg(gains, 2, 10) == pytest.approx(expected_dcg / ideal)
    assert recall(gains, 2, 1) == 0 and recall(gains, 2, 2) == 0.5 and recall(gains, 2, 4) == 1
    assert reciprocal_rank(gains, 10) == 0.5
    assert reciprocal_rank([0] * 10 + [1], 10) == 0
    assert ndcg([1, 1], 2, 10) == pytest.approx(1.0)


def test_eval_on_a_small_dataset(tmp_path: Path, tiny_modernbert: Path) -> None:
    dataset = tmp_path / "set"
    (dataset / "corpus").mkdir(parents=True)
    (dataset / "corpus" / "retry.py").write_text(
        "def retry_upload(path):\n    return backoff(path)\n"
    )
    (dataset / "corpus" / "thumbs.md").write_text("# Thumbnails\n\nResize images.\n")
    (dataset / "queries.jsonl").write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {"id": "1", "query": "retry_upload", "relevant": [{"path": "retry.py"}]},
                {"id": "2", "query": "thumbnails", "relevant": [{"path": "thumbs.md"}]},
            ]
        )
    )
    queries = load_queries(dataset)
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([dataset / "corpus"])
        lexical = evaluate(retriever, queries, "lexical")
        dense = evaluate(retriever, queries, "dense")
        assert vector_recall_at_10(retriever, queries) == 1.0
    assert lexical.metrics["mrr@10"] == 1.0 and lexical.metrics["recall@1"] == 1.0
    assert dense.metrics["recall@100"] == 1.0  # two files: both found at depth 100
    assert set(lexical.metrics) == {
        "ndcg@10",
        "mrr@10",
        "recall@1",
        "recall@5",
        "recall@10",
        "recall@100",
    }


def test_eval_command_compares_modes(tmp_path: Path, tiny_modernbert: Path) -> None:
    from typer.testing import CliRunner

    from retriever.cli import app

    dataset = tmp_path / "set"
    (dataset / "corpus").mkdir(parents=True)
    (dataset / "corpus" / "a.py").write_text("def parse_header(line):\n    return line\n")
    (dataset / "queries.jsonl").write_text(
        json.dumps({"id": "q", "query": "parse_header", "relevant": [{"path": "a.py"}]}) + "\n"
    )
    arguments = ["eval", str(dataset), "--model", str(tiny_modernbert), "--json"]
    result = CliRunner().invoke(app, [*arguments, "--compare", "dense,lexical,hybrid"])
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    assert [r["mode"] for r in results] == ["dense", "lexical", "hybrid"]
    assert results[1]["metrics"]["mrr@10"] == 1.0
    assert results[0]["vector_recall_at_10"] == 1.0
    bad = CliRunner().invoke(app, ["eval", str(tmp_path)])
    assert bad.exit_code == 1 and "is not a dataset" in bad.stderr


def test_eval_of_reranked_search_scores_the_reranked_order(
    tmp_path: Path, tiny_modernbert: Path, monkeypatch
) -> None:
    """A hand-made case: the reranker puts the one relevant file second, so MRR@10 is 1/2."""
    from retriever.encoding.reranking import Reranker

    dataset = tmp_path / "set"
    (dataset / "corpus").mkdir(parents=True)
    (dataset / "corpus" / "retry.py").write_text("def retry_upload(path):\n    return path\n")
    (dataset / "corpus" / "thumbs.md").write_text("# Thumbnails\n\nResize images.\n")
    (dataset / "queries.jsonl").write_text(
        json.dumps({"id": "1", "query": "retry_upload", "relevant": [{"path": "retry.py"}]})
    )
    monkeypatch.setattr(
        Reranker, "scores", lambda self, query, texts: [float("Resize" in t) for t in texts]
    )
    monkeypatch.setattr(Reranker, "__init__", lambda self, spec, device: None)
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([dataset / "corpus"])
        plain = evaluate(retriever, load_queries(dataset), "lexical")
        reranked = evaluate(retriever, load_queries(dataset), "hybrid", rerank=True)
    assert plain.metrics["mrr@10"] == 1.0
    assert reranked.mode == "hybrid+rerank"
    assert reranked.metrics["mrr@10"] == 0.5 and reranked.metrics["recall@1"] == 0.0
    assert reranked.metrics["ndcg@10"] == round(1 / math.log2(3), 4)  # rounded as reported


@pytest.mark.parametrize("name", ["code-docstrings-small", "prose-small"])
def test_eval_runs_on_the_small_slices(tmp_path: Path, tiny_modernbert: Path, name: str) -> None:
    """The CI run of `retriever eval` on a slice of each evaluation set (a smoke test: the
    tiny model has random weights, so no score is asserted)."""
    from typer.testing import CliRunner

    from retriever.cli import app

    dataset = REPO / "data" / "eval" / name
    arguments = ["eval", str(dataset), "--index", str(tmp_path / "index"), "--json"]
    arguments += ["--model", str(tiny_modernbert), "--compare", "dense,lexical,hybrid"]
    result = CliRunner().invoke(app, [*arguments, "--limit", "10"])
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    assert [r["queries"] for r in results] == [10, 10, 10]
    for r in results:
        assert all(0.0 <= value <= 1.0 for value in r["metrics"].values())
        assert r["metrics"]["recall@1"] <= r["metrics"]["recall@10"] <= r["metrics"]["recall@100"]


def test_eval_command_keeps_the_dataset_clean_and_its_table_whole(
    tmp_path: Path, tiny_modernbert: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --index the index goes to the user's cache (and the run says where), not into
    the dataset; the table is printed whole however narrow the output; the help keeps its
    brackets."""
    from typer.testing import CliRunner

    from retriever.cli import app

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dataset = tmp_path / "set"
    (dataset / "corpus").mkdir(parents=True)
    (dataset / "corpus" / "a.py").write_text("def parse_header(line):\n    return line\n")
    (dataset / "queries.jsonl").write_text(
        json.dumps({"id": "q", "query": "parse_header", "relevant": [{"path": "a.py"}]}) + "\n"
    )
    before = sorted(p.relative_to(dataset) for p in dataset.rglob("*"))
    arguments = ["eval", str(dataset), "--model", str(tiny_modernbert)]
    result = CliRunner().invoke(app, [*arguments, "--compare", "dense,lexical,hybrid"])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(dataset) for p in dataset.rglob("*")) == before
    cached = [p.parent for p in (tmp_path / "cache").rglob("index.sqlite3")]
    assert len(cached) == 1 and str(cached[0]) in " ".join(result.stderr.split())
    for header in ("ndcg@10", "mrr@10", "recall@100", "p95 ms", "lexical", "hybrid"):
        assert header in result.stdout
    assert "…" not in result.stdout

    again = CliRunner().invoke(app, [*arguments, "--json"])  # the cached index is reused
    assert again.exit_code == 0, again.output
    assert [p.parent for p in (tmp_path / "cache").rglob("index.sqlite3")] == cached

    help_text = CliRunner().invoke(app, ["eval", "--help"]).stdout
    assert "[default:" in help_text and "cache" in help_text
