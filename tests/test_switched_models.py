"""SINDy with switched and hinge libraries: recovery of the lecture's normal forms, unknown
switching surfaces, simulation through the switched integrator, bifurcation parameters."""

import json

import numpy as np
import pytest

from sparseid import SINDy, load_model
from sparseid.dynamics import fixed_points, periodic_orbit
from sparseid.libraries import HingeLibrary, PolynomialLibrary, SwitchedLibrary
from sparseid.optimizers import STLSQ
from sparseid.systems import PiecewiseLinearFlow, ReluFlow

DT = 0.01
T = np.arange(0.0, 20.0, DT)


@pytest.fixture(scope="module")
def normal_form_2d():
    flow = PiecewiseLinearFlow.limit_cycle_2d(1.0)
    xs = [flow.simulate(x0, T).x for x0 in ([0.5, 0.5], [-2.0, 1.0], [2.0, -1.0])]
    return flow, xs, [flow.rhs(0.0, x) for x in xs]


@pytest.fixture(scope="module")
def normal_form_3d():
    flow = PiecewiseLinearFlow.chaos_3d(1.0)
    t = np.arange(0.0, 30.0, DT)
    xs = [flow.simulate(x0, t).x for x0 in ([0.1, 0.0, 0.0], [-1.0, 0.5, 0.2])]
    return flow, xs, [flow.rhs(0.0, x) for x in xs]


def _fit(xs, dxs, surfaces, threshold=0.01, **kwargs):
    library = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=surfaces)
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=threshold))
    return model.fit(xs, t=DT, x_dot=dxs, **kwargs)


def _pieces(model, d):
    """A1, A2 and μb from the coefficients on 1, x and H(x0 - s)·(1, x)."""
    coef = model.coef_
    mu_b, a1 = coef[:, 0], coef[:, 1 : d + 1]
    jump_constant, a2 = coef[:, d + 1], a1 + coef[:, d + 2 :]
    return a1, a2, mu_b, jump_constant


@pytest.mark.parametrize("case", ["normal_form_2d", "normal_form_3d"])
@pytest.mark.parametrize("known", [True, False], ids=["surface given", "offset unknown"])
def test_switched_library_recovers_the_normal_form(case, known, request):
    flow, xs, dxs = request.getfixturevalue(case)
    d = flow.A1.shape[0]
    model = _fit(xs, dxs, [(0, 0.0 if known else None)])
    a1, a2, mu_b, jump = _pieces(model, d)
    np.testing.assert_allclose(a1, flow.A1, atol=1e-6)
    np.testing.assert_allclose(a2, flow.A2, atol=1e-6)
    np.testing.assert_allclose(mu_b, flow.mu * flow.b, atol=1e-6)
    np.testing.assert_allclose(jump, 0.0, atol=1e-6)
    ((normal, offset),) = model.switching_surfaces_
    np.testing.assert_array_equal(normal, np.eye(d)[0])
    assert abs(offset) < 1e-4
    if known:
        assert model.surface_search_ is None
    else:
        (found,) = model.surface_search_
        assert found["kind"] == "step" and found["offset"] == offset
        low, high = found["bracket"]
        assert low <= 0.0 <= high and high - low < 0.01  # the samples either side of x0 = 0


def test_unknown_offset_away_from_zero():
    # The 2-D normal form moved so that its switching line is x0 = 0.3.
    base = PiecewiseLinearFlow.limit_cycle_2d(1.0)
    shift = np.array([0.3, 0.0])

    def rhs(x):
        return base.rhs(0.0, x - shift)

    xs = [base.simulate(x0, T[:1000]).x + shift for x0 in ([0.5, 0.5], [-2.0, 1.0])]
    model = _fit(xs, [rhs(x) for x in xs], [(0, None)])
    ((_, offset),) = model.switching_surfaces_
    assert abs(offset - 0.3) < 1e-4
    np.testing.assert_allclose(model.predict(xs[1]), rhs(xs[1]), atol=1e-6)


def test_simulate_goes_through_the_switched_integrator(normal_form_2d):
    _, xs, dxs = normal_form_2d
    model = _fit(xs, dxs, [(0, 0.0)])
    crossings = np.count_nonzero(np.diff(np.sign(xs[0][:, 0])))
    assert crossings >= 6  # the 20 time units cross the switching line several times
    switched = np.abs(model.simulate(xs[0][0], T) - xs[0]).max()
    plain = np.abs(model.simulate(xs[0][0], T, switched=False) - xs[0]).max()
    assert switched < 1e-6
    # LSODA steps over the kink at every crossing, and loses accuracy there.
    assert plain > 10 * switched


def test_hinge_threshold_found_and_simulated():
    flow = ReluFlow([[-1.0, 2.0], [-2.0, -0.5]], [0.5, 0.0], [[1.5, 0.0], [0.0, 0.0]], [-0.3, 0])
    t = np.arange(0.0, 10.0, DT)
    xs = [flow.simulate(x0, t).x for x0 in ([1.5, 0.5], [-2.0, 1.0], [2.0, -1.0])]
    library = PolynomialLibrary(degree=1) + HingeLibrary(hyperplanes=[(0, None)], thresholds=None)
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=0.05))
    model.fit(xs, t=DT, x_dot=[flow.rhs(0.0, x) for x in xs])
    (found,) = model.surface_search_
    assert found["kind"] == "hinge" and found["part"] == [1]
    assert abs(found["offset"] + 0.2) < 1e-8  # relu(1.5 x - 0.3) = 1.5 relu(x - 0.2)
    np.testing.assert_allclose(model.coef_[0], [0.5, -1.0, 2.0, 1.5], atol=1e-8)
    assert np.abs(model.simulate(xs[0][0], t) - xs[0]).max() < 1e-8


def test_save_and_load_reproduce_predict_and_the_surfaces(normal_form_2d, tmp_path):
    _, xs, dxs = normal_form_2d
    library = SwitchedLibrary(
        PolynomialLibrary(degree=1) + HingeLibrary(thresholds=[1.0]), surfaces=[(0, None)]
    )
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=0.01))
    model.fit(xs, t=DT, x_dot=dxs)
    path = tmp_path / "switched.json"
    model.save(path)
    json.loads(path.read_text())
    again = load_model(path)
    np.testing.assert_array_equal(again.predict(xs[1]), model.predict(xs[1]))
    assert again.feature_names_ == model.feature_names_
    assert again.surface_search_ == model.surface_search_
    assert [o for _, o in again.switching_surfaces_] == [o for _, o in model.switching_surfaces_]
    np.testing.assert_array_equal(
        again.simulate(xs[0][0], T[:300]), model.simulate(xs[0][0], T[:300])
    )


@pytest.fixture(scope="module")
def mu_model():
    xs, dxs, mus = [], [], []
    t = np.arange(0.0, 15.0, DT)
    for mu in (-1.0, -0.5, 0.5, 1.0):
        flow = PiecewiseLinearFlow.limit_cycle_2d(mu)
        for x0 in ([1.5, 0.5], [-1.0, -1.0]):
            x = flow.simulate(x0, t).x
            xs.append(x)
            dxs.append(flow.rhs(0.0, x))
            mus.append(mu)
    return _fit(xs, dxs, [(0, 0.0)], threshold=0.05, parameters={"mu": mus})


def test_bifurcation_parameter_fit_predicts_held_out_mu(mu_model):
    assert mu_model.control_names_ == ["mu"]
    assert "mu" in mu_model.feature_names_
    stable = fixed_points(
        mu_model.vector_field(u=[-0.25]), ([-3, -3], [3, 3]), n_starts=10, random_state=0
    )
    assert [p.stability for p in stable] == ["stable focus"]
    np.testing.assert_allclose(stable[0].x, [-0.25, -0.25], atol=1e-6)
    options = {"t_transient": 20.0, "tol": 1e-6, "rtol": 1e-9, "atol": 1e-9}
    cycle = periodic_orbit(mu_model.vector_field(u=[0.75]), [0.5, 0.5], **options)
    truth = periodic_orbit(PiecewiseLinearFlow.limit_cycle_2d(0.75), [0.5, 0.5], **options)
    assert abs(cycle.period / truth.period - 1) < 0.01
    np.testing.assert_allclose(cycle.amplitude, truth.amplitude, rtol=0.01)
    simulated = mu_model.simulate([0.5, 0.5], T, parameters={"mu": 0.75})
    expected = PiecewiseLinearFlow.limit_cycle_2d(0.75).simulate([0.5, 0.5], T).x
    assert np.abs(simulated - expected).max() < 1e-6
    # parameters= is u held constant.
    constant_u = mu_model.simulate([0.5, 0.5], T[:200], u=np.full((200, 1), 0.75))
    np.testing.assert_allclose(constant_u, simulated[:200], atol=1e-10)


def test_parameters_errors(mu_model):
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="either u or parameters"):
        SINDy().fit(x, t=DT, u=x[:, :1], parameters=[1.0])
    with pytest.raises(ValueError, match="one value"):
        SINDy().fit([x, x], t=DT, parameters=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\['mu'\]"):
        mu_model.simulate([0.5, 0.5], T[:5], parameters={"nu": 1.0})
    with pytest.raises(ValueError, match="finite"):
        mu_model.simulate([0.5, 0.5], T[:5], parameters=[np.nan])


@pytest.fixture(scope="module")
def friction_model():
    """Dry friction x'' + x = -sign(x') identified from two runs: (true flow, runs, model)."""
    from sparseid.systems import CoulombFriction

    flow = CoulombFriction(1.0)
    t = np.arange(0.0, 6.0, DT)
    xs = [flow.simulate(x0, t).x for x0 in ([3.5, 0.0], [-5.5, 0.3])]
    library = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[(1, 0.0)])
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=0.05))
    model.fit(xs, t=DT, x_dot=[flow.rhs(0.0, x) for x in xs])
    return flow, xs, model


def test_discontinuous_field_slides_after_identification(friction_model):
    # Dry friction x'' + x = -sign(x'): the field jumps across v = 0 and the mass sticks in
    # the band |x| <= 1, which the model must reproduce by Filippov sliding.
    from sparseid.exceptions import SimulationError

    flow, _, model = friction_model
    np.testing.assert_allclose(model.coef_, [[0, 0, 1, 0, 0, 0], [1, -1, 0, -2, 0, 0]], atol=1e-10)
    t = np.arange(0.0, 20.0, DT)
    simulated = model.simulate([7.5, 0.0], t)
    np.testing.assert_allclose(simulated, flow.simulate([7.5, 0.0], t).x, atol=1e-8)
    np.testing.assert_allclose(simulated[-1], [-0.5, 0.0], atol=1e-10)
    # A smooth solver chatters on the discontinuity once the mass sticks, and gives up.
    with pytest.raises(SimulationError):
        model.simulate([7.5, 0.0], t, switched=False)


def test_surfaces_on_inputs_need_constant_inputs():
    library = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[([1.0, 0.0, 1.0], 0.0)])
    rng = np.random.default_rng(0)
    X, U = rng.standard_normal((200, 2)), rng.standard_normal((200, 1))
    model = SINDy(feature_library=library).fit(X, t=DT, x_dot=-X, u=U)
    assert model.switching_surfaces_ == []  # fitted -x exactly: nothing switches
    assert model.feature_names_[5] == "x0 H(x0 + u0)"
    model.coef_[0, 5] = 1.0  # make it active
    model._compile_rhs()
    ((normal, offset),) = model.switching_surfaces_
    assert offset == 0.0
    np.testing.assert_array_equal(normal, [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="must be constant"):
        model.simulate([1.0, 0.0], np.arange(20) * DT, u=np.linspace(0, 1, 20))
    out = model.simulate([1.0, 0.0], np.arange(20) * DT, parameters=[0.5])
    assert out.shape == (20, 2) and np.all(np.isfinite(out))


def test_switched_system_of_the_model_for_the_dynamics_tools(friction_model, mu_model):
    from sparseid.dynamics import pseudo_equilibria
    from sparseid.dynamics._vector_field import as_vector_field

    _, xs, model = friction_model
    box = ([-2.0, -1.0], [2.0, 1.0])
    # The sticking band |x| <= 1, v = 0 is a continuum of pseudo-equilibria: the search
    # returns points scattered on it, for the learned model as for the true system.
    learned = pseudo_equilibria(model, box, n_starts=20, random_state=0)
    assert len(learned) > 3
    for point in learned:
        assert abs(point.x[1]) < 1e-9 and abs(point.x[0]) <= 1 + 1e-9
        assert point.sliding == "attracting" and 0 <= point.alpha <= 1
    # Lyapunov exponents and the other tools know the model is piecewise smooth.
    assert as_vector_field(model, where="test").switched
    assert not as_vector_field(SINDy().fit(xs[0], t=DT), where="test").switched
    with pytest.raises(ValueError, match="no active term"):
        SINDy().fit(xs[0], t=DT).switched_system()
    with pytest.raises(ValueError, match="parameters="):
        mu_model.switched_system()
    system = mu_model.switched_system(parameters={"mu": 0.75})
    out = system.simulate([0.5, 0.5], T[:500])
    np.testing.assert_allclose(out.x, mu_model.simulate([0.5, 0.5], T[:500], parameters=[0.75]))


def test_two_unknown_surfaces_and_an_unknown_axis():
    # A field with jumps across x0 = 0.3 and x1 = -0.2, on samples scattered in the plane:
    # each offset is bracketed by the samples either side of it.
    rng = np.random.default_rng(1)
    X = rng.uniform(-1.0, 1.0, (4000, 2))
    truth = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[(0, 0.3), (1, -0.2)])
    coef = np.zeros((2, 9))
    coef[:, 1:3] = [[-1.0, 2.0], [-2.0, -0.5]]
    coef[:, 3:6] = [[1.0, 0.5, 0.0], [0.0, 0.0, -1.5]]
    coef[:, 6] = [0.0, 0.8]
    Y = truth.fit_transform(X) @ coef.T
    library = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[(0, None), (None, None)])
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=0.05))
    model.fit(X, t=1.0, x_dot=Y)
    first, second = model.surface_search_
    assert second["normal"] == [0.0, 1.0]  # the axis of the second surface, found
    for found, true in ((first, 0.3), (second, -0.2)):
        low, high = found["bracket"]
        assert low < true <= high and high - low < 0.01
        assert low <= found["offset"] <= high
    np.testing.assert_allclose(model.coef_, coef, atol=1e-8)
