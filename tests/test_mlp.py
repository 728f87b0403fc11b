"""The numpy MLP: initialisation, forward pass and vector-Jacobian products."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparseid.ode import ACTIVATIONS, MLP


def _network(activation, sizes=(3, 7, 5, 2), seed=0):
    mlp = MLP(sizes, activation)
    rng = np.random.default_rng(seed)
    theta = mlp.init_params(rng)
    # nonzero biases so that every parameter matters in the checks below
    for _, _, b in mlp.slices:
        theta[b] = rng.normal(scale=0.3, size=b.stop - b.start)
    for s in mlp.slope_slices:  # PReLU slopes of both signs
        theta[s] = rng.uniform(-0.5, 0.8, size=s.stop - s.start)
    return mlp, theta


def test_glorot_uniform_init_and_zero_biases():
    mlp = MLP((2, 20, 2))
    theta = mlp.init_params(np.random.default_rng(0))
    assert mlp.n_params == 2 * 20 + 20 + 20 * 2 + 2
    (W1, b1), (W2, b2) = mlp.unpack(theta)
    limit = np.sqrt(6 / 22)
    assert W1.shape == (20, 2) and W2.shape == (2, 20)
    assert np.abs(W1).max() <= limit and np.abs(W1).max() > 0.7 * limit
    assert np.all(b1 == 0) and np.all(b2 == 0)
    same = mlp.init_params(np.random.default_rng(0))
    assert np.array_equal(theta, same)
    assert not np.array_equal(theta, mlp.init_params(np.random.default_rng(1)))


def test_unpack_returns_views():
    mlp = MLP((2, 4, 1))
    theta = np.zeros(mlp.n_params)
    (W1, _), _ = mlp.unpack(theta)
    W1[0, 1] = 5.0
    assert theta[1] == 5.0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_matches_explicit_formula(activation):
    mlp, theta = _network(activation)
    z = np.random.default_rng(1).normal(size=(6, 3))
    layers = mlp.unpack(theta)
    (W1, b1), (W2, b2), (W3, b3) = layers
    # the lecture's table, written independently of sparseid.ode._activations
    table = {
        "identity": lambda u, a: u,
        "logistic": lambda u, a: 1.0 / (1.0 + np.exp(-u)),
        "tanh": lambda u, a: np.tanh(u),
        "arctan": lambda u, a: np.arctan(u),
        "relu": lambda u, a: np.maximum(u, 0),
        "leaky_relu": lambda u, a: np.where(u > 0, u, 0.01 * u),
        "prelu": lambda u, a: np.where(u > 0, u, a * u),
        "elu": lambda u, a: np.where(u > 0, u, np.exp(u) - 1.0),
        "softplus": lambda u, a: np.log1p(np.exp(u)),
    }
    assert set(table) == set(ACTIVATIONS)
    act = table[activation]
    a1, a2 = layers.slopes if activation == "prelu" else (None, None)
    expected = act(act(z @ W1.T + b1, a1) @ W2.T + b2, a2) @ W3.T + b3
    out, cache = mlp.forward(mlp.unpack(theta), z)
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)
    # the outputs of the hidden layers, and a PReLU's pre-activations
    assert len(cache) == (5 if activation == "prelu" else 3)
    buffer = np.empty((6, 2))
    field = mlp.bind(theta)
    out2, _ = field(z, out=buffer)
    assert out2 is buffer
    np.testing.assert_allclose(buffer, expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_vjp_matches_finite_differences(activation):
    mlp, theta = _network(activation)
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3))
    v = rng.normal(size=(4, 2))
    field = mlp.bind(theta)
    _, cache = field(z)
    gz, deltas = field.vjp(cache, v)
    gtheta = field.param_grad([cache], [deltas])

    def scalar(z_, theta_):
        return float(np.sum(v * mlp.forward(mlp.unpack(theta_), z_)[0]))

    eps = 1e-6
    fd_z = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = eps
        fd_z[idx] = (scalar(z + e, theta) - scalar(z - e, theta)) / (2 * eps)
    fd_t = np.zeros_like(theta)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = eps
        fd_t[k] = (scalar(z, theta + e) - scalar(z, theta - e)) / (2 * eps)
    # central differences with eps = 1e-6: measured up to 5.5e-10 (inputs) and 1.2e-9 (params)
    np.testing.assert_allclose(gz, fd_z, rtol=0, atol=1.5e-9)
    np.testing.assert_allclose(gtheta, fd_t, rtol=0, atol=3e-9)
    into = np.empty(mlp.n_params)
    field.param_grad_into(cache, deltas, into)
    np.testing.assert_allclose(into, gtheta, rtol=1e-13, atol=1e-14)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6))
def test_stacked_param_grad_is_the_sum_of_single_ones(n_evals, batch):
    mlp, theta = _network("tanh", sizes=(2, 5, 2))
    field = mlp.bind(theta)
    rng = np.random.default_rng(n_evals * 10 + batch)
    caches, deltas, total = [], [], np.zeros(mlp.n_params)
    for _ in range(n_evals):
        _, cache = field(rng.normal(size=(batch, 2)))
        _, d = field.vjp(cache, rng.normal(size=(batch, 2)), need_input=False)
        caches.append(cache)
        deltas.append(d)
        total += field.param_grad([cache], [d])
    np.testing.assert_allclose(field.param_grad(caches, deltas), total, rtol=1e-12, atol=1e-13)


def test_refresh_follows_in_place_updates():
    mlp, theta = _network("tanh", sizes=(2, 5, 2))
    field = mlp.bind(theta)
    z = np.ones((1, 2))
    before = field(z)[0].copy()
    theta *= 2.0
    field.refresh()
    np.testing.assert_allclose(field(z)[0], mlp.forward(mlp.unpack(theta), z)[0])
    assert not np.allclose(before, field(z)[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layer_sizes": (2,)}, "layer_sizes"),
        ({"layer_sizes": (2, 0, 2)}, "layer_sizes"),
        ({"layer_sizes": (2, 3, 2), "activation": "sigmoid"}, "activation='sigmoid'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP(**kwargs)


def test_softplus_is_stable_for_large_inputs():
    mlp = MLP((1, 1, 1), "softplus")
    theta = np.array([1.0, 0.0, 1.0, 0.0])
    out, cache = mlp.forward(mlp.unpack(theta), np.array([[800.0], [-800.0]]))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[:, 0], [800.0, 0.0], atol=1e-12)
    gz, _ = mlp.vjp(mlp.unpack(theta), cache, np.ones((2, 1)))
    np.testing.assert_allclose(gz[:, 0], [1.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "prelu"])
def test_scaled_param_grad_and_reused_buffers(activation):
    # scales weight each evaluation (the adjoint's quadrature); the deltas are left untouched
    mlp, theta = _network(activation, sizes=(2, 5, 3, 2))
    field = mlp.bind(theta)
    rng = np.random.default_rng(3)
    caches, deltas = [], []
    for _ in range(11):  # more than one chunk of stacked evaluations
        _, cache = field(rng.normal(size=(6, 2)))
        _, d = field.vjp(cache, rng.normal(size=(6, 2)), need_input=False)
        caches.append(cache)
        deltas.append(d)
    copies = [[x.copy() for x in d] for d in deltas]
    scales = rng.normal(size=11)
    expected = sum(c * mlp.param_grad([ca], [d]) for c, ca, d in zip(scales, caches, deltas))
    got = field.param_grad(caches, deltas, scales=list(scales))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    for d, copy in zip(deltas, copies):
        for x, y in zip(d, copy):
            np.testing.assert_array_equal(x, y)
    # the stacking buffers are kept and reused: equal results, no new arrays
    plain = mlp.param_grad(caches, deltas)
    buffers = {key: id(buf) for key, buf in field.workspace.items()}
    assert buffers
    np.testing.assert_array_equal(field.param_grad(caches, deltas), plain)
    assert {key: id(buf) for key, buf in field.workspace.items()} == buffers


@pytest.mark.parametrize("sizes", [(2, 7, 2), (3, 6, 5, 3)], ids=["one-hidden", "two-hidden"])
@pytest.mark.parametrize("activation", ["tanh", "prelu", "softplus"])
@pytest.mark.parametrize("linear_part", [False, True], ids=["net", "linear-part"])
def test_input_jacobians_and_weighted_param_grad(sizes, activation, linear_part):
    """Jacobians against vjp, and the rearranged parameter integral against vjp + param_grad."""
    from sparseid.ode import LinearPartField

    mlp, theta = _network(activation, sizes=sizes)
    rng = np.random.default_rng(5)
    if linear_part:
        field = LinearPartField(mlp, np.concatenate([theta, rng.normal(size=sizes[0] ** 2)]))
    else:
        field = mlp.bind(theta)
    n = 2048 + 37  # more than one chunk of rows of weighted_param_grad
    z, V = rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1]))
    cache = field.hidden(z)
    factors = field.vjp_factors(cache)
    JT = field.input_jacobians(factors, reuse=True)
    assert JT.shape == (sizes[0], sizes[-1], n)
    expected = field.vjp(cache, V)[0]
    np.testing.assert_allclose(np.einsum("ion,no->ni", JT, V), expected, rtol=1e-12, atol=1e-14)
    deltas = field.vjp(cache, V, need_input=False)[1]
    expected = field.param_grad([cache], [deltas])
    VT = np.ascontiguousarray(V.T)
    got = field.weighted_param_grad(cache, factors, VT, np.ones_like(expected))
    np.testing.assert_allclose(got - 1.0, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("activation", ["tanh", "softplus", "prelu"])
def test_one_hidden_layer_fast_path_equals_the_general_path(activation):
    # forward and vjp of a one-hidden-layer network take a shorter route (fewer Python calls);
    # the general route (hidden() with a workspace, vjp with a workspace) must agree exactly
    mlp, theta = _network(activation, sizes=(2, 9, 2))
    params = mlp.unpack(theta)
    rng = np.random.default_rng(5)
    z, v = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    out, cache = mlp.forward(params, z)
    general = mlp.hidden(params, z, workspace={})
    np.testing.assert_array_equal(cache[1], general[1])
    np.testing.assert_array_equal(out, general[1] @ mlp._transposed(params)[1] + params[1][1])
    gz, deltas = mlp.vjp(params, cache, v)
    gz2, deltas2 = mlp.vjp(params, cache, v, workspace={})
    np.testing.assert_array_equal(gz, gz2)
    assert len(deltas) == len(deltas2)
    for d, d2 in zip(deltas, deltas2):
        np.testing.assert_array_equal(d, d2)
    assert mlp.vjp(params, cache, v, need_input=False)[0] is None
