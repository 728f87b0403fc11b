"""Tests of sparseid.differentiation: accuracy orders, smoothing on noisy data, errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import make_smoothing_spline

from sparseid.differentiation import (
    DEFAULT_DIFFERENTIATION,
    BaseDifferentiation,
    FiniteDifference,
    NoiseWarning,
    SavitzkyGolay,
    SmoothingSpline,
    Spectral,
    TotalVariation,
    check_noise,
    default_differentiation,
    estimate_noise,
    fornberg_weights,
)


@pytest.fixture(scope="module")
def lorenz(lorenz_samples):
    """2000 samples of Lorenz at dt = 0.002 and the exact derivative at the samples."""
    return lorenz_samples(2000)


@pytest.fixture(scope="module")
def noisy_lorenz(lorenz):
    t, x, x_dot = lorenz
    rng = np.random.default_rng(42)
    return t, x + 0.05 * x.std(axis=0) * rng.standard_normal(x.shape), x_dot


def _rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def _jittered(step, span=8.0, seed=0):
    """A non-uniform grid: nominal spacing ``step``, each sample moved by up to a quarter step."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, span, step)
    return t + rng.uniform(-0.25, 0.25, t.size) * step


# --- Fornberg weights ------------------------------------------------------------------------


def test_fornberg_known_weights():
    np.testing.assert_allclose(
        fornberg_weights([-2.0, -1, 0, 1, 2]), [1 / 12, -2 / 3, 0, 2 / 3, -1 / 12], atol=1e-15
    )
    np.testing.assert_allclose(fornberg_weights([-1.0, 0, 1], derivative=2), [1, -2, 1], atol=1e-15)
    np.testing.assert_allclose(fornberg_weights([0.0, 1.0, 2.0], z=2.0), [0.5, -2.0, 1.5])


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 9), st.integers(0, 10_000), st.floats(1e-4, 1e3))
def test_fornberg_exact_on_polynomials(n_nodes, seed, scale):
    rng = np.random.default_rng(seed)
    nodes = scale * np.sort(rng.uniform(-1, 1, n_nodes) + 3 * np.arange(n_nodes))
    z = scale * rng.uniform(0, 3 * n_nodes)
    coef = rng.standard_normal(n_nodes)
    poly = np.polynomial.Polynomial(coef)
    w = fornberg_weights(nodes, z)
    expected = poly.deriv()(z)
    assert abs(w @ poly(nodes) - expected) <= 1e-6 * (1 + np.abs(w) @ np.abs(poly(nodes)))


def test_fornberg_batched_matches_single():
    rng = np.random.default_rng(1)
    nodes = np.sort(rng.uniform(0, 1, (4, 5)), axis=1)
    z = rng.uniform(0, 1, 4)
    batch = fornberg_weights(nodes, z, 2)
    for i in range(4):
        np.testing.assert_allclose(batch[i], fornberg_weights(nodes[i], z[i], 2), rtol=1e-12)


# --- FiniteDifference -----------------------------------------------------------------------

# Step ranges where truncation error dominates round-off even with the end stencils.
_STEPS = {2: (0.2, 0.02), 4: (0.3, 0.03), 6: (0.4, 0.05), 8: (0.5, 0.08)}


@pytest.mark.parametrize("order", [2, 4, 6, 8])
@pytest.mark.parametrize("grid", ["uniform", "jittered"])
def test_finite_difference_convergence_order(order, grid):
    steps = np.geomspace(*_STEPS[order], 6)
    errors = []
    for step in steps:
        t = np.arange(0.0, 8.0, step) if grid == "uniform" else _jittered(step)
        x_dot = FiniteDifference(order=order)(np.sin(t), t)
        errors.append(np.max(np.abs(x_dot - np.cos(t))))  # ends included
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    # measured |slope - order| up to 0.11 (order 8 on the uniform grid)
    assert abs(slope - order) < 0.3, (order, grid, slope, errors)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([2, 4, 6, 8]), st.integers(0, 10_000))
def test_finite_difference_exact_on_polynomials(order, seed):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.5, 1.5, 30)) * 0.1
    poly = np.polynomial.Polynomial(rng.standard_normal(order + 1))
    x = np.column_stack([poly(t), 2 * poly(t)])
    np.testing.assert_allclose(
        FiniteDifference(order=order)(x, t),
        np.column_stack([poly.deriv()(t)] * 2) * [1, 2],
        rtol=0,
        # rounding: measured up to 4.4e-13 of the largest derivative over 8000 draws
        atol=2e-12 * np.max(np.abs(poly.deriv()(t))),
    )


@pytest.mark.parametrize("order", [2, 4, 6, 8])
def test_finite_difference_uniform_and_general_paths_agree(order):
    t = np.linspace(0.0, 3.0, 40)
    x = np.column_stack([np.sin(t), np.exp(t)])
    method = FiniteDifference(order=order)
    np.testing.assert_allclose(  # measured up to 9.6e-13
        method(x, t), method._differentiate_nonuniform(x, t, order), rtol=0, atol=3e-12
    )
    np.testing.assert_allclose(method(x, t[1] - t[0]), method(x, t), rtol=1e-12, atol=1e-12)


def test_one_dimensional_input_gives_one_dimensional_output():
    t = np.linspace(0, 1, 20)
    for method in (
        FiniteDifference(),
        SavitzkyGolay(window=7),
        SmoothingSpline(),
        TotalVariation(),
        Spectral(),
    ):
        out = method(np.sin(t), t)
        assert out.shape == (20,) and out.dtype == np.float64
        np.testing.assert_array_equal(out, method(np.sin(t)[:, None], t)[:, 0])


@pytest.mark.parametrize("grid", ["uniform", "jittered"])
def test_finite_difference_order2_agrees_with_pysindy(lorenz, grid):
    ps = pytest.importorskip("pysindy")
    t, x, _ = lorenz
    if grid == "jittered":
        t = t + np.random.default_rng(3).uniform(-0.25, 0.25, t.size) * 0.002
    ours = FiniteDifference()(x, t)
    theirs = ps.FiniteDifference()(x, t)
    scale = np.max(np.abs(theirs), axis=0)
    assert np.max(np.abs(ours - theirs)[1:-1] / scale) < 5e-13  # measured 1.1e-13
    # PySINDy's ends are also three-point one-sided differences: they agree there too.
    assert np.max(np.abs(ours - theirs) / scale) < 5e-13


@pytest.mark.parametrize(
    "method", [FiniteDifference(order=4), SavitzkyGolay(window=9, polyorder=3)]
)
def test_halo_allows_chunked_differentiation(method):
    t = np.linspace(0.0, 5.0, 200)
    x = np.column_stack([np.sin(t), np.cos(2 * t)])
    full = method(x, t)
    halo = method.halo
    start, stop = 80, 130
    chunk = method(x[start - halo : stop + halo], t[start - halo : stop + halo])
    np.testing.assert_allclose(chunk[halo:-halo], full[start:stop], rtol=1e-12, atol=1e-12)


def test_halo_values():
    assert FiniteDifference(order=6).halo == 3
    assert SavitzkyGolay(window=11).halo == 5
    for method in (SmoothingSpline(), Spectral(), TotalVariation()):
        assert method.halo == "global"


# --- smoothing methods -----------------------------------------------------------------------


def test_savitzky_golay_exact_on_polynomials_including_ends():
    t = np.linspace(0.0, 2.0, 30)
    x = 1 + t - 2 * t**2 + 0.5 * t**3
    expected = 1 - 4 * t + 1.5 * t**2
    # rounding only: measured 8.4e-15 (uniform) and 7.2e-15 (jittered)
    method = SavitzkyGolay(window=9, polyorder=3)
    np.testing.assert_allclose(method(x, t), expected, rtol=0, atol=3e-14)
    t_jit = _jittered(0.07, span=2.0)
    x = 1 + t_jit - 2 * t_jit**2 + 0.5 * t_jit**3
    np.testing.assert_allclose(method(x, t_jit), 1 - 4 * t_jit + 1.5 * t_jit**2, rtol=0, atol=3e-14)


def test_savitzky_golay_local_fits_match_filter_on_uniform_grid():
    t = np.linspace(0.0, 4.0, 100)
    x = np.column_stack([np.sin(3 * t), np.exp(-t)])
    method = SavitzkyGolay(window=11, polyorder=4)
    np.testing.assert_allclose(  # measured 1.7e-14
        method(x, t), method._differentiate_local_fits(x, t, 11, 4), rtol=0, atol=5e-14
    )


def test_smoothing_spline_accurate_on_clean_data():
    t = _jittered(0.02, span=6.0)
    error = np.abs(SmoothingSpline(smoothing=0.0)(np.sin(t), t) - np.cos(t))
    assert np.max(error[20:-20]) < 5e-7  # measured 1.9e-7
    # The natural end conditions (zero second derivative) bias the last few samples.
    assert np.max(error) < 4e-3  # measured 1.8e-3


@pytest.mark.parametrize("lam", [0.0, 1e-4, 1e-2, 1.0])
def test_smoothing_spline_matches_scipy_for_fixed_smoothing(lam):
    t = _jittered(0.03, span=9.0, seed=5)
    x = np.sin(t) + 0.05 * np.random.default_rng(5).standard_normal(t.size)
    expected = make_smoothing_spline(t, x, lam=lam).derivative()(t)
    # measured 2.5e-15, 4.6e-14, 9.3e-13, 2.1e-11 of the largest derivative for the four lam
    np.testing.assert_allclose(
        SmoothingSpline(smoothing=lam)(x, t),
        expected,
        rtol=0,
        atol=5e-11 * np.max(np.abs(expected)),
    )


def test_smoothing_spline_gcv_matches_scipy_and_scales_with_time_unit():
    t = _jittered(0.03, span=9.0, seed=6)
    rng = np.random.default_rng(6)
    x = np.column_stack([np.sin(t) + 0.05 * rng.standard_normal(t.size), np.cos(3 * t)])
    x[:, 1] += 0.01 * rng.standard_normal(t.size)
    ours = SmoothingSpline()(x, t)
    for j in range(2):
        expected = make_smoothing_spline(t, x[:, j]).derivative()(t)
        # the two GCV minimisers stop at slightly different lam: measured 2.3e-4 and 5.0e-5
        assert np.max(np.abs(ours[:, j] - expected)) < 5e-4 * np.max(np.abs(expected))
    lam = SmoothingSpline().gcv_smoothing(x, t)
    assert np.all(lam > 0)
    # lam multiplies an integral of f''**2 dt: it scales like time**3 (measured: exactly).
    np.testing.assert_allclose(SmoothingSpline().gcv_smoothing(x, 2.0 * t), 8.0 * lam, rtol=1e-12)


def test_spectral_exact_on_periodic_data_and_cutoff_removes_noise():
    t = np.linspace(0.0, 2 * np.pi, 256, endpoint=False)
    x = np.column_stack([np.sin(3 * t), np.cos(5 * t) + 0.5 * np.sin(t)])
    exact = np.column_stack([3 * np.cos(3 * t), -5 * np.sin(5 * t) + 0.5 * np.cos(t)])
    np.testing.assert_allclose(Spectral()(x, t), exact, rtol=0, atol=5e-13)  # measured 1.9e-13
    noisy = x + 0.05 * np.random.default_rng(0).standard_normal(x.shape)
    plain = _rmse(Spectral()(noisy, t), exact)
    cut = _rmse(Spectral(cutoff=0.1)(noisy, t), exact)
    assert cut < 0.07 * plain  # measured 0.034


@pytest.mark.parametrize(
    ("method", "max_ratio"),
    # RMSE against second-order differences, measured: 0.047, 0.023, 0.052
    [
        (SavitzkyGolay(window=41, polyorder=3), 0.1),
        (SmoothingSpline(), 0.05),
        (TotalVariation(alpha=3e-3), 0.1),
    ],
    ids=["SavitzkyGolay", "SmoothingSpline", "TotalVariation"],
)
def test_smoothing_methods_beat_second_order_differences_on_noisy_lorenz(
    noisy_lorenz, method, max_ratio
):
    t, x, x_dot = noisy_lorenz
    baseline = _rmse(FiniteDifference(order=2)(x, t), x_dot)
    assert _rmse(method(x, t), x_dot) < max_ratio * baseline


def test_total_variation_warns_when_not_converged():
    t = np.linspace(0, 1, 100)
    x = np.abs(t - 0.5) + 0.01 * np.random.default_rng(0).standard_normal(100)
    with pytest.warns(UserWarning, match="did not converge"):
        TotalVariation(alpha=1e-2, max_iter=2, tol=1e-12)(x, t)


def test_total_variation_recovers_a_kink():
    t = np.linspace(0.0, 1.0, 401)
    x = np.abs(t - 0.5) + 0.005 * np.random.default_rng(1).standard_normal(t.size)
    x_dot = TotalVariation(alpha=1e-2, max_iter=500, tol=1e-4)(x, t)
    away = np.abs(t - 0.5) > 0.05
    assert np.median(np.abs(x_dot - np.sign(t - 0.5))[away]) < 0.006  # measured 0.0024


@pytest.mark.parametrize(
    ("method", "atol"),
    # measured: 6.5e-13, 5.5e-14, 2.8e-14 (exact up to rounding) and 2.5e-5 (TotalVariation's
    # iterative solve stops at its tolerance)
    [
        (FiniteDifference(order=8), 2e-12),
        (SavitzkyGolay(), 2e-13),
        (SmoothingSpline(), 1e-13),
        (TotalVariation(), 6e-5),
    ],
    ids=["FiniteDifference", "SavitzkyGolay", "SmoothingSpline", "TotalVariation"],
)
def test_constant_and_linear_columns(method, atol):
    t = np.linspace(0.0, 1.0, 50)
    x = np.column_stack([np.full(50, 3.0), 2.0 * t + 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x_dot = method(x, t)
        assert np.all(check_noise(x, t, FiniteDifference()) == 0.0)
    expected = np.column_stack([np.zeros(50), np.full(50, 2.0)])
    np.testing.assert_allclose(x_dot, expected, rtol=0, atol=atol)


# --- bad input -------------------------------------------------------------------------------

_T = np.linspace(0.0, 1.0, 20)
_X = np.sin(_T)


@pytest.mark.parametrize(
    ("method", "t", "error", "match"),
    [
        (SavitzkyGolay(window=21), _T, ValueError, "SavitzkyGolay: window=21 is longer"),
        (SavitzkyGolay(window=8), _T, ValueError, "SavitzkyGolay: window=8 must be an odd"),
        (SavitzkyGolay(window=5, polyorder=5), _T, ValueError, "polyorder=5 must be smaller"),
        (SavitzkyGolay(window=5, polyorder=0), _T, ValueError, "polyorder=0 must be >= 1"),
        (SavitzkyGolay(window=5.0), _T, TypeError, "window=5.0 must be an odd integer"),
        (Spectral(), _T**2, ValueError, "Spectral: t must be uniformly spaced"),
        (Spectral(cutoff=1.5), _T, ValueError, r"Spectral: cutoff=1.5 must be in \(0, 1\]"),
        (FiniteDifference(order=20), _T, ValueError, "order=20 needs at least 21 samples"),
        (FiniteDifference(order=3), _T, ValueError, "order=3 must be an even integer"),
        (FiniteDifference(order=2.0), _T, TypeError, "order=2.0 must be an even integer"),
        (FiniteDifference(), _T[::-1], ValueError, "t must be strictly increasing"),
        (FiniteDifference(), _T[:-1], ValueError, r"t must have shape \(20,\)"),
        (FiniteDifference(), -0.1, ValueError, "time step t=-0.1 must be a positive"),
        (SmoothingSpline(smoothing=-1.0), _T, ValueError, "SmoothingSpline: smoothing=-1.0"),
        (TotalVariation(alpha=0.0), _T, ValueError, "TotalVariation: alpha=0.0"),
        (TotalVariation(max_iter=0), _T, ValueError, "TotalVariation: max_iter=0"),
    ],
)
def test_bad_input_raises_clear_errors(method, t, error, match):
    with pytest.raises(error, match=match):
        method(_X, t)


def test_non_finite_and_badly_shaped_x_are_rejected():
    x = _X.copy()
    x[3] = np.nan
    with pytest.raises(ValueError, match="FiniteDifference: x must be finite, but row 3"):
        FiniteDifference()(x, _T)
    with pytest.raises(ValueError, match="x must have shape"):
        FiniteDifference()(np.zeros((20, 2, 2)), _T)


def test_too_few_samples():
    with pytest.raises(ValueError, match="SmoothingSpline: needs at least 5 samples"):
        SmoothingSpline()(_X[:4], _T[:4])
    with pytest.raises(ValueError, match="FiniteDifference: order=8 needs at least 9 samples"):
        default_differentiation()(_X[:8], _T[:8])
    with pytest.raises(ValueError, match="FiniteDifference: order=8 needs at least 9 samples"):
        check_noise(_X[:8], _T[:8], default_differentiation())
    assert check_noise(_X[:7], _T[:7], FiniteDifference()) is None  # too short to estimate


# --- default and noise diagnostic ------------------------------------------------------------


def test_default_differentiation_is_fresh_and_documented():
    a, b = default_differentiation(), default_differentiation()
    assert a is not b and isinstance(a, BaseDifferentiation)
    assert repr(a) == DEFAULT_DIFFERENTIATION == "FiniteDifference(order=8)"


def test_default_is_accurate_on_clean_lorenz(lorenz):
    t, x, x_dot = lorenz
    error = np.max(np.abs(default_differentiation()(x, t) - x_dot))
    assert error < 1e-9 * np.max(np.abs(x_dot))  # measured 3.4e-10


@pytest.mark.parametrize("level", [1e-3, 1e-2, 0.05])
def test_estimate_noise_recovers_the_level(lorenz, level):
    t, x, _ = lorenz
    sigma = level * x.std(axis=0)
    noisy = x + sigma * np.random.default_rng(7).standard_normal(x.shape)
    # a statistical estimate from 2000 samples: measured 1.6 % off at each level
    np.testing.assert_allclose(estimate_noise(noisy, t), sigma, rtol=0.035)
    np.testing.assert_allclose(estimate_noise(noisy), sigma, rtol=0.035)
    assert np.all(estimate_noise(x, t) < 5e-11 * x.std(axis=0))  # measured 1.8e-11


def test_estimate_noise_on_non_uniform_times():
    t = _jittered(0.002, span=10.0, seed=8)
    noise = 0.01 * np.random.default_rng(8).standard_normal(t.size)
    assert abs(estimate_noise(np.sin(t) + noise, t) - 0.01) < 8e-4  # measured 3.4e-4
    assert estimate_noise(np.sin(t), t) < 1e-15  # measured 8.8e-17


def test_spectral_odd_length_and_scalar_step():
    t = np.linspace(0.0, 2 * np.pi, 255, endpoint=False)
    np.testing.assert_allclose(  # measured 1.4e-13
        Spectral()(np.sin(3 * t), t[1] - t[0]), 3 * np.cos(3 * t), rtol=0, atol=5e-13
    )


def test_check_noise_silent_on_clean_and_warns_on_noisy_lorenz(lorenz, noisy_lorenz):
    t, x, _ = lorenz
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ratio = check_noise(x, t, FiniteDifference(order=6))
    assert np.all(ratio < 3e-9)  # measured 1.1e-9
    t, x_noisy, _ = noisy_lorenz
    with pytest.warns(NoiseWarning, match="SavitzkyGolay, SmoothingSpline or TotalVariation"):
        ratio = check_noise(x_noisy, t, FiniteDifference(order=6))
    assert np.all(ratio > 1)
    assert check_noise(x_noisy, t, SmoothingSpline()) is None
