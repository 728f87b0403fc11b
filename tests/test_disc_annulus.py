"""make_disc_annulus and disc_annulus_margin."""

import numpy as np
import pytest

from sparseid.datasets import disc_annulus_margin, make_disc_annulus


def test_points_fill_the_disc_and_the_annulus_in_equal_numbers():
    X, y = make_disc_annulus(301, r_disc=0.5, r_inner=1.0, r_outer=1.5, random_state=3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert X.shape == (301, 2) and set(y.tolist()) == {0, 1}
    assert np.sum(y == 0) == 151 and np.sum(y == 1) == 150
    assert r[y == 0].max() <= 0.5 and 1.0 <= r[y == 1].min() and r[y == 1].max() <= 1.5
    # uniform in area: half of the disc's points lie inside radius 0.5 / sqrt(2)
    assert np.mean(r[y == 0] < 0.5 / np.sqrt(2)) == pytest.approx(0.5, abs=0.1)
    again = make_disc_annulus(301, r_disc=0.5, r_inner=1.0, r_outer=1.5, random_state=3)
    np.testing.assert_array_equal(X, again[0])


def test_margin_of_known_scores():
    assert disc_annulus_margin(lambda p: np.hypot(p[:, 0], p[:, 1])).margin == pytest.approx(0.25)
    result = disc_annulus_margin(lambda p: p[:, 0] + 2 * p[:, 1])
    # a linear score: min over the annulus −2√5, max over the disc √5
    assert result.margin == pytest.approx(-3 * np.sqrt(5), rel=1e-9)
    np.testing.assert_allclose(result.annulus_argmin, -2 * np.array([1, 2]) / np.sqrt(5), atol=1e-6)


def test_margin_finds_an_arc_much_thinner_than_the_grid():
    """A radial score with a dip 1e-4 rad wide (the grid's spacing is 6e-3 rad)."""

    def score(p):
        angle = np.arctan2(p[:, 1], p[:, 0])
        dip = 2.0 * np.exp(-(((angle - 0.3001) / 1e-4) ** 2))
        return np.hypot(p[:, 0], p[:, 1]) - dip

    result = disc_annulus_margin(score)
    assert result.margin == pytest.approx(1.25 - 2.0 - 1.0, abs=1e-6)
    assert np.arctan2(*result.annulus_argmin[::-1]) == pytest.approx(0.3001, abs=1e-6)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="r_disc < r_inner < r_outer"):
        make_disc_annulus(10, r_disc=1.5)
    with pytest.raises(TypeError, match="n_samples"):
        make_disc_annulus(10.5)
    with pytest.raises(TypeError, match="callable"):
        disc_annulus_margin(3.0)
    with pytest.raises(ValueError, match="one finite value per point"):
        disc_annulus_margin(lambda p: np.full(len(p), np.nan))
