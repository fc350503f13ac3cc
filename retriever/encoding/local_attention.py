"""Sliding-window attention for ModernBERT's local layers, at a cost linear in input length;
and the choice of attention path per device.

Two of every three ModernBERT layers let a token see only the tokens within
``config.sliding_window`` (64) positions of it. Stock transformers computes those layers as full
attention under a band mask, so they cost as much as the global ones: O(length²). Here the
sequence is cut into blocks of ``window`` tokens; a block's queries can only see keys in the
block itself and its two neighbours, so each query scores 3 x window keys whatever the length.
The band and padding masks are then applied inside those 3 blocks, which gives exactly the stock
result (up to float rounding). Global layers keep transformers' SDPA path unchanged.

It plugs in through transformers' attention and mask interfaces under the name ``NAME``.
"""

from __future__ import annotations

import importlib.util

import torch
import torch.nn.functional as F
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

NAME = "retriever_blocked_local"


def blocked_window_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    window: int,
    scale: float,
    real: torch.Tensor | None = None,
) -> torch.Tensor:
    """Attention where position i sees the positions j with |i - j| <= ``window`` (and, with
    ``real`` (batch, length) bool, only real tokens). Inputs (batch, heads, length, head_dim);
    output (batch, length, heads, head_dim), the layout transformers' attention functions use."""
    batch, heads, length, dim = query.shape
    blocks = -(-length // window)
    tail = blocks * window - length
    # Query blocks, and key/value blocks padded by one empty block on each side so that block
    # b's neighbourhood is always blocks b, b+1, b+2 of the padded sequence. Blocks are folded
    # into the batch dimension: SDPA's fused kernels take 4-d inputs only (5-d inputs fall back
    # to its unfused path, several times slower, in bf16 most of all).
    queries = _folded(F.pad(query, (0, 0, 0, tail)).view(batch, heads, blocks, window, dim))
    keys = _folded(_neighbourhoods(F.pad(key, (0, 0, window, tail + window)), blocks, window))
    values = _folded(_neighbourhoods(F.pad(value, (0, 0, window, tail + window)), blocks, window))

    device = query.device
    query_positions = torch.arange(blocks * window, device=device).view(blocks, window, 1)
    key_positions = (
        torch.arange(blocks, device=device).view(blocks, 1, 1) * window
        - window
        + torch.arange(3 * window, device=device).view(1, 1, 3 * window)
    )
    distance = query_positions - key_positions  # (blocks, window, 3 * window)
    real = torch.ones(batch, length, dtype=torch.bool, device=device) if real is None else real
    real_keys = _neighbourhoods(
        F.pad(real, (window, tail + window), value=False).view(batch, 1, -1, 1), blocks, window
    ).view(batch, blocks, 1, 3 * window)
    # Every query sees itself, so no row is all masked (padding rows would turn into NaN).
    allowed = ((distance.abs() <= window) & real_keys) | (distance == 0)
    allowed = allowed.view(batch * blocks, 1, window, 3 * window)  # the same for every head
    out = F.scaled_dot_product_attention(queries, keys, values, attn_mask=allowed, scale=scale)
    # (batch * blocks, heads, window, dim) -> (batch, length, heads, dim)
    out = out.view(batch, blocks, heads, window, dim).transpose(2, 3)
    return out.reshape(batch, blocks * window, heads, dim)[:, :length].contiguous()


def _folded(blocked: torch.Tensor) -> torch.Tensor:
    """(batch, heads, blocks, n, dim) -> (batch * blocks, heads, n, dim)."""
    batch, heads, blocks, n, dim = blocked.shape
    return blocked.transpose(1, 2).reshape(batch * blocks, heads, n, dim)


def _neighbourhoods(padded: torch.Tensor, blocks: int, window: int) -> torch.Tensor:
    """(batch, heads, (blocks + 2) * window, dim) -> (batch, heads, blocks, 3 * window, dim):
    each block's keys together with those of the blocks on either side."""
    batch, heads, _, dim = padded.shape
    grouped = padded.view(batch, heads, blocks + 2, window, dim)
    return torch.cat([grouped[:, :, :-2], grouped[:, :, 1:-1], grouped[:, :, 2:]], dim=3)


def attention(module, query, key, value, attention_mask, scaling=None, **kwargs):
    """transformers attention function: blocked windows for local layers, SDPA for global."""
    if getattr(module, "sliding_window", None) is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling)
    scale = scaling if scaling is not None else query.shape[-1] ** -0.5
    window = module.config.sliding_window
    return blocked_window_attention(query, key, value, window, scale, attention_mask), None


def mask(*, attention_mask=None, local_size=None, **kwargs):
    """transformers mask function: local layers get just the (batch, length) padding mask
    (None without padding), which ``attention`` turns into windows; global layers get SDPA's."""
    if local_size is None:
        return sdpa_mask(attention_mask=attention_mask, **kwargs)
    if attention_mask is None or bool(attention_mask.all()):
        return None
    return attention_mask


AttentionInterface.register(NAME, attention)
ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, mask)


def use_blocked_local_attention(model: torch.nn.Module) -> bool:
    """Switch every ModernBERT inside ``model`` to blocked local attention; whether any was."""
    return _set_attention(model, NAME)


def choose_attention(model: torch.nn.Module, device: str) -> str | None:
    """The attention path for the ModernBERTs in ``model`` on ``device`` (None: not one):
    blocked local windows on CPU; on CUDA FlashAttention 2, whose variable-length kernel skips
    padding altogether, where the flash_attn package is installed, else transformers' SDPA."""
    if device == "cpu":
        name = NAME
    elif device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        name = "flash_attention_2"
    else:
        name = "sdpa"
    return name if _set_attention(model, name) else None


def _set_attention(model: torch.nn.Module, name: str) -> bool:
    switched = False
    for module in model.modules():
        config = getattr(module, "config", None)
        if getattr(config, "model_type", None) == "modernbert" and hasattr(
            module, "set_attn_implementation"
        ):
            module.set_attn_implementation(name)
            switched = True
    return switched
