"""Encoder precision: what `auto` picks, and that reduced precisions stay close to fp32."""

from __future__ import annotations

import numpy as np
import pytest

from retriever import Retriever
from retriever.encoding.encoder import SentenceTransformerEncoder
from retriever.encoding.models import resolve_model
from retriever.encoding.precision import cpu_has_native_bf16, resolve_precision
from retriever.errors import ModelError

TEXTS = [
    "def upload(part): retry with exponential backoff and jitter",
    "The recipe needs two eggs, flour and a pinch of salt. " * 12,
]


def test_auto_picks_bf16_only_where_the_cpu_runs_it_natively() -> None:
    assert resolve_precision("auto", "cpu") == ("bf16" if cpu_has_native_bf16() else "fp32")
    assert resolve_precision("auto", "mps") == "fp32"
    assert resolve_precision("int8", "cpu") == "int8"


@pytest.mark.parametrize(("precision", "device"), [("fp16", "cpu"), ("int8", "cuda")])
def test_a_precision_the_device_cannot_run_is_one_clear_error(precision, device) -> None:
    with pytest.raises(ModelError, match=precision):
        resolve_precision(precision, device)


@pytest.mark.parametrize(("precision", "closest"), [("bf16", 0.995), ("int8", 0.8)])
def test_reduced_precision_vectors_stay_close_to_fp32(minilm_dir, precision, closest) -> None:
    def vectors(name: str) -> np.ndarray:
        encoder = SentenceTransformerEncoder(resolve_model("minilm"), device="cpu", precision=name)
        assert encoder.precision == name
        return encoder.encode_documents(TEXTS, [encoder.count_tokens(t) for t in TEXTS])

    reference, reduced = vectors("fp32"), vectors(precision)
    assert reduced.dtype == np.float32
    assert np.allclose(np.linalg.norm(reduced, axis=1), 1.0, atol=1e-5)
    assert (reference * reduced).sum(axis=1).min() > closest


def test_the_manifest_records_the_precision_an_index_was_built_with(tmp_path, minilm_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Retries\n\nFailed uploads are retried with backoff.\n")
    with Retriever.open(tmp_path / "index", model="minilm", precision="fp32") as retriever:
        retriever.index([corpus])
        assert retriever.store.manifest()["precision"] == "fp32"
