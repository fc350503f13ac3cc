"""Reciprocal rank fusion on hand-computed cases."""

from __future__ import annotations

import pytest

from retriever.search.fusion import reciprocal_rank_fusion


def test_equal_weights_reward_agreement_and_scale_a_unanimous_first_to_one() -> None:
    dense = [(1, 0.9), (2, 0.8), (3, 0.1)]
    lexical = [(1, 12.0), (3, 9.0)]
    fused = reciprocal_rank_fusion([dense, lexical], 3, constant=10)
    assert [item for item, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1.0)
    assert fused[1][1] == pytest.approx((1 / 13 + 1 / 12) / (2 / 11))


def test_weights_tilt_the_fusion_towards_one_ranking() -> None:
    dense = [(1, 0.9), (2, 0.8)]
    lexical = [(2, 5.0), (1, 4.0)]
    assert reciprocal_rank_fusion([dense, lexical], 1, 10, [2.0, 1.0])[0][0] == 1
    assert reciprocal_rank_fusion([dense, lexical], 1, 10, [1.0, 2.0])[0][0] == 2
    best = reciprocal_rank_fusion([dense, dense], 1, 10, [0.5, 1.5])[0][1]
    assert best == pytest.approx(1.0)
