"""Multiple shooting, the horizon curriculum and the linear part against finite differences.

The loss is the mean squared error (the L1 loss has kinks). Backpropagation is checked on the
fixed-step RK4 solve, whose loss is the same discrete computation for every parameter value;
the adjoint on a very accurate Dormand–Prince solve.
"""

import numpy as np
import pytest
from _numerics import central_differences, rel_error

from sparseid.ode import (
    MLP,
    HorizonCurriculum,
    LinearPartField,
    MultipleShooting,
    continuity_weight,
)

RNG = np.random.default_rng(3)
T = np.linspace(0.0, 1.5, 31)
X = np.c_[np.cos(2 * T), np.sin(2 * T)] * np.exp(-0.2 * T)[:, None]
MLP_ = MLP((2, 6, 2))
THETA_NET = MLP_.init_params(RNG) * 1.5
B0 = np.array([[-0.2, 2.0], [-2.0, -0.2]])
S0 = X + 0.05 * RNG.normal(size=X.shape)  # free states off the data


def make_field(theta, linear):
    if linear:
        return LinearPartField(MLP_, theta)
    return MLP_.bind(theta)


OPTIONS = {
    "backprop": {"solver": "rk4", "n_substeps": 4, "gradient": "backprop"},
    "adjoint": {"solver": "dopri5", "rtol": 1e-10, "atol": 1e-12, "gradient": "adjoint"},
}


@pytest.mark.parametrize("linear", [False, True])
@pytest.mark.parametrize("gradient", ["backprop", "adjoint"])
def test_multiple_shooting_gradients_match_finite_differences(gradient, linear):
    ms = MultipleShooting([X], [T], states="free")
    starts = ms.tiling(10)
    assert starts.tolist() == [0, 10, 20]
    theta = np.concatenate([THETA_NET, B0.ravel()]) if linear else THETA_NET.copy()
    opts = {**OPTIONS[gradient], "loss": "l2"}

    def value(theta_, S_):
        return ms.loss(make_field(theta_, linear), starts, 10, S_, 3.0, need_grad=False, **opts)[0]

    v, grad, S_grad, n_eval = ms.loss(make_field(theta, linear), starts, 10, S0, 3.0, **opts)
    assert v == pytest.approx(value(theta, S0), rel=1e-12)
    assert n_eval > 0
    fd_theta = central_differences(lambda th: value(th, S0), theta)
    fd_S = central_differences(lambda S: value(theta, S), S0)
    # measured: backprop 1.5e-10 to 7.2e-10; adjoint 2.4e-10 to 7.4e-9 (FD of adaptive solves)
    tol = 5e-8 if gradient == "adjoint" else 5e-9
    assert rel_error(grad, fd_theta) <= tol
    assert rel_error(S_grad, fd_S) <= tol
    # only the used states (segment starts and the starts they continue into) get a gradient
    used = np.zeros(len(X), bool)
    used[[0, 10, 20]] = True
    assert np.all(S_grad[~used] == 0.0)


def test_data_states_need_no_state_gradient():
    ms = MultipleShooting([X], [T], states="data")
    _, grad, S_grad, _ = ms.loss(MLP_.bind(THETA_NET), ms.tiling(10), 10, ms.X, 1.0)
    assert S_grad is None
    assert grad.shape == (MLP_.n_params,)


def test_tiling_keeps_segments_inside_each_trajectory():
    ms = MultipleShooting([X, X[:15]], [T, T[:15]], states="data")
    # 31 samples: starts 0, 10, 20; the second trajectory (offset 31) of 15 samples: 31 only
    assert ms.tiling(10).tolist() == [0, 10, 20, 31]
    assert ms._tilings[10][1].tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="horizon of 40"):
        ms.tiling(40)
    with pytest.raises(ValueError, match="states="):
        MultipleShooting([X], [T], states="random")


def test_continuity_weight_grows_geometrically():
    assert continuity_weight(2.0, 0.0) == 2.0
    assert continuity_weight(2.0, 0.5) == pytest.approx(2.0 * 1000**0.5)
    assert continuity_weight(2.0, 1.0) == pytest.approx(2000.0)


def test_curriculum_doubles_on_plateau_and_budget_share():
    curriculum = HorizonCurriculum(40, window=5, tol=0.02)
    assert curriculum.horizons == [5, 10, 20, 40]
    # a falling loss keeps the horizon; a flat one advances it after two windows
    for k in range(10):
        assert curriculum.update(1.0 / (k + 1), fraction=0.0) == 5
    for _ in range(10):
        horizon = curriculum.update(0.1, fraction=0.0)
    assert horizon == 10
    # the budget share: stage 1 ends at the latest at fraction 2/6
    assert curriculum.update(0.1, fraction=0.34) == 20
    assert curriculum.update(0.1, fraction=1.0) == 40 and curriculum.final
    assert HorizonCurriculum(40, n_stages=1).horizons == [40]
    assert HorizonCurriculum(3).horizons == [2, 3]
