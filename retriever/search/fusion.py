"""Reciprocal rank fusion: one ranking from several, using ranks only (scores of different
retrievers are not comparable)."""

from __future__ import annotations

from collections.abc import Sequence

#: The usual constant of Cormack et al. (2009): damps the weight of the very first ranks.
RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[tuple[int, float]]],
    limit: int,
    constant: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[int, float]]:
    """Fuse rankings of (id, score) pairs, best first, into the best ``limit`` (id, fused).

    Each ranking contributes ``weight / (constant + rank)`` (weights default to 1). Fused scores
    are scaled so that an item ranked first by every ranking scores 1.0.
    """
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (item, _) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (constant + rank)
    best = sum(weights) / (constant + 1)
    ranked = sorted(fused.items(), key=lambda pair: pair[1], reverse=True)[:limit]
    return [(item, score / best) for item, score in ranked]
