"""Every activation of the MLP: derivatives, both gradients through the ODE solve, the
single-state functions, generated source, and the neural ODE that uses them.

Backpropagation differentiates the discrete solve exactly, so it is checked against central
differences of the same fixed-step solve for every activation. The adjoint approximates the
gradient of the exact flow: for the smooth activations it is checked against central
differences of a very accurate adaptive solve. For the kinked ones (ReLU family) the loss is
only C¹ in the parameters where trajectories cross the kinks, and the adaptive solve's step
sequence changes with the parameters there, so its differences are too noisy for a reference;
instead the (exact) gradients of finer and finer fixed-step solves must converge to the
adjoint.
"""

import numpy as np
import pytest
from _numerics import central_differences, rel_error

from sparseid.models import NeuralODE
from sparseid.models._mlp_source import mlp_source
from sparseid.ode import (
    ACTIVATIONS,
    MLP,
    SOLVERS,
    adjoint_gradient,
    backprop_gradient,
    interpolated_adjoint_gradient,
    loss_residual_grad,
    single_state_functions,
    solve,
)
from sparseid.ode._activations import (
    activate,
    check_activation,
    derivative,
    derivative_from_output,
)

KINKED = ("relu", "leaky_relu", "prelu")
RNG = np.random.default_rng(0)
Y0 = RNG.normal(size=(4, 2))
T_OBS = np.linspace(0.0, 1.0, 11)[1:]
TARGETS = RNG.normal(size=(10, 4, 2))


def _network(activation, sizes=(2, 8, 2)):
    mlp = MLP(sizes, activation)
    rng = np.random.default_rng(1)
    theta = mlp.init_params(rng)
    for _, _, b in mlp.slices:
        theta[b] = rng.normal(scale=0.3, size=b.stop - b.start)
    for s in mlp.slope_slices:  # slopes of both signs
        theta[s] = rng.uniform(-0.5, 0.8, size=s.stop - s.start)
    return mlp, 1.5 * theta  # a vector field with some curvature over the segment


def _loss(mlp, theta, solver, **options):
    Y = solve(mlp.bind(theta), Y0, T_OBS, solver, **options)[0]
    return loss_residual_grad(Y - TARGETS, "l2")[0]


def _backprop(mlp, theta, n_substeps):
    field = mlp.bind(theta)
    Y, rec, _ = solve(field, Y0, T_OBS, "rk4", n_substeps=n_substeps, record=True)
    return backprop_gradient(field, rec, loss_residual_grad(Y - TARGETS, "l2")[1])


def _adjoint(mlp, theta, interpolated=False):
    field = mlp.bind(theta)
    Y, record, _ = solve(field, Y0, T_OBS, rtol=1e-10, atol=1e-13, record="dense")
    _, Ybar = loss_residual_grad(Y - TARGETS, "l2")
    if interpolated:
        tableau = SOLVERS["dopri5"]
        options = {"rtol": 1e-10, "atol": 1e-13, "tableau": tableau}
        return interpolated_adjoint_gradient(field, record, Y, Ybar, T_OBS, **options)[0]
    return adjoint_gradient(field, Y[-1], Ybar, T_OBS, rtol=1e-10, atol=1e-13)[0]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_derivatives_match_finite_differences_away_from_kinks(activation):
    u = np.linspace(-4.0, 4.0, 81)
    u = u[np.abs(u) > 0.05]  # away from the kink at 0
    slope = np.full(u.size, -0.3)
    eps = 1e-6
    f = lambda v: activate(v.copy(), activation, slope)  # noqa: E731
    numeric = (f(u + eps) - f(u - eps)) / (2 * eps)
    h = f(u)
    np.testing.assert_allclose(derivative(u, h, activation, slope), numeric, atol=1e-9)
    if activation != "prelu":  # the only one whose slope is not a function of the output
        np.testing.assert_allclose(derivative_from_output(h, activation), numeric, atol=1e-9)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backprop_matches_finite_differences(activation):
    mlp, theta = _network(activation)
    grad = _backprop(mlp, theta, n_substeps=1)
    fd = central_differences(lambda th: _loss(mlp, th, "rk4"), theta, 1e-6)
    # measured 2.1e-10 (identity) to 2.4e-9 (logistic): the differences' own error
    assert rel_error(grad, fd) <= 6e-9


@pytest.mark.parametrize("activation", [a for a in ACTIVATIONS if a not in KINKED])
def test_adjoint_matches_finite_differences(activation):
    mlp, theta = _network(activation)
    # elu's second derivative jumps at 0: a wider step averages the solver's noise there
    eps = 1e-4 if activation == "elu" else 1e-5
    fd = central_differences(
        lambda th: _loss(mlp, th, "dopri5", rtol=1e-12, atol=1e-14), theta, eps
    )
    # measured 1.7e-10 (softplus) to 3.1e-10 (arctan), and 2.6e-7 for elu
    assert rel_error(_adjoint(mlp, theta), fd) <= (1e-6 if activation == "elu" else 1e-9)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_interpolated_adjoint_agrees_with_the_backsolve_one(activation):
    """Each activation's derivative factors (vjp_factors, vjp_with) in the interpolated adjoint."""
    mlp, theta = _network(activation, sizes=(2, 6, 5, 2))
    backsolve = _adjoint(mlp, theta)
    # measured 5.6e-12 (logistic) to 5.0e-11 (tanh); 1.6e-9 to 3.5e-9 with a kink (relu,
    # leaky_relu, prelu, elu), where both solves step across it
    assert rel_error(_adjoint(mlp, theta, interpolated=True), backsolve) <= 2e-8


@pytest.mark.parametrize("activation", KINKED)
def test_fine_step_gradients_converge_to_the_adjoint(activation):
    mlp, theta = _network(activation)
    adjoint = _adjoint(mlp, theta)
    errors = [rel_error(_backprop(mlp, theta, n), adjoint) for n in (25, 100, 400)]
    # measured: about 2.5e-4, 7e-5, 1e-5, about the step to the power 1.5
    assert errors[0] > 2 * errors[1] > 4 * errors[2]
    assert errors[2] <= 3e-5


def test_prelu_slopes_are_trainable_parameters():
    mlp = MLP((2, 5, 3, 2), "prelu")
    assert mlp.n_params == (2 * 5 + 5) + (5 * 3 + 3) + (3 * 2 + 2) + 5 + 3
    theta = mlp.init_params(np.random.default_rng(0))
    layers = mlp.unpack(theta)
    assert [a.tolist() for a in layers.slopes] == [[0.25] * 5, [0.25] * 3]
    layers.slopes[1][0] = -2.0  # views into theta
    assert theta[mlp.slope_slices[1]][0] == -2.0
    with pytest.raises(ValueError, match=r"prelu.*slopes"):
        mlp.forward([(W, b) for W, b in layers], np.zeros((1, 2)))


@pytest.mark.parametrize("name", ["step", "heaviside", "binary_step"])
def test_a_binary_step_is_refused_with_the_reason(name):
    with pytest.raises(ValueError, match=r"no gradient.*'logistic'"):
        MLP((2, 3, 2), name)
    with pytest.raises(ValueError, match=r"NeuralODE: activation=.*no gradient"):
        NeuralODE(activation=name).fit(np.zeros((10, 2)), t=0.1)
    with pytest.raises(ValueError, match="must be one of"):
        check_activation("NeuralODE", "activation", "sigmoid")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_single_state_functions_and_generated_source(activation):
    mlp, theta = _network(activation, sizes=(2, 6, 4, 2))
    layers = mlp.unpack(theta)
    mean, scale = np.array([0.3, -0.2]), np.array([1.5, 0.7])
    offset, out_scale = np.array([0.1, 0.0]), np.array([2.0, 0.5])
    rhs, jac = single_state_functions(layers, activation, mean, scale, offset, out_scale)
    x = np.array([0.4, -1.1])
    expected = offset + out_scale * mlp.forward(layers, ((x - mean) / scale)[None])[0][0]
    np.testing.assert_allclose(rhs(x), expected, rtol=1e-14, atol=1e-14)
    eps = 1e-6
    numeric = np.column_stack([(rhs(x + e) - rhs(x - e)) / (2 * eps) for e in eps * np.eye(2)])
    np.testing.assert_allclose(jac(x), numeric, atol=1e-8)
    source = mlp_source(
        layers, activation, mean, scale, offset, out_scale, language="python", state_names="xy"
    )
    namespace = {}
    exec(source, namespace)
    np.testing.assert_allclose(namespace["rhs"](0.0, x), rhs(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(namespace["jacobian"](0.0, x), jac(x), rtol=1e-12, atol=1e-13)
    for language in ("c", "julia"):
        text = mlp_source(
            layers, activation, mean, scale, offset, out_scale, language=language, state_names="xy"
        )
        assert "activation" in text and "slope" in text


def _rotating(n=150):
    t = np.linspace(0.0, 6.0, n)
    return np.column_stack([np.cos(t), np.sin(t)]), t


@pytest.mark.parametrize("activation", ["prelu", "elu", "arctan"])
def test_neural_ode_saves_and_loads_every_activation(activation, tmp_path):
    from sparseid import load_model

    X, t = _rotating()
    options = dict(hidden_layer_sizes=(6,), max_iter=15, batch_size=8, segment_length=5)
    model = NeuralODE(activation=activation, random_state=0, **options).fit(X, t=t)
    if activation == "prelu":
        (slopes,) = model.activation_slopes_
        assert slopes.shape == (6,) and not np.allclose(slopes, 0.25)  # they were trained
    else:
        assert model.activation_slopes_ == []
    model.save(tmp_path / "model.json")
    loaded = load_model(tmp_path / "model.json")
    np.testing.assert_array_equal(loaded.predict(X[:20]), model.predict(X[:20]))
    np.testing.assert_array_equal(loaded.simulate(X[0], t[:30]), model.simulate(X[0], t[:30]))
    namespace = {}
    exec(model.to_source("python"), namespace)
    np.testing.assert_allclose(
        namespace["rhs"](0.0, X[3]), model.predict(X[3:4])[0], rtol=1e-12, atol=1e-13
    )
