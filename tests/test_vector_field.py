"""model.vector_field() and model.to_control(): the fitted right-hand side used elsewhere."""

import sys

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve

from sparseid import LinearModel, NeuralODE, SINDy
from sparseid.libraries import CustomLibrary, PolynomialLibrary
from sparseid.models._vector_field import MapFunction, VectorField
from sparseid.optimizers import LeastSquares


@pytest.fixture(scope="module")
def lorenz(lorenz_samples):
    t, x, _ = lorenz_samples(2000)
    return SINDy().fit(x, t=t)


@pytest.fixture(scope="module")
def controlled():
    """SINDYc on x' = -x + y u, y' = -2 y + u (exact derivatives given as targets)."""
    rng = np.random.default_rng(0)
    X, U = rng.normal(size=(300, 2)), rng.normal(size=(300, 1))
    Y = np.c_[-X[:, 0] + X[:, 1] * U[:, 0], -2 * X[:, 1] + U[:, 0]]
    return SINDy().fit(X, Y, u=U)


def test_solve_ivp_reproduces_simulate(lorenz):
    t = np.linspace(0, 2, 201)
    x0 = np.array([-8.0, 8.0, 27.0])
    f = lorenz.vector_field()
    assert isinstance(f, VectorField) and f.state_names == ["x0", "x1", "x2"]
    for method in ("DOP853", "Radau"):
        expected = lorenz.simulate(x0, t, method=method, rtol=1e-10, atol=1e-10)
        jac = {"jac": f.jacobian} if method == "Radau" else {}
        sol = solve_ivp(f, t[[0, -1]], x0, t_eval=t, method=method, rtol=1e-10, atol=1e-10, **jac)
        np.testing.assert_allclose(sol.y.T, expected, rtol=0, atol=1e-10)


def test_jacobian_matches_finite_differences(lorenz, controlled):
    rng = np.random.default_rng(1)
    for f in (lorenz.vector_field(), controlled.vector_field(u=[0.7])):
        x = rng.normal(size=f.n_states) * 5
        h = 1e-6
        columns = [(f(0.0, x + h * e) - f(0.0, x - h * e)) / (2 * h) for e in np.eye(f.n_states)]
        np.testing.assert_allclose(f.jacobian(0.0, x), np.array(columns).T, atol=1e-6)


def test_batch_matches_single_calls(lorenz, controlled):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(7, 3)) * 10
    f = lorenz.vector_field()
    rows = np.array([f(0.0, x) for x in X])
    np.testing.assert_array_equal(f.batch(X), rows)
    np.testing.assert_array_equal(f(0.0, X.T), rows.T)  # solve_ivp's vectorized layout
    np.testing.assert_allclose(rows, lorenz.predict(X), rtol=1e-13, atol=1e-12)
    sol = solve_ivp(f, (0, 0.5), X[0], vectorized=True, rtol=1e-9, atol=1e-9)
    assert sol.success
    g = controlled.vector_field(u=lambda s: [np.sin(s)])
    Z = rng.normal(size=(5, 2))
    rows = np.array([g(0.3, z) for z in Z])
    np.testing.assert_array_equal(g.batch(Z, [np.sin(0.3)]), rows)
    np.testing.assert_array_equal(g(0.3, Z.T), rows.T)


def test_control_inputs_callable_value_and_args(controlled):
    t = np.linspace(0, 3, 61)
    x0 = np.array([1.0, -0.5])
    u = lambda s: np.array([np.cos(s)])  # noqa: E731
    expected = controlled.simulate(x0, t, u=u, method="RK45", rtol=1e-10, atol=1e-10)
    for f, args in ((controlled.vector_field(u=u), None), (controlled.vector_field(), (u,))):
        sol = solve_ivp(f, (0, 3), x0, t_eval=t, args=args, method="RK45", rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(sol.y.T, expected, rtol=0, atol=1e-10)
    x = np.array([2.0, 3.0])
    f = controlled.vector_field(u=0.5)
    np.testing.assert_allclose(f(0.0, x), controlled.predict(x[None], u=[[0.5]])[0], rtol=1e-12)
    np.testing.assert_allclose(f(0.0, x, [2.0]), [-2.0 + 3.0 * 2.0, -6.0 + 2.0], rtol=1e-9)


def test_vector_field_errors(lorenz, controlled):
    with pytest.raises(TypeError, match=r"control inputs \['u0'\]: pass u"):
        controlled.vector_field()(0.0, np.zeros(2))
    with pytest.raises(ValueError, match="hold the 1 control inputs"):
        controlled.vector_field(u=[1.0, 2.0])
    with pytest.raises(ValueError, match="no control inputs"):
        lorenz.vector_field(u=[1.0])
    with pytest.raises(ValueError, match=r"u\(t\) must give the 1 control inputs"):
        controlled.vector_field(u=lambda s: [1.0, 2.0])(0.0, np.zeros(2))


def test_custom_function_without_derivative_has_no_jacobian():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 1))
    library = CustomLibrary([lambda x: x**3])
    model = SINDy(feature_library=library, optimizer=LeastSquares()).fit(X, X**3)
    f = model.vector_field()
    assert f.jacobian is None
    np.testing.assert_allclose(f(0.0, np.array([2.0])), [8.0], rtol=1e-10)


def test_map_function():
    x = 0.5 ** np.arange(12.0)
    model = SINDy(discrete_time=True, feature_library=PolynomialLibrary(1)).fit(x.reshape(-1, 1))
    f = model.vector_field()
    assert isinstance(f, MapFunction)
    np.testing.assert_allclose(f(np.array([8.0])), [4.0], rtol=1e-9)
    np.testing.assert_allclose(f.jacobian(np.array([8.0])), [[0.5]], rtol=1e-9)
    steps = model.simulate([8.0], 4)
    np.testing.assert_array_equal(steps[1], f(steps[0]))


def test_neural_ode_vector_field():
    t = np.linspace(0, 3, 100)
    X = np.c_[np.cos(t), np.sin(t)]
    model = NeuralODE(hidden_layer_sizes=(8,), max_iter=5, batch_size=10, random_state=0)
    model.fit(X, t=t)
    f = model.vector_field()
    Z = np.random.default_rng(4).normal(size=(6, 2))
    np.testing.assert_allclose(f.batch(Z), np.array([f(0.0, z) for z in Z]), rtol=1e-12)
    h, z = 1e-6, Z[0]
    columns = [(f(0.0, z + h * e) - f(0.0, z - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(f.jacobian(0.0, z), np.array(columns).T, atol=1e-7)
    expected = model.simulate(Z[0], t, method="DOP853", rtol=1e-10, atol=1e-10)
    sol = solve_ivp(f, (0, 3), Z[0], t_eval=t, method="DOP853", rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(sol.y.T, expected, rtol=0, atol=1e-10)


# --- python-control ----------------------------------------------------------------------------


def test_to_control_linearizes_at_an_equilibrium(lorenz):
    control = pytest.importorskip("control")
    f = lorenz.vector_field()
    xeq = fsolve(lambda x: f(0.0, x), [8.0, 8.0, 27.0], fprime=lambda x: f.jacobian(0.0, x))
    assert np.max(np.abs(f(0.0, xeq))) < 1e-9
    system = lorenz.to_control()
    assert isinstance(system, control.NonlinearIOSystem)
    assert system.state_labels == system.output_labels == ["x0", "x1", "x2"]
    linear = control.linearize(system, xeq, [])
    np.testing.assert_allclose(linear.A, f.jacobian(0.0, xeq), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(linear.C, np.eye(3))


def test_to_control_simulates_with_inputs(controlled):
    control = pytest.importorskip("control")
    system = controlled.to_control(name="plant")
    assert system.input_labels == ["u0"] and system.name == "plant"
    t = np.linspace(0, 2, 41)
    u = np.full(len(t), 0.5)  # constant: python-control and simulate interpolate u alike
    response = control.input_output_response(
        system, t, u, [1.0, -0.5], solve_ivp_kwargs={"rtol": 1e-10, "atol": 1e-10}
    )
    expected = controlled.simulate([1.0, -0.5], t, u=u, method="RK45", rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(response.outputs.T, expected, atol=1e-8)


def test_linear_model_to_control_is_a_state_space():
    control = pytest.importorskip("control")
    rng = np.random.default_rng(5)
    A, B = np.array([[-0.1, -1.0], [1.0, -0.1]]), np.array([[0.0], [2.0]])
    X, U = rng.normal(size=(100, 2)), rng.normal(size=(100, 1))
    model = LinearModel().fit(X, X @ A.T + U @ B.T, u=U, feature_names=["p", "q"])
    system = model.to_control()
    assert isinstance(system, control.StateSpace)
    np.testing.assert_array_equal(system.A, model.matrix_)
    np.testing.assert_array_equal(system.B, model.input_matrix_)
    np.testing.assert_array_equal(system.C, np.eye(2))
    np.testing.assert_array_equal(system.D, np.zeros((2, 1)))
    assert system.state_labels == ["p", "q"] and system.input_labels == ["u0"]
    np.testing.assert_allclose(system.A, A, atol=1e-10)
    affine = LinearModel(fit_intercept=True).fit(X, X @ A.T + 1.0)
    assert isinstance(affine.to_control(), control.NonlinearIOSystem)


def test_to_control_without_the_package(lorenz, monkeypatch):
    monkeypatch.setitem(sys.modules, "control", None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install "sparseid\[control\]"'):
        lorenz.to_control()


def test_needs_one_target_per_state():
    X = np.random.default_rng(6).normal(size=(40, 2))
    model = LinearModel().fit(X, X[:, 0])
    for method in (model.vector_field, model.to_control, model.to_source):
        with pytest.raises(
            ValueError, match="needs one target per state variable: the model has 1"
        ):
            method()


def test_map_to_control_is_discrete_time():
    control = pytest.importorskip("control")
    x = 0.5 ** np.arange(12.0)
    model = SINDy(discrete_time=True, feature_library=PolynomialLibrary(1)).fit(x.reshape(-1, 1))
    system = model.to_control()
    assert system.dt is True
    response = control.input_output_response(system, np.arange(4), 0, [8.0])
    np.testing.assert_allclose(response.outputs[0], model.simulate([8.0], 4)[:, 0], rtol=1e-12)
