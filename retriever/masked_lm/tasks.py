"""ModernBERT's own tricks: fill-mask, label-word classification and cloze answers.

:class:`MaskedLM` turns requests into masked inputs and the model's answers into results. It is
light to create: the model (``retriever.masked_lm.model``, torch) loads on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from retriever.encoding.models import DEFAULT_MASKED_LM, resolve_masked_lm
from retriever.errors import InvalidQueryError
from retriever.masked_lm.model import MASK, MaskPredictor, Prediction

#: The most masks one fill-mask text may hold; each is predicted independently.
MAX_MASKS = 8
#: The most predictions per mask, or answers per cloze question.
MAX_PREDICTIONS = 100
#: The most labels one classification may choose between.
MAX_LABELS = 50
#: The prompt a text is classified in when no template is given: it reads naturally with
#: adjectives ("great", "urgent") and nouns ("billing", "sports") alike.
DEFAULT_TEMPLATE = "{text}\nIn one word: {mask}."
#: The cloze built from a question that holds no mask.
CLOZE_TEMPLATE = "Question: {question}\nAnswer: {mask}."


@dataclass(frozen=True, slots=True)
class FillMaskResult:
    """The predictions for each mask of ``text`` (in text order, best first), and ``filled``:
    the text with every mask replaced by its best token."""

    text: str
    filled: str
    masks: list[list[Prediction]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Classification:
    """The best label and every label's probability (they sum to 1), in the labels' order."""

    label: str
    scores: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ClozeAnswer:
    """``answer`` is the predicted word; ``token`` is it as the model spells it."""

    answer: str
    token: str
    probability: float


@dataclass(frozen=True, slots=True)
class ClozeResult:
    prompt: str
    answers: list[ClozeAnswer]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MaskedLM:
    """Fill-mask, classification and cloze answers with one masked language model: a hub id
    (default ``answerdotai/ModernBERT-base``; ``answerdotai/ModernBERT-large`` works too) or a
    local directory, found by the same rules as the encoder and never downloaded offline."""

    def __init__(
        self, model: str = DEFAULT_MASKED_LM, *, device: str = "auto", batch_tokens: int = 16384
    ) -> None:
        self.model_name = model
        self.device = device
        self.batch_tokens = batch_tokens
        self._model: MaskPredictor | None = None
        self._loading = threading.Lock()  # server threads asking at once load it once

    @property
    def model(self) -> MaskPredictor:
        with self._loading:
            if self._model is None:
                self._model = MaskPredictor(
                    resolve_masked_lm(self.model_name),
                    device=self.device,
                    batch_tokens=self.batch_tokens,
                )
        return self._model

    def fill_mask(self, text: str, k: int = 5) -> FillMaskResult:
        """The ``k`` likeliest tokens for each mask in ``text`` (``[MASK]`` or the model's own
        mask token; at most :data:`MAX_MASKS`), with their probabilities."""
        _check_text(text, "text")
        _check_k(k)
        model = self.model
        ids = model.token_ids(text)
        masks = len(model.mask_positions(ids))
        if masks == 0:
            raise InvalidQueryError(f"the text has no mask: put {MASK} where a word is missing")
        if masks > MAX_MASKS:
            raise InvalidQueryError(f"the text has {masks} masks; at most {MAX_MASKS} are allowed")
        predictions, filled = model.fill(ids, k)
        return FillMaskResult(text=text, filled=filled, masks=predictions)

    def classify(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        template: str | None = None,
        *,
        clip: bool = False,
    ) -> list[Classification]:
        """Which label word fits the ``{mask}`` of ``template`` (default
        :data:`DEFAULT_TEMPLATE`) best, for each text put at its ``{text}``.

        A label's score is the mean log-probability of its tokens with all of them masked
        (a one-token label: the log-probability of that token); the scores are turned into
        probabilities by a softmax over the labels. With ``clip``, a text too long for the
        model is cut to fit instead of refused."""
        if isinstance(texts, str) or not texts or not all(isinstance(t, str) for t in texts):
            raise InvalidQueryError("texts must be a non-empty list of strings")
        labels = check_labels(labels)
        before, after = split_template(template or DEFAULT_TEMPLATE)
        model = self.model
        if clip:
            overhead = model.count_tokens(
                before.replace("{text}", "") + max(labels, key=len) + after.replace("{text}", "")
            )
            # Two special tokens, and slack for tokens merging across the joins.
            room = max(model.max_tokens - overhead - 4, 1)
            texts = [model.clip(text, room) for text in texts]
        contexts = [(before.replace("{text}", t), after.replace("{text}", t)) for t in texts]
        scores = model.score_fills(contexts, labels)
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return [
            Classification(
                label=labels[int(row.argmax())],
                scores={label: round(float(p), 6) for label, p in zip(labels, row, strict=True)},
            )
            for row in probabilities
        ]

    def cloze(self, question: str, context: str | None = None, k: int = 5) -> ClozeResult:
        """The ``k`` likeliest one-word answers to ``question``: a sentence with one
        ``[MASK]`` ("Where was Einstein born? He was born in [MASK].") or a plain question,
        asked as :data:`CLOZE_TEMPLATE`. ``context``, when given, goes before it. Tokens
        without a letter or digit (punctuation, special tokens) are no answers."""
        _check_text(question, "question")
        _check_k(k)
        if context is not None and not isinstance(context, str):
            raise InvalidQueryError("context must be a string")
        model = self.model
        if MASK not in question and model.mask_token not in question:
            question = CLOZE_TEMPLATE.replace("{question}", question.strip())
            question = question.replace("{mask}", MASK)
        prompt = f"{context.strip()}\n{question}" if context and context.strip() else question
        ids = model.token_ids(prompt)
        if len(model.mask_positions(ids)) != 1:
            raise InvalidQueryError(f"a cloze question holds exactly one {MASK}")
        # Ask for more than k: some of the best tokens are punctuation.
        (predictions,), _ = model.fill(ids, min(4 * k + 20, len(model.tokenizer)))
        special = set(model.tokenizer.all_special_ids)
        answers = [
            ClozeAnswer(p.token.strip(), p.token, p.probability)
            for p in predictions
            if p.token_id not in special and any(c.isalnum() for c in p.token)
        ]
        return ClozeResult(prompt=prompt, answers=answers[:k])


def split_template(template: str) -> tuple[str, str]:
    """The template's text before and after its one ``{mask}``; it needs one ``{text}``."""
    if not isinstance(template, str) or template.count("{mask}") != 1:
        raise InvalidQueryError("the template needs exactly one {mask}")
    if template.count("{text}") != 1:
        raise InvalidQueryError("the template needs exactly one {text}")
    before, after = template.split("{mask}")
    return before, after


def check_labels(labels: Sequence[str]) -> list[str]:
    """Labels without surrounding spaces: at least 2, at most :data:`MAX_LABELS`, distinct."""
    if isinstance(labels, str) or not all(isinstance(label, str) for label in labels):
        raise InvalidQueryError("labels must be a list of strings")
    cleaned = [label.strip() for label in labels]
    if not 2 <= len(cleaned) <= MAX_LABELS:
        raise InvalidQueryError(f"give between 2 and {MAX_LABELS} labels")
    if not all(cleaned):
        raise InvalidQueryError("a label is empty")
    if len(set(cleaned)) != len(cleaned):
        raise InvalidQueryError("labels must be distinct")
    return cleaned


def _check_text(text: str, name: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise InvalidQueryError(f"the {name} is empty")


def _check_k(k: int) -> None:
    if not 1 <= k <= MAX_PREDICTIONS:
        raise InvalidQueryError(f"k must be between 1 and {MAX_PREDICTIONS}")
