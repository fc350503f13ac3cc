"""Prompt context: adjacent chunks merged, duplicates cited once, the budget never exceeded."""

from __future__ import annotations

import shutil
from pathlib import Path

import huggingface_hub.constants
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from retriever import InvalidQueryError, Retriever
from retriever.search.context import RankedChunk, assemble, merge_adjacent


def words(text: str) -> int:
    return len(text.split())


def chunk(doc: str, ordinal: int, score: float, text: str | None = None) -> RankedChunk:
    body = text or f"line {ordinal} of {doc}\n"
    return RankedChunk(
        doc_id=doc,
        path=f"{doc}.py",
        ordinal=ordinal,
        start_line=ordinal + 1,
        end_line=ordinal + 1,
        text=body,
        score=score,
        language="python",
        symbol=f"f{ordinal}",
        heading=None,
    )


def test_adjacent_chunks_of_one_file_merge_and_groups_rank_by_best_score() -> None:
    groups = merge_adjacent(
        [chunk("a", 3, 0.5), chunk("b", 0, 0.7), chunk("a", 4, 0.9), chunk("a", 9, 0.8)]
    )
    assert [[(c.doc_id, c.ordinal) for c in g] for g in groups] == [
        [("a", 3), ("a", 4)],
        [("a", 9)],
        [("b", 0)],
    ]


def test_passages_cite_their_lines_and_the_context_string_holds_them() -> None:
    context = assemble([chunk("a", 3, 0.5), chunk("a", 4, 0.9)], 1000, words)
    (passage,) = context.passages
    assert passage.citation == "a.py:4-5"
    assert passage.text == "line 3 of a\nline 4 of a\n"
    assert passage.symbols == ["f3", "f4"]
    assert context.context.startswith("[1] a.py:4-5 (f3, f4)\nline 3 of a\nline 4 of a")
    assert context.tokens == sum(p.tokens for p in context.passages) == words(context.context)


def test_the_same_text_in_two_files_is_cited_once() -> None:
    same = "def retry():\n    pass\n"
    context = assemble([chunk("a", 0, 0.9, same), chunk("b", 0, 0.8, same)], 1000, words)
    assert [p.path for p in context.passages] == ["a.py"]


@pytest.mark.parametrize("budget", [5, 30, 60, 200])
def test_the_budget_is_never_exceeded(budget: int) -> None:
    long_text = "".join(f"word{i} more words here\n" for i in range(40))
    chunks = [chunk("a", 0, 0.9, long_text), chunk("b", 0, 0.8), chunk("c", 0, 0.7)]
    context = assemble(chunks, budget, words)
    assert context.tokens <= budget
    assert words(context.context) <= budget


def test_a_passage_too_big_for_what_is_left_is_trimmed_at_a_line() -> None:
    long_text = "".join(f"word{i} more words here\n" for i in range(40))
    context = assemble([chunk("a", 0, 0.9, long_text)], 60, words)
    (passage,) = context.passages
    assert long_text.startswith(passage.text) and passage.text.endswith("\n")
    assert passage.end_line == passage.start_line + passage.text.count("\n") - 1
    assert passage.tokens <= 60


def test_context_through_the_engine(tmp_path: Path, tiny_modernbert: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Retry\n\nWait and try again.\n\n## Backoff\n\nDouble it.\n")
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        context = retriever.context("retry", token_budget=200, k=5)
        assert context.passages and context.tokens <= 200
        assert all(p.citation.startswith("a.md:") for p in context.passages)
        with pytest.raises(InvalidQueryError, match="token_budget"):
            retriever.context("retry", token_budget=0)
        for missing in ("no/such-tokenizer", "/etc", "not a hub id!"):
            with pytest.raises(InvalidQueryError, match="not available locally"):
                retriever.context("retry", token_budget=100, tokenizer=missing)


def _cache_tokenizer(cache: Path, hub_id: str, tokenizer_json: Path) -> None:
    """Lay ``tokenizer_json`` out in ``cache`` as the hub client caches ``hub_id``."""
    repo = cache / f"models--{hub_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    shutil.copy(tokenizer_json, snapshot / "tokenizer.json")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)


def test_the_tokenizer_is_a_hub_id_in_the_cache_never_a_path(
    tmp_path: Path, tiny_modernbert: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tokenizer name may come from the network: only the local Hugging Face cache is
    looked in, and a path gets the same answer whether or not a file is there."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    _cache_tokenizer(tmp_path / "hub", "tiny/tokenizer", tiny_modernbert / "tokenizer.json")
    monkeypatch.chdir(tiny_modernbert.parent)  # a relative name that is a directory here too
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Retry\n\nWait and try again.\n")
    existing = [str(tiny_modernbert), tiny_modernbert.name, str(tiny_modernbert / "tokenizer.json")]
    missing = [str(tmp_path / "nothing"), "nothing", str(tmp_path / "nothing/tokenizer.json")]
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        assert retriever.context("retry", token_budget=100, tokenizer="tiny/tokenizer").passages
        client = TestClient(create_app(retriever), base_url="http://127.0.0.1")
        body = {"query": "retry", "token_budget": 100, "tokenizer": "tiny/tokenizer"}
        assert client.post("/v1/context", json=body).status_code == 200
        answers = set()
        for name in existing + missing:
            with pytest.raises(InvalidQueryError) as refused:
                retriever.context("retry", token_budget=100, tokenizer=name)
            response = client.post("/v1/context", json={**body, "tokenizer": name})
            assert response.status_code == 422, response.text
            message = response.json()["error"]["message"]
            assert message == str(refused.value)
            answers.add(message.replace(repr(name), "NAME"))
        assert len(answers) == 1, answers  # nothing tells an existing path from a missing one
