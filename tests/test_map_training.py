"""omega_limit_loss (backprop through map iterations) and map_fold."""

import numpy as np
import pytest

from sparseid.dynamics import map_fold, omega_limit, omega_limit_loss, orbit_period
from sparseid.systems import SigmoidMap


@pytest.mark.parametrize(("c", "b"), [(1.0, 0.4), (10.0, 0.25), (10.0, 0.5)])
def test_gradient_matches_central_differences(c, b):
    f = SigmoidMap(a=0.8, b=b, c=c)
    target = [-0.3, 0.1]
    result = omega_limit_loss(f, 0.1, target, n_transient=300, n_keep=12)
    for name in ("a", "b", "c"):
        value = getattr(f, name)
        step = 1e-7 * max(1.0, float(value))
        up = omega_limit_loss(
            f.with_params(**{name: value + step}), 0.1, target, n_transient=300, n_keep=12
        )
        down = omega_limit_loss(
            f.with_params(**{name: value - step}), 0.1, target, n_transient=300, n_keep=12
        )
        fd = (up.loss - down.loss) / (2 * step)
        assert result.gradient[name] == pytest.approx(fd, rel=1e-4, abs=1e-8), name


def test_loss_is_smooth_with_a_bounded_derivative_for_c_1():
    """c = 1: a contraction (|f'| ≤ 0.8), one fixed point x*(b) with dx*/db = 1/(1 − f') ≤ 5."""
    f = SigmoidMap(a=0.8, c=1.0)
    b = np.linspace(-0.25, 1.25, 301)
    target = omega_limit(f, 0.1, {"b": [0.25]}, 500, 5)[0]
    result = omega_limit_loss(f.with_params(b=b), 0.1, target, n_transient=500, n_keep=20)
    grad = result.gradient["b"]
    assert np.all(np.isfinite(grad))
    # |dL/db| = 4 |x* − y| |dx*/db| ≤ 4 · 5 · max|x* − y|
    assert np.all(np.abs(grad) <= 20 * np.sqrt(result.loss / 2) + 1e-9)
    # smooth: the gradient agrees with the loss's own differences everywhere on the grid
    np.testing.assert_allclose(np.gradient(result.loss, b)[1:-1], grad[1:-1], rtol=2e-2, atol=1e-3)


def test_fold_and_the_exponent_of_the_gradient_there():
    f = SigmoidMap(a=0.8, c=10.0)
    b_star, _x_star = map_fold(f, "b", (0.19, 0.21), 3)
    above = omega_limit(f, 0.1, {"b": [b_star + 1e-6]}, 20000, 12)
    below = omega_limit(f, 0.1, {"b": [b_star - 1e-4]}, 20000, 12)
    assert orbit_period(above[0], tol=1e-6) == 3
    assert orbit_period(below[0], tol=1e-6) != 3
    target = omega_limit(f, 0.1, {"b": [0.25]}, 2000, 60)[0]
    delta = np.logspace(-7, -4, 5)
    near = omega_limit_loss(f.with_params(b=b_star + delta), 0.1, target, n_transient=20000)
    slope = np.polyfit(np.log(delta), np.log(np.abs(near.gradient["b"])), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.1)


def test_bad_arguments_raise():
    f = SigmoidMap(a=0.8, c=1.0)
    with pytest.raises(ValueError, match="target"):
        omega_limit_loss(f, 0.1, [])
    with pytest.raises(ValueError, match="x0"):
        omega_limit_loss(f, np.nan, [0.0])
    with pytest.raises(ValueError, match="bracket"):
        map_fold(SigmoidMap(a=0.8, c=10.0), "b", (0.21, 0.22), 3)
