"""Reranking with a cross-encoder: a tiny ModernBERT one built in tests (random weights)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retriever import Retriever
from retriever.cli import app
from retriever.encoding.reranking import Reranker
from retriever.errors import ModelError

QUERY = "add an item to the cart"


@pytest.fixture(scope="module")
def retriever(shop_index: Path, tiny_reranker: Path):
    with Retriever.open(
        shop_index, create=False, rerank_model=str(tiny_reranker), rerank_depth=20
    ) as opened:
        yield opened


def test_rerank_orders_candidates_by_the_cross_encoder(retriever: Retriever, tiny_reranker):
    candidates = retriever.search(QUERY, k=20)
    assert len(candidates) >= 3
    # The same cross-encoder, called directly, gives the expected order and scores.
    from sentence_transformers import CrossEncoder

    scores = CrossEncoder(str(tiny_reranker), device="cpu").predict(
        [(QUERY, hit.text) for hit in candidates]
    )
    ids = [hit.chunk_id for hit in candidates]
    expected = sorted(zip(scores, ids, strict=True), reverse=True)[:3]
    hits = retriever.search(QUERY, k=3, rerank=True)
    timings = hits.timings
    assert [h.chunk_id for h in hits] == [chunk_id for _, chunk_id in expected]
    assert [h.score for h in hits] == pytest.approx([float(s) for s, _ in expected], abs=1e-5)
    assert set(timings) == {"encode_ms", "search_ms", "rerank_ms"}


def test_rerank_takes_the_best_k_of_rerank_depth_candidates(retriever, monkeypatch):
    """Crafted scores (the reverse of the search's order) must come back in score order."""
    candidates = retriever.search(QUERY, k=20, mode="lexical")
    reverse = {hit.chunk_id: float(rank) for rank, hit in enumerate(candidates)}
    texts = {hit.text: reverse[hit.chunk_id] for hit in candidates}
    monkeypatch.setattr(
        Reranker, "scores", lambda self, query, batch: [texts[text] for text in batch]
    )
    hits = retriever.search(QUERY, k=2, mode="lexical", rerank=True)
    assert [h.chunk_id for h in hits] == [c.chunk_id for c in candidates[::-1][:2]]
    assert [h.score for h in hits] == [len(candidates) - 1, len(candidates) - 2]


def test_context_can_be_reranked(retriever: Retriever, monkeypatch) -> None:
    monkeypatch.setattr(Reranker, "scores", lambda self, query, batch: [len(t) for t in batch])
    context = retriever.context(QUERY, token_budget=4000, k=1, rerank=True)
    longest = max(retriever.search(QUERY, k=20), key=lambda hit: len(hit.text))
    assert [p.text for p in context.passages] == [longest.text]


@pytest.mark.parametrize("spec", ["Alibaba-NLP/gte-reranker-modernbert-base", "minilm"])
def test_an_unavailable_reranker_is_one_clear_error(shop_index: Path, spec: str) -> None:
    with (
        Retriever.open(shop_index, create=False, rerank_model=spec) as retriever,
        pytest.raises(ModelError, match="reranker") as raised,
    ):
        retriever.search(QUERY, rerank=True)
    assert "\n" not in str(raised.value)
    assert "RETRIEVER_RERANK_MODEL" in str(raised.value)


def test_cli_search_rerank(shop_index: Path, tiny_reranker: Path, monkeypatch) -> None:
    arguments = ["search", QUERY, "--index", str(shop_index), "--rerank", "-k", "2", "--json"]
    missing = CliRunner().invoke(app, arguments)
    assert missing.exit_code == 1 and "reranker unavailable" in missing.stderr
    # The error says how to pick another cross-encoder.
    assert "RETRIEVER_RERANK_MODEL" in missing.stderr and "--rerank-model" in missing.stderr
    chosen = CliRunner().invoke(app, [*arguments, "--rerank-model", str(tiny_reranker)])
    assert chosen.exit_code == 0, chosen.output
    assert len(json.loads(chosen.stdout)["hits"]) == 2
    monkeypatch.setenv("RETRIEVER_RERANK_MODEL", str(tiny_reranker))
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["hits"]) == 2
