"""Late chunking: windows of a file's chunks encoded once, each chunk's tokens mean-pooled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexers.chunk import TokenCounter
from indexers.chunking import chunk_text
from retriever import Retriever
from retriever.encoding.encoder import SentenceTransformerEncoder
from retriever.encoding.late_chunking import Window, windows
from retriever.encoding.models import resolve_model
from retriever.errors import ModelError

PARAGRAPH = "The uploader retries a failed part with exponential backoff and jitter.\n\n"


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(resolve_model("minilm"), device="cpu")


def test_windows_cover_the_chunks_in_order_within_the_limit(word_count: TokenCounter) -> None:
    text = "".join(f"Paragraph {n}: {PARAGRAPH}" for n in range(30))
    chunks = chunk_text(text, "notes.txt", "text", 40, word_count)
    planned = windows(chunks, 100, word_count)
    assert [c for window in planned for c in window.chunks] == chunks
    assert len(planned) > 1
    assert all(word_count(window.text) <= 100 for window in planned)
    # Greedy: no window could have taken the next window's first chunk.
    for window, after in zip(planned, planned[1:], strict=False):
        assert word_count(window.text + after.chunks[0].text) > 100
    assert Window(chunks[:2]).spans == [
        (0, len(chunks[0].text)),
        (len(chunks[0].text), len(chunks[0].text) + len(chunks[1].text)),
    ]


def test_a_span_vector_carries_its_window_context(minilm: SentenceTransformerEncoder) -> None:
    first, second = "Uploads retry with backoff.\n", "It waits longer each time.\n"
    both = first + second
    together = minilm.encode_spans(both, [(0, len(first)), (len(first), len(both))])
    alone = minilm.encode_spans(second, [(0, len(second))])[0]
    assert together.shape == (2, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(together[1], alone, atol=1e-3)
    assert minilm.window_tokens == 512  # MiniLM's positions, past its 256-token input limit


def test_late_chunking_needs_a_mean_pooling_model(tmp_path: Path, tiny_modernbert: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text(PARAGRAPH)
    with (
        Retriever.open(tmp_path / "index", model=str(tiny_modernbert), late_chunking=True) as r,
        pytest.raises(ModelError, match="mean-pooling"),
    ):
        r.index([corpus])


def test_only_changed_windows_are_re_encoded(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    long = "".join(f"Section {n}. {PARAGRAPH}" for n in range(60))  # several windows
    (corpus / "long.txt").write_text(long)
    (corpus / "short.txt").write_text(PARAGRAPH)
    with Retriever.open(
        tmp_path / "index", model="minilm", chunk_tokens=64, late_chunking=True
    ) as retriever:
        first = retriever.index([corpus])
        assert retriever.index([corpus]).chunks_encoded == 0
        chunks = chunk_text(long, "long.txt", "text", 64, retriever.encoder.count_tokens)
        planned = windows(chunks, retriever.encoder.window_tokens, retriever.encoder.count_tokens)
        assert len(planned) >= 3
        # Edit the last paragraph: only the last window changes.
        (corpus / "long.txt").write_text(long.replace("Section 59.", "Section fifty-nine."))
        edited = retriever.index([corpus])
        hits = retriever.search("exponential backoff", k=3, mode="dense")
    assert first.chunks_encoded == len(chunks) + 1
    assert 0 < edited.chunks_encoded <= len(planned[-1].chunks) + 1
    assert hits and all(hit.score > 0.3 for hit in hits)
