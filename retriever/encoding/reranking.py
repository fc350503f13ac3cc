"""Reranking: a cross-encoder reads the query with each of the best candidates of a search and
re-scores them. Optional and slower than the search itself; torch is imported on first use.

Any sentence-transformers ``CrossEncoder`` works; the model is found as an encoder is (a local
directory, or a hub id from the local cache or the hub) but nothing is bundled for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retriever.encoding.models import BUNDLED_ALIASES, BUNDLED_MODEL, LOADING, resolve_model
from retriever.errors import ModelError

#: Pairs scored in one forward pass.
BATCH_SIZE = 16


#: How to pick another cross-encoder, said by every error of loading one.
CHOOSE = (
    "pick a cross-encoder (a hub id or a local directory) with the rerank_model setting: "
    "RETRIEVER_RERANK_MODEL, or --rerank-model on the command line"
)


class Reranker:
    def __init__(self, spec: str, device: str = "auto") -> None:
        from sentence_transformers import CrossEncoder
        from transformers.utils import logging as transformers_logging

        from retriever.encoding.encoder import pick_device

        transformers_logging.disable_progress_bar()

        if spec in {"auto", BUNDLED_MODEL, *BUNDLED_ALIASES}:
            raise ModelError(f"no reranker is bundled ({spec!r} is not a cross-encoder): {CHOOSE}")
        try:
            resolved = resolve_model(spec)
        except ModelError as error:
            raise ModelError(f"reranker unavailable: {error}; {CHOOSE}") from None
        try:
            with LOADING:
                self.model = CrossEncoder(
                    str(resolved.path), device=pick_device(device), local_files_only=True
                )
        except Exception as error:  # not a cross-encoder, or damaged weights: one clear line
            raise ModelError(
                f"cannot load reranker {resolved.name!r}: {error}; {CHOOSE}"
            ) from error
        self.name = resolved.name

    def scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """The cross-encoder's relevance score of each text for ``query`` (higher is better)."""
        if not texts:
            return np.empty(0, dtype=np.float32)
        pairs = [(query, text) for text in texts]
        scores = self.model.predict(pairs, batch_size=BATCH_SIZE, show_progress_bar=False)
        return np.asarray(scores, dtype=np.float32).reshape(len(texts))

    def rerank(self, query: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Search result rows re-ordered by relevance score, which replaces their score."""
        scores = self.scores(query, [row["text"] for row in rows])
        order = sorted(range(len(rows)), key=lambda i: scores[i], reverse=True)
        return [{**rows[i], "score": float(scores[i])} for i in order]
