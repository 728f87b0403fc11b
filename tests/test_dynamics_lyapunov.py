"""Lyapunov exponents: the logistic map, Lorenz (tangent and two-trajectory), a fitted
model, the sigmoid map, the lecture's piecewise-linear chaos, and bad input."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import sparseid
from sparseid.dynamics import lyapunov_exponent, orbit_period
from sparseid.systems import Lorenz, SigmoidMap

LORENZ_LAMBDA1 = 0.9056  # Sprott, "Chaos and Time-Series Analysis" (2003), table A.1
# 20 orbits × 50 time units each at dt = 0.02, after 10 time units of transient; the spread
# over seeds is 0.005.
FAST = {"dt": 0.02, "n_steps": 2500, "n_transient": 500, "n_orbits": 20, "random_state": 0}


def logistic(x):
    return 4.0 * x * (1.0 - x)


@pytest.mark.parametrize("derivative", [lambda x: 4.0 - 8.0 * x, None], ids=["exact", "fd"])
def test_logistic_map_at_r_4_gives_ln_2(derivative):
    x0 = np.random.default_rng(0).uniform(0.05, 0.95, 4000)
    lam = lyapunov_exponent(logistic, x0, derivative=derivative, n_steps=2500, n_transient=100)
    assert lam.shape == (4000,)
    assert lam.mean() == pytest.approx(np.log(2), abs=1e-3)  # measured error 1e-5


def test_lorenz_largest_exponent_through_the_tangent_system():
    lam = lyapunov_exponent(Lorenz(), [1.0, 1.0, 20.0], **FAST)
    assert lam == pytest.approx(LORENZ_LAMBDA1, abs=0.03)  # measured 0.903 (1.2 s)


def test_lorenz_two_trajectories_agree_with_the_tangent_system():
    two = lyapunov_exponent(Lorenz(), [1.0, 1.0, 20.0], method="two_trajectory", **FAST)
    assert two == pytest.approx(LORENZ_LAMBDA1, abs=0.03)  # measured 0.903
    # A short run of each, same orbits: the two methods agree to 1e-6 (measured 1e-9).
    short = {**FAST, "n_steps": 300, "n_orbits": 2}
    tangent = lyapunov_exponent(Lorenz(), [1.0, 1.0, 20.0], **short)
    two = lyapunov_exponent(Lorenz(), [1.0, 1.0, 20.0], method="two_trajectory", **short)
    assert two == pytest.approx(tangent, abs=1e-6)


def test_lorenz_spectrum_sums_to_the_divergence():
    lorenz = Lorenz()
    spectrum = lyapunov_exponent(
        lorenz, [1.0, 1.0, 20.0], spectrum=True, method="two_trajectory", **FAST
    )
    assert spectrum.shape == (3,) and np.all(np.diff(spectrum) < 0)
    # Volume contracts at the constant rate σ + 1 + β.
    trace = -(lorenz.sigma + 1 + lorenz.beta)
    # RK4 at dt = 0.02 damps the fast direction (-14.6) slightly: measured error 1.8e-3.
    assert spectrum.sum() == pytest.approx(trace, abs=5e-3)
    assert spectrum[0] == pytest.approx(LORENZ_LAMBDA1, abs=0.03)
    assert spectrum[1] == pytest.approx(0.0, abs=0.02)  # measured -0.002
    assert spectrum[2] == pytest.approx(-14.572, abs=0.05)


def test_fitted_sindy_model_has_the_lorenz_exponent():
    model = sparseid.SINDy().fit(sparseid.datasets.load("lorenz"))
    lam = lyapunov_exponent(model, [1.0, 1.0, 20.0], method="two_trajectory", **FAST)
    assert lam == pytest.approx(LORENZ_LAMBDA1, abs=0.03)  # measured 0.908


def test_sigmoid_map_exponent_is_negative_exactly_on_periodic_windows():
    b = np.linspace(0.0, 1.0, 501)
    f = SigmoidMap(a=0.8, b=b, c=1000.0)
    # Not from 0: at b = 0.5 it is the map's unstable fixed point (λ = ln 499.2).
    lam = lyapunov_exponent(f, 0.1, n_steps=2000, n_transient=1000)
    orbits = f.iterate(f.iterate(0.1, 1000)[-1], 200)[1:].T
    period = orbit_period(orbits)
    assert np.all(lam[period > 0] < 0)  # measured at most -0.004 (next to a bifurcation)
    assert np.any(lam[period == 0] > 0.05)  # chaos for a steep step; measured up to 0.43
    # The discontinuous map: |f'| = 0.8 everywhere, so λ = ln 0.8.
    step = lyapunov_exponent(SigmoidMap(a=0.8, b=b), 0.0, n_steps=100)
    np.testing.assert_allclose(step, np.log(0.8))


def test_piecewise_linear_chaos_3d_has_a_positive_exponent_and_stays_bounded():
    import sparseid.systems as systems

    if not hasattr(systems, "PiecewiseLinearFlow"):
        pytest.skip("sparseid.systems.PiecewiseLinearFlow is not there yet")
    flow = systems.PiecewiseLinearFlow.chaos_3d(1.0)  # the lecture's μ > 0
    orbit = solve_ivp(flow.rhs, (0, 300), [0.01, 0.01, 0.01], rtol=1e-8, atol=1e-8)
    assert np.abs(orbit.y).max() < 200  # measured 85
    # Default method for a switched system: two trajectories (20 orbits × 100 time units).
    lam = lyapunov_exponent(
        flow, orbit.y[:, -1], dt=0.02, n_steps=5000, n_transient=1000, n_orbits=20, random_state=0
    )
    # The field is continuous across the switching plane (A1, A2 differ in the first column
    # only), so the saltation matrix is the identity. Measured 0.0246 (seeds 1-3: 0.024-0.028;
    # 0.033 over 20 orbits × 200 time units).
    assert 0.01 < lam < 0.1
    # Orbits after the exponent's run stayed finite (the function raises otherwise), and the
    # tangent method through the piecewise Jacobian agrees on this continuous field.
    tangent = lyapunov_exponent(
        flow,
        orbit.y[:, -1],
        dt=0.02,
        n_steps=500,
        n_transient=100,
        method="tangent",
        random_state=0,
    )
    two = lyapunov_exponent(
        flow, orbit.y[:, -1], dt=0.02, n_steps=500, n_transient=100, random_state=0
    )
    assert tangent == pytest.approx(two, abs=1e-4)


def henon(x):
    x = np.asarray(x)
    return np.stack([1 - 1.4 * x[..., 0] ** 2 + x[..., 1], 0.3 * x[..., 0]], axis=-1)


def henon_jacobian(x):
    return np.array([[-2.8 * x[0], 1.0], [0.3, 0.0]])


@pytest.mark.parametrize("method", ["auto", "two_trajectory"])
def test_henon_map_spectrum(method):
    lam = lyapunov_exponent(
        henon,
        [0.1, 0.1],
        derivative=henon_jacobian,
        method=method,
        spectrum=True,
        n_steps=20_000,
        renormalize_every=1,
        random_state=0,
    )
    assert lam[0] == pytest.approx(0.4192, abs=5e-3)  # Sprott (2003); measured 0.41916
    assert lam.sum() == pytest.approx(np.log(0.3), abs=1e-6)  # |det J| = 0.3 at every step


def test_a_plain_flow_callable_and_its_jacobian():
    def rotation(t, x):  # a centre: both exponents zero
        return np.array([-x[1], x[0]])

    def jacobian(t, x):
        return np.array([[0.0, -1.0], [1.0, 0.0]])

    lam = lyapunov_exponent(rotation, [1.0, 0.0], derivative=jacobian, n_steps=2000, spectrum=True)
    np.testing.assert_allclose(lam, 0.0, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"f": Lorenz(), "x0": [1.0, 2.0]}, ValueError, "must have shape"),
        ({"f": Lorenz(), "x0": [1, 1, 1], "method": "qr"}, ValueError, "method must be one of"),
        ({"f": Lorenz(), "x0": [1, 1, 1], "dt": -0.1}, ValueError, "dt must be positive"),
        ({"f": Lorenz(), "x0": [1, 1, 1], "n_steps": 0}, ValueError, "n_steps must be"),
        ({"f": lambda t, x: x, "x0": [1.0], "method": "tangent"}, ValueError, "needs a Jacobian"),
        ({"f": lambda a, b, c: a, "x0": 0.1}, ValueError, "pass kind='map' or kind='flow'"),
        ({"f": 3.0, "x0": 0.1}, TypeError, "expected a system"),
    ],
)
def test_bad_input_raises(kwargs, error, match):
    with pytest.raises(error, match=match):
        lyapunov_exponent(**kwargs)


def test_escaping_orbit_raises():
    with pytest.raises(ValueError, match="became non-finite"):
        lyapunov_exponent(lambda t, x: x**2, [1.0], n_steps=1000, dt=0.01)


def test_fitted_map_model_has_the_logistic_exponent():
    x = [0.2]
    for _ in range(1000):
        x.append(3.9 * x[-1] * (1 - x[-1]))
    model = sparseid.SINDy(discrete_time=True).fit(np.array(x)[:, None])
    lam = lyapunov_exponent(model, [0.3], n_steps=20_000, renormalize_every=1, random_state=0)
    x0 = np.random.default_rng(0).uniform(0.1, 0.9, 2000)
    truth = lyapunov_exponent(lambda x: 3.9 * x * (1 - x), x0, n_steps=5000).mean()
    assert lam == pytest.approx(truth, abs=0.02)  # measured 0.4993 against 0.4961
