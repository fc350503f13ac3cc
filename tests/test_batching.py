import numpy as np
import pytest
import torch

from retriever import Retriever
from retriever.encoding.batching import plan_batches
from retriever.encoding.encoder import SentenceTransformerEncoder
from retriever.encoding.models import resolve_model
from retriever.errors import ModelError


def test_batches_fit_the_budget_and_cover_every_item() -> None:
    counts = [5, 300, 17, 17, 120, 1, 64, 64, 64, 2000]
    batches = plan_batches(counts, budget=512)
    assert sorted(i for batch in batches for i in batch) == list(range(len(counts)))
    for batch in batches:
        longest = max(counts[i] for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= 512


def test_similar_lengths_share_a_batch() -> None:
    batches = plan_batches([10, 500, 11, 490, 12], budget=1000)
    assert [sorted(b) for b in batches] == [[1, 3], [0, 2, 4]]


@pytest.fixture(scope="module")
def encoder(minilm_dir) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(resolve_model("minilm"), device="cpu", batch_tokens=4096)


def test_out_of_memory_halves_the_budget_and_every_text_is_still_encoded(
    encoder, monkeypatch
) -> None:
    texts = [f"chunk number {i} about retries " * (1 + i % 7) for i in range(40)]
    counts = [encoder.count_tokens(t) for t in texts]
    expected = encoder.encode_documents(texts, counts)
    real_encode = encoder.model.encode
    sizes = []

    def encode_with_little_memory(batch, **kwargs):
        padded = len(batch) * max(encoder.count_tokens(t) for t in batch)
        sizes.append(padded)
        if padded > 600:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_encode(batch, **kwargs)

    monkeypatch.setattr(encoder.model, "encode", encode_with_little_memory)
    vectors = encoder.encode_documents(texts, counts)
    assert encoder.batch_tokens <= 600
    assert np.allclose(vectors, expected, atol=1e-5)
    assert any(size > 600 for size in sizes)  # it did run out of memory, and recovered


def test_a_single_chunk_too_big_for_memory_is_one_clear_error(encoder, monkeypatch) -> None:
    def no_memory(batch, **kwargs):
        raise MemoryError

    monkeypatch.setattr(encoder.model, "encode", no_memory)
    with pytest.raises(ModelError, match="out of memory encoding one chunk"):
        encoder.encode_documents(["one chunk", "two chunks"], [4, 4])


def test_other_errors_are_not_mistaken_for_out_of_memory(encoder, monkeypatch) -> None:
    def broken(batch, **kwargs):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(encoder.model, "encode", broken)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        encoder.encode_documents(["a", "b"], [3, 3])


def test_duplicate_chunk_texts_are_encoded_once(tmp_path, minilm_dir) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "# Retries\n\nFailed uploads are retried with exponential backoff.\n"
    for name in ("a.md", "b.md", "c.md"):
        (corpus / name).write_text(text)
    with Retriever.open(tmp_path / "index", model="minilm") as retriever:
        report = retriever.index([corpus])
    assert report.chunks_added == 3 and report.chunks_encoded == 1
