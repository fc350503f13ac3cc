"""Blocked local attention gives ModernBERT's stock outputs, long inputs and padding included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from retriever.encoding.encoder import SentenceTransformerEncoder
from retriever.encoding.local_attention import NAME, blocked_window_attention, choose_attention
from retriever.encoding.models import resolve_model

SENTENCE = "The uploader retries a failed part with exponential backoff and jitter.\n"


@pytest.mark.parametrize("length", [1, 5, 64, 65, 200, 1000])
def test_blocked_windows_equal_a_band_masked_full_attention(length: int) -> None:
    torch.manual_seed(length)
    query, key, value = (torch.randn(2, 3, length, 8) for _ in range(3))
    real = torch.ones(2, length, dtype=torch.bool)
    real[1, length // 2 + 1 :] = False  # the second sequence is padded
    window = 16
    positions = torch.arange(length)
    band = (positions[:, None] - positions[None, :]).abs() <= window
    allowed = band & real[:, None, None, :]
    expected = F.scaled_dot_product_attention(query, key, value, attn_mask=allowed, scale=0.3)
    got = blocked_window_attention(query, key, value, window, 0.3, real)
    kept = real[:, :, None, None].expand_as(got)  # padding rows are don't-care
    assert torch.allclose(got[kept], expected.transpose(1, 2)[kept], atol=1e-5)
    assert not got.isnan().any()


@pytest.fixture(scope="module")
def encoders(tiny_modernbert: Path):
    blocked = SentenceTransformerEncoder(resolve_model(str(tiny_modernbert)), device="cpu")
    stock = SentenceTransformerEncoder(resolve_model(str(tiny_modernbert)), device="cpu")
    stock.model[0].auto_model.set_attn_implementation("sdpa")
    return blocked, stock


def test_the_encoder_uses_blocked_local_attention_on_cpu(encoders) -> None:
    blocked, stock = encoders
    assert blocked.attention == NAME
    assert stock.model[0].auto_model.config._attn_implementation == "sdpa"


def test_long_inputs_encode_as_with_stock_attention(encoders) -> None:
    blocked, stock = encoders
    # Mixed lengths in one batch (padding) up to ~4,000 tokens: far beyond the 64-token window.
    texts = [SENTENCE * n for n in (250, 3, 90, 1)]
    counts = [blocked.count_tokens(t) for t in texts]
    assert max(counts) > 3000
    batched_blocked = blocked.encode_documents(texts, counts)
    batched_stock = stock.encode_documents(texts, counts)
    assert np.abs(batched_blocked - batched_stock).max() < 1e-5
    hidden = {}
    for name, encoder in {"blocked": blocked, "stock": stock}.items():
        features = encoder.model.tokenize(texts[:1])
        with torch.inference_mode():
            hidden[name] = encoder.model[0].auto_model(**features).last_hidden_state
    assert (hidden["blocked"] - hidden["stock"]).abs().max() < 1e-4


def test_a_model_other_than_modernbert_keeps_its_attention(minilm_dir) -> None:
    encoder = SentenceTransformerEncoder(resolve_model("minilm"), device="cpu")
    assert encoder.attention is None
    assert choose_attention(encoder.model, "cpu") is None
