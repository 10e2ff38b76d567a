"""Agreement statistics for a future calibration set, checked against hand-computed values."""

import pytest

from services.feedback.calibration import quadratic_weighted_kappa, spearman, to_scale


def test_spearman_orders_and_ties():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / (4.5 * 5) ** 0.5)


def test_quadratic_weighted_kappa_known_values():
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 1, 5) == pytest.approx(1.0)
    # One rater always one point higher: sum(w*O) = 4/16, sum(w*E) = 56/16/4, kappa = 1 - 0.25/0.875 = 5/7.
    assert quadratic_weighted_kappa([1, 2, 3, 4], [2, 3, 4, 5], 1, 5) == pytest.approx(5 / 7)
    assert quadratic_weighted_kappa([1, 5, 1, 5], [5, 1, 5, 1], 1, 5) < 0
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([0], [1], 1, 5)


def test_scores_map_onto_a_rating_scale():
    assert [to_scale(s) for s in (0, 19.9, 20, 59, 99, 100)] == [1, 1, 2, 3, 5, 5]
