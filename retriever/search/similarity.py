"""Cosine similarities between texts, with any function that gives unit-length vectors."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retriever.errors import InvalidQueryError

#: Texts -> one unit-length row per text.
Embed = Callable[[list[str]], np.ndarray]


def cosine_similarities(
    embed: Embed,
    texts: Sequence[str] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
) -> np.ndarray:
    """For ``texts``, the square matrix of their similarities; for ``pairs``, one similarity
    per pair. Each distinct text is encoded once."""
    if (texts is None) == (pairs is None):
        raise InvalidQueryError("give either texts or pairs")
    if texts is not None and len(texts) < 2:
        raise InvalidQueryError("give at least two texts to compare")
    if pairs is not None and not all(len(pair) == 2 for pair in pairs):
        raise InvalidQueryError("each pair holds exactly two texts")
    given = list(texts) if texts is not None else [text for pair in pairs or () for text in pair]
    if not given or not all(isinstance(text, str) and text.strip() for text in given):
        raise InvalidQueryError("the texts must be non-empty strings")
    distinct = list(dict.fromkeys(given))
    vectors = embed(distinct)
    row = {text: number for number, text in enumerate(distinct)}
    if pairs is not None:
        scores = np.array([vectors[row[a]] @ vectors[row[b]] for a, b in pairs])
    else:
        chosen = vectors[[row[text] for text in given]]
        scores = chosen @ chosen.T
    # Rounding can take a text's similarity to itself a hair past 1.
    return np.clip(scores, -1.0, 1.0)
