"""The ModernBERT code path, on a tiny ModernBERT built by the fixture (no downloads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retriever import Retriever
from retriever.encoding.encoder import SentenceTransformerEncoder
from retriever.encoding.models import resolve_model
from vector_noise import same_vectors

SENTENCE = "The uploader retries a failed part with exponential backoff and jitter.\n"


@pytest.fixture(scope="module")
def encoder(tiny_modernbert: Path) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(resolve_model(str(tiny_modernbert)), device="cpu")


def test_fingerprint_describes_the_model(encoder, tiny_modernbert: Path) -> None:
    fingerprint = encoder.fingerprint
    assert fingerprint.model == str(tiny_modernbert.resolve())
    assert fingerprint.dimension == 32
    assert fingerprint.max_tokens == 8192
    assert "cls" in fingerprint.pooling
    assert fingerprint.weights and fingerprint.revision is None


def test_a_full_8192_token_chunk_is_counted_exactly_and_encoded(tmp_path, tiny_modernbert):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with Retriever.open(
        tmp_path / "index", model=str(tiny_modernbert), chunk_tokens=8192, context_header=False
    ) as r:
        # One paragraph (no blank line) of just under 8,192 tokens: it must stay one chunk.
        text = SENTENCE
        while r.encoder.count_tokens(text + SENTENCE) <= 8192:
            text += SENTENCE
        (corpus / "long.txt").write_text(text)
        report = r.index([corpus])
        hits = r.search("exponential backoff", k=5)
    assert report.chunks_encoded == 1
    assert len(hits) == 1 and hits[0].text == text
    assert 8192 - r.encoder.count_tokens(SENTENCE) < report.tokens_encoded <= 8192


def test_prefixes_are_applied_and_counted(tiny_modernbert: Path) -> None:
    plain = SentenceTransformerEncoder(resolve_model(str(tiny_modernbert)), device="cpu")
    prefixed = SentenceTransformerEncoder(
        resolve_model(str(tiny_modernbert)),
        device="cpu",
        query_prefix="search_query: ",
        document_prefix="search_document: ",
    )
    assert prefixed.fingerprint.document_prefix == "search_document: "
    text = "retry failed uploads"
    assert prefixed.count_tokens(text) > plain.count_tokens(text)
    assert not np.allclose(prefixed.encode_query(text), plain.encode_query(text))


@pytest.mark.parametrize("precision", ["fp32", "bf16"])  # bf16 is emulated where not native
def test_batches_of_mixed_lengths_match_one_by_one(tiny_modernbert: Path, precision) -> None:
    model = resolve_model(str(tiny_modernbert))
    encoder = SentenceTransformerEncoder(model, device="cpu", precision=precision)
    texts = [SENTENCE * n for n in (1, 40, 3, 200, 7)]
    counts = [encoder.count_tokens(t) for t in texts]
    batched = encoder.encode_documents(texts, counts)
    single = np.stack(
        [encoder.encode_documents([t], [c])[0] for t, c in zip(texts, counts, strict=True)]
    )
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert same_vectors(batched, single, precision)


def test_chunk_budget_is_capped_at_the_model_maximum(tmp_path, minilm_dir) -> None:
    with Retriever.open(tmp_path / "index", model="minilm", chunk_tokens=8192) as retriever:
        assert retriever.chunk_tokens == 256
