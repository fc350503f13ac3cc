"""The masked language model: predicts the tokens behind masks and scores candidate fills.

With ``encoder.py``, the only module importing torch and transformers, and only once a masked
LM is loaded, so ``retriever --help`` and ``retriever status`` stay light.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retriever.encoding.batching import plan_batches
from retriever.encoding.encoder import pick_device
from retriever.encoding.models import LOADING, ResolvedModel
from retriever.errors import InvalidQueryError, ModelError

#: The mask every text may use, whatever the model's own mask token is (``<mask>``, ...).
MASK = "[MASK]"


@dataclass(frozen=True, slots=True)
class Prediction:
    """A candidate token for one mask. ``token`` is decoded as the model spells it, so a word
    that follows a space keeps it (ModernBERT predicts ``" Paris"``, not ``"Paris"``)."""

    token: str
    token_id: int
    probability: float


class MaskPredictor:
    """Any Hugging Face masked LM with a fast tokenizer (ModernBERT, BERT, RoBERTa, ...)."""

    def __init__(
        self, resolved: ResolvedModel, *, device: str = "auto", batch_tokens: int = 16384
    ) -> None:
        from transformers import AutoModelForMaskedLM, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        try:
            with LOADING:
                tokenizer = AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True)
                model, loading = AutoModelForMaskedLM.from_pretrained(
                    str(resolved.path), local_files_only=True, output_loading_info=True
                )
        except Exception as error:  # no config, unknown architecture, damaged weights
            message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise ModelError(f"cannot load masked LM {resolved.name!r}: {message}") from None
        if loading["missing_keys"]:
            # A sentence encoder's directory loads, but with a randomly initialised head.
            raise ModelError(
                f"{resolved.name!r} has no masked-LM head (it lacks "
                f"{sorted(loading['missing_keys'])[0]}): is it a sentence encoder?"
            )
        if tokenizer.mask_token_id is None or not tokenizer.is_fast:
            raise ModelError(f"{resolved.name!r} needs a fast tokenizer with a mask token")
        self.name = resolved.name
        self.tokenizer = tokenizer
        self.mask_token: str = tokenizer.mask_token
        self.max_tokens = int(min(tokenizer.model_max_length, model.config.max_position_embeddings))
        # Lengths are checked here, with a clear error; the tokenizer's warning would be noise.
        tokenizer.model_max_length = sys.maxsize
        self.batch_tokens = batch_tokens
        self.model = model.to(pick_device(device)).eval()
        # The vocabulary projection is the costliest layer on short inputs: a pre-hook feeds
        # it only the positions asked about. Its state makes forward passes one at a time.
        self._lock = threading.Lock()
        self._selected = None
        decoder = model.get_output_embeddings()
        self._hooked = decoder is not None
        if self._hooked:
            decoder.register_forward_pre_hook(self._only_selected)

    # -- tokens ---------------------------------------------------------------------------------
    def token_ids(self, text: str) -> list[int]:
        """The model's input for ``text`` (special tokens included); ``[MASK]`` is a mask."""
        if self.mask_token != MASK:
            text = text.replace(MASK, self.mask_token)
        return self.tokenizer(text, truncation=False)["input_ids"]

    def mask_positions(self, ids: Sequence[int]) -> list[int]:
        return [i for i, token in enumerate(ids) if token == self.tokenizer.mask_token_id]

    def clip(self, text: str, tokens: int) -> str:
        """The longest start of ``text`` that takes at most ``tokens`` tokens."""
        offsets = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)[
            "offset_mapping"
        ]
        return text if len(offsets) <= tokens else text[: offsets[max(tokens, 1) - 1][1]]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # -- predictions ----------------------------------------------------------------------------
    def fill(self, ids: Sequence[int], k: int) -> tuple[list[list[Prediction]], str]:
        """The ``k`` likeliest tokens for each mask of ``ids``, best first, and the text with
        every mask replaced by its likeliest token."""
        self._check_length(ids, "the text")
        positions = self.mask_positions(ids)
        (log_probs,) = self._log_probs([list(ids)], [positions])
        top = log_probs.topk(min(k, log_probs.shape[-1]), dim=-1)
        masks = [
            [
                Prediction(self.tokenizer.decode([token]), token, round(float(value.exp()), 6))
                for value, token in zip(values, tokens.tolist(), strict=True)
            ]
            for values, tokens in zip(top.values, top.indices, strict=True)
        ]
        filled = list(ids)
        for position, predictions in zip(positions, masks, strict=True):
            filled[position] = predictions[0].token_id
        return masks, self.tokenizer.decode(filled, skip_special_tokens=True)

    def score_fills(self, contexts: Sequence[tuple[str, str]], fills: Sequence[str]) -> np.ndarray:
        """How well each fill fits the gap of each ``(before, after)`` context: the mean
        log-probability of the fill's tokens, all of them masked at once. Shape
        ``(len(contexts), len(fills))``.

        The fill is tokenized in place (``before + fill + after``) and its tokens replaced by
        masks, so leading spaces and word pieces are exactly what the model would see; fills
        with the same masked input share one forward pass (all one-token labels do)."""
        texts, spans = [], []
        for before, after in contexts:
            for fill in fills:
                texts.append(before + fill + after)
                spans.append((len(before), len(before) + len(fill)))
        encodings = self.tokenizer(
            texts, truncation=False, return_offsets_mapping=True, return_special_tokens_mask=True
        )
        # (masked input, label positions) -> its number: equal inputs share a forward pass.
        inputs: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        targets: list[tuple[int, list[int]]] = []
        for number, (start, end) in enumerate(spans):
            ids = encodings["input_ids"][number]
            special = encodings["special_tokens_mask"][number]
            positions = tuple(
                position
                for position, (first, last) in enumerate(encodings["offset_mapping"][number])
                if not special[position] and first < end and last > start
            )
            if not positions:
                raise InvalidQueryError(f"label {fills[number % len(fills)]!r} has no tokens")
            self._check_length(ids, f"text {number // len(fills)} in its template")
            masked = list(ids)
            for position in positions:
                masked[position] = self.tokenizer.mask_token_id
            index = inputs.setdefault((tuple(masked), positions), len(inputs))
            targets.append((index, [ids[position] for position in positions]))
        log_probs = self._log_probs(
            [list(masked) for masked, _ in inputs], [list(positions) for _, positions in inputs]
        )
        scores = [
            float(log_probs[index].gather(1, _column(tokens)).mean()) for index, tokens in targets
        ]
        return np.array(scores, dtype=np.float64).reshape(len(contexts), len(fills))

    # -- internals ------------------------------------------------------------------------------
    def _check_length(self, ids: Sequence[int], what: str) -> None:
        if len(ids) > self.max_tokens:
            raise InvalidQueryError(
                f"{what} takes {len(ids)} tokens; the model reads at most {self.max_tokens}"
            )

    def _log_probs(self, sequences: list[list[int]], positions: list[list[int]]) -> list:
        """Log-probabilities over the vocabulary at ``positions`` of each sequence: one
        ``(len(positions[i]), vocabulary)`` tensor per sequence."""
        import torch

        results: list = [None] * len(sequences)
        pad = self.tokenizer.pad_token_id or 0
        for batch in plan_batches([len(s) for s in sequences], self.batch_tokens):
            longest = max(len(sequences[i]) for i in batch)
            ids = torch.full((len(batch), longest), pad, dtype=torch.long)
            attention = torch.zeros((len(batch), longest), dtype=torch.long)
            selected = torch.zeros((len(batch), longest), dtype=torch.bool)
            for row, i in enumerate(batch):
                ids[row, : len(sequences[i])] = torch.tensor(sequences[i])
                attention[row, : len(sequences[i])] = 1
                selected[row, positions[i]] = True
            device = self.model.device
            with self._lock, torch.inference_mode():
                self._selected = selected.to(device)
                try:
                    logits = self.model(
                        input_ids=ids.to(device), attention_mask=attention.to(device)
                    ).logits
                finally:
                    self._selected = None
            if not self._hooked:
                logits = logits[selected.to(device)]
            rows = torch.log_softmax(logits.float(), dim=-1).cpu()
            # Selected rows come in row-major order: by batch row, then by position.
            counts = [len(positions[i]) for i in batch]
            for i, part in zip(batch, rows.split(counts), strict=True):
                results[i] = part
        return results

    def _only_selected(self, module, inputs: tuple) -> tuple:
        hidden = inputs[0]
        if self._selected is None or hidden.dim() != 3:
            return inputs
        return (hidden[self._selected], *inputs[1:])


def _column(tokens: list[int]):
    import torch

    return torch.tensor(tokens, dtype=torch.long).unsqueeze(1)
