"""The sigmoid map: values, derivative, broadcasting over parameters, bad input."""

import numpy as np
import pytest

from sparseid.systems import SigmoidMap


def test_step_map_values_and_heaviside_at_zero():
    f = SigmoidMap(a=0.8, b=0.25)
    # H(0) = 1: the step switches on at zero itself.
    np.testing.assert_allclose(f([-1.0, 0.0, 1.0]), [-0.8 + 0.25, 0.25 - 1.0, 0.8 - 1.0 + 0.25])


def test_smoothed_map_tends_to_the_step_map_away_from_zero():
    x = np.array([-0.5, -0.01, 0.01, 0.5])
    step = SigmoidMap(b=0.3)(x)
    np.testing.assert_allclose(SigmoidMap(b=0.3, c=1e4)(x), step, atol=1e-12)
    # c = 1 is far from the step: tanh(0.5)/2 = 0.23 away at x = 0.5.
    assert np.max(np.abs(SigmoidMap(b=0.3, c=1.0)(x) - step)) > 0.2


def test_derivative_matches_finite_differences():
    f = SigmoidMap(a=0.8, b=0.1, c=5.0)
    x = np.linspace(-2, 2, 41)
    h = 1e-6
    np.testing.assert_allclose(f.derivative(x), (f(x + h) - f(x - h)) / (2 * h), atol=1e-8)
    np.testing.assert_allclose(SigmoidMap(a=0.7).derivative(x), 0.7)  # the step map: a
    # Large c x: no overflow, the derivative is a.
    assert SigmoidMap(a=0.8, c=1e6).derivative(1.0) == pytest.approx(0.8)


def test_parameters_broadcast_and_iterate_matches_repeated_steps():
    b = np.linspace(-0.5, 1.5, 7)
    f = SigmoidMap(a=0.8, b=b, c=10.0)
    orbit = f.iterate(0.1, 5)
    assert orbit.shape == (6, 7)
    x = np.full(7, 0.1)
    for k in range(5):
        x = np.array([SigmoidMap(0.8, bi, 10.0)(xi) for bi, xi in zip(b, x)])
        np.testing.assert_allclose(orbit[k + 1], x, rtol=1e-15)


def test_with_params_replaces_only_what_is_given():
    g = SigmoidMap(a=0.5, b=0.2, c=3.0).with_params(b=[0.0, 1.0])
    assert float(g.a) == 0.5 and float(g.c) == 3.0 and g.shape == (2,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"c": 0.0}, "c must be positive"),
        ({"c": -1.0}, "c must be positive"),
        ({"a": np.nan}, "a must be finite"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SigmoidMap(**kwargs)


def test_bad_iterate_and_with_params_raise():
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        SigmoidMap().iterate(0.0, -1)
    with pytest.raises(ValueError, match="unknown parameter"):
        SigmoidMap().with_params(d=1.0)
