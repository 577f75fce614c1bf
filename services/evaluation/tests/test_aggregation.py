"""The three aggregation methods, worked out by hand on fixed examples (no database)."""

import math

import pytest

from evaluation.review.aggregation import Criterion, aggregate, rank, sheet_total, trimmed_mean

CRITERIA = [Criterion(1, weight=60, max_score=10), Criterion(2, weight=40, max_score=20)]


def test_sheet_total_is_the_weighted_share_of_the_maximum() -> None:
    # 100 · (60·8/10 + 40·10/20) / 100 = 48 + 20 = 68
    assert sheet_total({1: 8, 2: 10}, CRITERIA) == pytest.approx(68.0)


def test_sheet_with_an_unscored_criterion_has_no_total() -> None:
    assert sheet_total({1: 8}, CRITERIA) is None


def test_mean_of_three_experts() -> None:
    agg = aggregate([(1, 501, 70.0), (1, 502, 80.0), (1, 503, 90.0)], threshold=50)
    assert agg[1].mean == pytest.approx(80.0)
    assert agg[1].expert_count == 3


def test_trimmed_mean_keeps_everything_below_five_scores() -> None:
    assert trimmed_mean([10.0, 50.0, 90.0, 100.0]) == pytest.approx(62.5)


def test_trimmed_mean_drops_highest_and_lowest_from_five_scores() -> None:
    # 40, 60, 70, 80, 100 → 60, 70, 80 → 70 (the plain mean would be 70 as well; use a lopsided one)
    agg = aggregate([(1, e, t) for e, t in zip(range(5), [10.0, 60.0, 70.0, 80.0, 100.0], strict=True)], 100)
    assert agg[1].mean == pytest.approx(64.0)
    assert agg[1].trimmed_mean == pytest.approx(70.0)


def test_zscores_on_a_fixed_example() -> None:
    # Expert 1 scores nominations A=60, B=80 → μ=70, σ=10 → z(A)=-1, z(B)=+1
    # Expert 2 scores nominations A=90, B=70 → μ=80, σ=10 → z(A)=+1, z(B)=-1
    # Expert 3 scores only B=50 → σ=0 → contributes 0
    sheets = [(10, 1, 60.0), (11, 1, 80.0), (10, 2, 90.0), (11, 2, 70.0), (11, 3, 50.0)]
    agg = aggregate(sheets, threshold=25)
    assert agg[10].zscore == pytest.approx(0.0)  # (-1 + 1) / 2
    assert agg[11].zscore == pytest.approx(0.0)  # (1 - 1 + 0) / 3
    assert agg[10].mean == pytest.approx(75.0)
    assert agg[11].mean == pytest.approx(200 / 3)
    assert agg[10].spread == pytest.approx(30.0) and agg[10].disagreement
    assert agg[11].spread == pytest.approx(30.0)


def test_zscores_neutralise_an_expert_who_scores_everything_low() -> None:
    """Three nominations X, Y, Z. Two fair experts see X > Y > Z; a harsh expert agrees on the order but scores
    everything 40 points lower and only scores X and Z. With the mean, Y (not seen by the harsh expert) wins;
    with z-scores the harsh expert weighs the same and X wins."""
    fair = {"X": 85.0, "Y": 80.0, "Z": 60.0}
    harsh = {"X": 45.0, "Z": 20.0}
    ids = {"X": 1, "Y": 2, "Z": 3}
    sheets = [(ids[k], e, v) for e in (501, 502) for k, v in fair.items()]
    sheets += [(ids[k], 503, v) for k, v in harsh.items()]
    agg = aggregate(sheets, threshold=30)
    # by hand: mean(X) = (85+85+45)/3 = 71.67 < mean(Y) = 80
    assert agg[1].mean == pytest.approx(215 / 3)
    assert agg[2].mean == pytest.approx(80.0)
    assert rank(agg, ids.values(), "mean")[0][1] == 2
    # fair experts: μ = 75, σ = sqrt(((10)² + 5² + 15²)/3) = sqrt(350/3); harsh: μ = 32.5, σ = 12.5
    s = math.sqrt(350 / 3)
    z_x = (10 / s + 10 / s + 1.0) / 3
    z_y = (5 / s + 5 / s) / 2
    assert agg[1].zscore == pytest.approx(z_x)
    assert agg[2].zscore == pytest.approx(z_y)
    assert rank(agg, ids.values(), "zscore")[0][1] == 1
    assert agg[1].disagreement  # 85 vs 45
    assert not agg[2].disagreement


def test_ranking_puts_unscored_nominations_last_with_rank_zero() -> None:
    agg = aggregate([(1, 501, 50.0), (2, 501, 70.0)], threshold=50)
    assert [(r, n) for r, n, _ in rank(agg, [1, 2, 3], "mean")] == [(1, 2), (2, 1), (0, 3)]


def test_equal_scores_share_a_rank() -> None:
    agg = aggregate([(1, 501, 50.0), (2, 502, 50.0), (3, 503, 40.0)], threshold=50)
    assert [r for r, _, _ in rank(agg, [1, 2, 3], "mean")] == [1, 1, 3]
