"""Token-budgeted batches: similar lengths together, so padding wastes little compute."""

from __future__ import annotations

from collections.abc import Sequence


def plan_batches(token_counts: Sequence[int], budget: int) -> list[list[int]]:
    """Group item indices into batches whose padded size (items x longest) fits ``budget``.

    Items are taken longest first, so each batch holds items of similar length; an item
    longer than the budget on its own still gets a batch of one.
    """
    order = sorted(range(len(token_counts)), key=lambda i: token_counts[i], reverse=True)
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # Longest first: the batch's padded length is that of its first item.
        longest = token_counts[current[0]] if current else token_counts[index]
        if current and (len(current) + 1) * longest > budget:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches
