"""Late chunking: chunk vectors pooled from whole-file windows, so each carries its file's context.

A file's chunks are grouped, in order, into windows of as many tokens as the model's position
table allows (8,192 for ModernBERT, 512 for MiniLM); each window is encoded once, and each
chunk's vector is the mean of its own tokens' embeddings (Günther et al., 2024, "Late Chunking").
A chunk's vector key covers its window's whole text, so an edit re-encodes the windows whose
text changed and no others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from indexers.chunk import Chunk, content_hash
from retriever.encoding.encoder import Encoder
from retriever.errors import ModelError


@dataclass(frozen=True, slots=True)
class Window:
    """Consecutive chunks of one file, encoded together."""

    chunks: Sequence[Chunk]

    @property
    def text(self) -> str:
        return "".join(chunk.text for chunk in self.chunks)

    @property
    def keys(self) -> list[str]:
        """One vector key per chunk: the window's text and the chunk's place in it."""
        window = content_hash(self.text)
        return [
            content_hash(f"late\0{window}\0{position}\0{chunk.content_hash}")
            for position, chunk in enumerate(self.chunks)
        ]

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Each chunk's character range in the window's text."""
        ends = list(accumulate(len(chunk.text) for chunk in self.chunks))
        return list(zip([0, *ends[:-1]], ends, strict=True))


def check_pooling(encoder: Encoder) -> None:
    """Late chunking pools token spans by their mean: right for mean-pooling models only."""
    fingerprint = encoder.fingerprint
    if fingerprint.pooling != "mean":
        raise ModelError(
            f"late chunking needs a mean-pooling model; {fingerprint.model!r} pools by "
            f"{fingerprint.pooling!r}: index without --late-chunking"
        )


def windows(chunks: Sequence[Chunk], limit: int, count: Callable[[str], int]) -> list[Window]:
    """Group a file's chunks greedily into windows of at most ``limit`` tokens (as ``count``
    measures a window's text, special tokens and prefix included)."""
    overhead = count("")  # paid once per window, but once per chunk in each token_count
    out: list[Window] = []
    start = 0
    while start < len(chunks):
        end, estimate = start + 1, chunks[start].token_count
        while end < len(chunks) and estimate + chunks[end].token_count - overhead <= limit:
            estimate += chunks[end].token_count - overhead
            end += 1
        # Tokens can merge across chunk boundaries: check the real count, give back chunks.
        while end - start > 1 and count(Window(chunks[start:end]).text) > limit:
            end -= 1
        out.append(Window(chunks[start:end]))
        start = end
    return out


def encode(encoder: Encoder, window: Window) -> np.ndarray:
    """The window's chunk vectors, one row per chunk."""
    return encoder.encode_spans(window.text, window.spans)
