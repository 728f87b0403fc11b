"""Limit cycles through a Poincaré section."""

import numpy as np
import pytest

from sparseid.dynamics import periodic_orbit
from sparseid.systems import RotatingLinear


def hopf(t, x, omega=1.0):
    """The Hopf normal form dr/dt = r(1 − r²), dθ/dt = ω in Cartesian coordinates."""
    r2 = x[0] ** 2 + x[1] ** 2
    return np.array([x[0] * (1 - r2) - omega * x[1], x[1] * (1 - r2) + omega * x[0]])


@pytest.mark.parametrize("x0", [[0.1, 0.0], [2.0, 1.0]], ids=["inside", "outside"])
def test_hopf_normal_form_has_period_2_pi_and_amplitude_1(x0):
    cycle = periodic_orbit(hopf, x0)
    assert cycle.period == pytest.approx(2 * np.pi, abs=1e-10)  # measured 1.4e-12
    np.testing.assert_allclose(cycle.amplitude, 1.0, atol=3e-8)  # measured 2.8e-9
    np.testing.assert_allclose(cycle.center, 0.0, atol=1e-7)
    assert np.hypot(*cycle.section_point) == pytest.approx(1.0, abs=1e-8)


def test_period_follows_the_angular_speed_and_a_custom_section():
    cycle = periodic_orbit(
        lambda t, x: hopf(t, x, omega=2.5), [0.5, 0.5], normal=[0.0, 1.0], point=[0.0, 0.0]
    )
    assert cycle.period == pytest.approx(2 * np.pi / 2.5, abs=1e-10)  # measured 1.7e-11
    assert cycle.section_point[1] == pytest.approx(0.0, abs=1e-9)
    assert cycle.section_point[0] == pytest.approx(1.0, abs=1e-8)  # upward crossing: x > 0


def test_a_decaying_spiral_is_not_a_cycle():
    # The default section (through the transient's mean) is soon out of reach...
    with pytest.raises(ValueError, match="crossed the section 3 time"):
        periodic_orbit(RotatingLinear(), [2.0, 0.0], t_max=200.0)
    # ...one through the focus is crossed until the crossings agree: at the equilibrium.
    with pytest.raises(ValueError, match="settled on an equilibrium"):
        periodic_orbit(RotatingLinear(), [2.0, 0.0], point=[0.0, 0.0], t_max=400.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x0": [[0.1, 0.0]]}, "x0 must be a finite 1-D state"),
        ({"x0": [0.1, 0.0], "n_crossings": 1}, "n_crossings must be an integer ≥ 2"),
        ({"x0": [0.1, 0.0], "t_transient": 600.0}, "t_transient < t_max"),
        ({"x0": [0.1, 0.0], "normal": [0.0, 0.0]}, "normal must be a nonzero vector"),
    ],
)
def test_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        periodic_orbit(hopf, **kwargs)
