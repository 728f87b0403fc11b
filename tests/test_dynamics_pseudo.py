"""Pseudo-equilibria of switched (Filippov) systems."""

import numpy as np
import pytest

from sparseid.dynamics import pseudo_equilibria
from sparseid.switched import SwitchedSystem

BOX = ([-3.0, -3.0], [3.0, 3.0])


def relay(sign):
    """h = x; f⁻ = sign·(1, ·), f⁺ = sign·(−3, ·): both push into x = 0 when sign = +1."""

    def field(t, x, s):
        if s[0] < 0:
            return np.array([sign * 1.0, 2.0 - x[1]])
        return np.array([sign * -3.0, -x[1] - 1.0])

    return SwitchedSystem(field, lambda x: x[:1], n_surfaces=1)


def test_attracting_sliding_pseudo_equilibrium():
    # α = 1/4 balances the normal speeds; then f_s = (0, 1.25 − y): a stable point y = 1.25.
    (point,) = pseudo_equilibria(relay(+1), BOX, n_starts=20, random_state=0)
    np.testing.assert_allclose(point.x, [0.0, 1.25], atol=1e-10)
    assert point.alpha == pytest.approx(0.25, abs=1e-10)
    assert point.sliding == "attracting" and point.stability == "stable node"
    np.testing.assert_allclose(point.eigenvalues, [-1.0], atol=1e-5)  # measured 1e-9


def test_repelling_sliding_is_labelled_unstable():
    (point,) = pseudo_equilibria(relay(-1), BOX, n_starts=20, random_state=0)
    assert point.sliding == "repelling" and point.stability.startswith("unstable")


def test_coulomb_friction_sticking_band_is_a_continuum_of_pseudo_equilibria():
    import sparseid.systems as systems

    if not hasattr(systems, "CoulombFriction"):
        pytest.skip("sparseid.systems.CoulombFriction is not there yet")
    points = pseudo_equilibria(systems.CoulombFriction(1.0), BOX, n_starts=30, random_state=0)
    assert len(points) > 3  # scattered over the band, not isolated
    xs = np.array([p.x for p in points])
    # The band |x| ≤ F, v = 0 (its ends α = 0, 1 found to the root tolerance).
    assert np.all(np.abs(xs[:, 0]) <= 1 + 1e-6) and np.all(np.abs(xs[:, 1]) < 1e-10)
    assert {p.stability for p in points} == {"non-hyperbolic"}


def test_bad_input_raises():
    with pytest.raises(TypeError, match=r"expected a sparseid\.switched\.SwitchedSystem"):
        pseudo_equilibria(object(), BOX)
    with pytest.raises(ValueError, match="n_starts must be a positive integer"):
        pseudo_equilibria(relay(1), BOX, n_starts=0)
