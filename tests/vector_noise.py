"""What an index promises about its vectors, per precision: the one definition the tests use.

The same text encoded in another batch (an incremental run beside a from-scratch one, a Ray
actor beside a local run, another token budget) gives a unit vector within ``tolerance(p)``
(L2 distance) of the first, where ``p`` is the precision the encoder ran in. Matrix products of
other shapes add in another order: in fp32 that moves the last bits, in bf16 (8 bits of
mantissa) far more. The bound covers every score (``|q.a - q.b| <= ||a - b||`` for a unit query)
and every coordinate, so rankings are equal up to ties within it. The figures come from
``benchmarks/batch_noise.py`` (``benchmarks/results/batch-noise.json``; docs/benchmarks.md,
"Batch noise"): largest L2 distances measured with MiniLM on 991 chunks, 1.04e-6 in fp32 and
9.96e-3 in bf16, with about 10x and 2x headroom (bf16 moved no score by more than 0.0024).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retriever import Retriever

#: The largest L2 distance between two encodings of one text in different batches, by precision
#: (measured maximum, with headroom).
TOLERANCE = {"fp32": 1e-5, "bf16": 0.02}


def tolerance(precision: str) -> float:
    """The tolerance for ``precision`` (as an encoder or a manifest names it, never 'auto')."""
    if precision not in TOLERANCE:
        raise ValueError(f"no measured batch noise for precision {precision!r}")
    return TOLERANCE[precision]


def index_tolerance(index_dir: Path | str) -> float:
    """The tolerance of the precision an index was built with (its manifest records it)."""
    with Retriever.open(index_dir, create=False) as retriever:
        return tolerance(retriever.store.manifest()["precision"])


def same_vectors(got: np.ndarray, want: np.ndarray, precision: str) -> bool:
    """Whether two encodings of the same texts (one row each) agree up to batch noise."""
    return got.shape == want.shape and bool(
        (np.linalg.norm(got - want, axis=1) <= tolerance(precision)).all()
    )


def same_ranking(
    got: list[tuple[str, float]], want: list[tuple[str, float]], epsilon: float = TOLERANCE["fp32"]
) -> bool:
    """Equal top lists of (id, score), up to ``epsilon`` on every score: near-ties may swap,
    and so may the last place and the one after it."""
    if len(got) != len(want):
        return False
    if any(abs(g - w) > epsilon for (_, g), (_, w) in zip(got, want, strict=True)):
        return False
    cutoff = want[-1][1] + epsilon if want else 0
    sure = [{i for i, score in ranking if score > cutoff} for ranking in (got, want)]
    scores = dict(want)
    return sure[0] == sure[1] and all(
        abs(score - scores[i]) <= epsilon for i, score in got if i in scores
    )
