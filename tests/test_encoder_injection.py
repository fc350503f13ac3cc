"""An encoder can be handed to `Retriever.open`: the engine indexes and searches with it, records
its fingerprint, and refuses one that does not match the index."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from retriever import ModelFingerprint, ModelMismatchError, Retriever

DIMENSION = 64


class FakeEncoder:
    """Bag-of-words vectors: each word lights one hashed dimension. No model, no torch."""

    precision = "fp32"
    window_tokens = 512

    def __init__(self, weights: str = "words-v1") -> None:
        self.fingerprint = ModelFingerprint(
            model="fake-words",
            revision=None,
            weights=weights,
            dimension=DIMENSION,
            pooling="words",
            query_prefix="",
            document_prefix="",
            max_tokens=512,
        )
        self.queries: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def count_text_tokens(self, text: str) -> int:
        return len(text.split())

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(DIMENSION, dtype=np.float32)
        for word in text.lower().split():
            word = word.strip(".,:;#()`'\"")
            vector[int(hashlib.sha1(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector + 1 / np.sqrt(DIMENSION)

    def encode_documents(self, texts: Sequence[str], token_counts: Sequence[int]) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts])

    def encode_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vector(text)

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        return np.stack([self._vector(text[start:end]) for start, end in spans])


def corpus(root: Path) -> Path:
    root.mkdir()
    (root / "boats.md").write_text("# Boats\n\nSailing boats need wind and a keel.\n")
    (root / "bread.md").write_text("# Bread\n\nBaking bread needs flour, water and yeast.\n")
    return root


def test_an_injected_encoder_indexes_and_searches(tmp_path: Path) -> None:
    fake = FakeEncoder()
    with Retriever.open(tmp_path / "index", encoder=fake) as retriever:
        retriever.index([corpus(tmp_path / "corpus")])
        result = retriever.search("flour yeast bread", k=1, mode="dense")
        assert [hit.path for hit in result] == ["bread.md"]
        assert fake.queries == ["flour yeast bread"]
        assert retriever.status().model["model"] == "fake-words"
        assert result.generation == retriever.generation


def test_an_encoder_that_does_not_match_the_index_is_refused(tmp_path: Path) -> None:
    with Retriever.open(tmp_path / "index", encoder=FakeEncoder()) as retriever:
        retriever.index([corpus(tmp_path / "corpus")])
    with pytest.raises(ModelMismatchError, match="does not match the index"):
        Retriever.open(tmp_path / "index", encoder=FakeEncoder("words-v2"))
    with Retriever.open(tmp_path / "index", encoder=FakeEncoder()) as again:
        assert again.search("sailing wind", k=1, mode="dense")[0].path == "boats.md"
