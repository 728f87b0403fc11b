"""Runge–Kutta steps of a linear equation as matrices, against the engine's own step."""

import numpy as np
import pytest

from sparseid.ode import SOLVERS
from sparseid.ode._adjoint_maps import apply_maps, step_maps
from sparseid.ode._engine import rk_step


@pytest.mark.parametrize("solver", ["bosh3", "dopri5"])
@pytest.mark.parametrize("d", [1, 2, 4])
def test_step_matrices_reproduce_rk_step(solver, d):
    """Per row a different Jacobian at every stage: R_s a and the error map equal rk_step's."""
    tab = SOLVERS[solver]
    s, n, h = tab.n_stages, 7, -0.37
    rng = np.random.default_rng(d)
    JT = [rng.normal(size=(d, d, n)) for _ in range(s)]
    scale = rng.uniform(-1.0, -0.1, size=n)
    a = rng.normal(size=(n, d))
    keep = [i for i in range(s) if tab.b[i] != 0.0]
    step, R = step_maps(tab, JT, scale, h, keep)

    def rhs_at(i):
        return lambda y, out: (np.copyto(out, apply_maps(JT[i] * scale, y.T).T), None)

    stage = {"i": 0}

    def rhs(y, out):
        stage["i"] += 1
        return rhs_at(stage["i"])(y, out)

    K = np.empty((s, n, d))
    rhs_at(0)(a, K[0])
    y1, err, _ = rk_step(rhs, tab, a, K, h)
    out = apply_maps(step, a.T)
    np.testing.assert_allclose(out[:d].T, y1, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(out[d:].T.ravel(), err, rtol=1e-11, atol=1e-14)
    # the kept stage maps give the stage values a_i (with K_i = L_i a_i)
    for i in keep:
        a_i = a.T if R[i] is None else apply_maps(R[i], a.T)
        np.testing.assert_allclose(apply_maps(JT[i] * scale, a_i).T, K[i], rtol=1e-12, atol=1e-13)
