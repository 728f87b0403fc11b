"""Accuracy and speed of sparseid's differentiators, with PySINDy's as the reference.

Run by hand: ``.venv/bin/python benchmarks/bench_differentiation.py``.

Prints
1. the RMSE against the exact derivative for each method on sin(t) (uniform and jittered grids)
   and on the Lorenz system at noise 0, 1, 5 and 10 % of each column's standard deviation;
2. the agreement of ``FiniteDifference(order=2)`` with PySINDy's ``FiniteDifference()``;
3. the time of each method on 10^5 x 3 samples (best of several repeats) and the ratio to
   PySINDy's ``FiniteDifference()``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pysindy as ps  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from scipy.interpolate import make_smoothing_spline  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sparseid.differentiation import (  # noqa: E402
    FiniteDifference,
    SavitzkyGolay,
    SmoothingSpline,
    Spectral,
    TotalVariation,
    default_differentiation,
)

SEED = 0


def lorenz_data(n=5000, dt=0.002):
    def rhs(_, s):
        return [10.0 * (s[1] - s[0]), s[0] * (28.0 - s[2]) - s[1], s[0] * s[1] - 8.0 / 3.0 * s[2]]

    t = dt * np.arange(n)
    sol = solve_ivp(rhs, (0, t[-1]), [-8.0, 8.0, 27.0], t_eval=t, rtol=1e-12, atol=1e-12)
    x = sol.y.T
    return t, x, np.array(rhs(None, x.T)).T


def datasets():
    rng = np.random.default_rng(SEED)
    n = 1000
    t = np.linspace(0.0, 4 * np.pi, n, endpoint=False)  # two full periods: Spectral applies
    yield "sin uniform", t, np.sin(t), np.cos(t)
    step = t[1] - t[0]
    tj = t + rng.uniform(-0.25, 0.25, n) * step
    yield "sin jittered", tj, np.sin(tj), np.cos(tj)
    t, x, x_dot = lorenz_data()
    for level in (0.0, 0.01, 0.05, 0.10):
        noisy = x + level * x.std(axis=0) * rng.standard_normal(x.shape)
        yield f"Lorenz {level:.0%}", t, noisy, x_dot


METHODS = {
    "FiniteDifference(2)": FiniteDifference(order=2),
    "FiniteDifference(4)": FiniteDifference(order=4),
    "FiniteDifference(6)": FiniteDifference(order=6),
    "FiniteDifference(8) [default]": default_differentiation(),
    "SavitzkyGolay(21,3)": SavitzkyGolay(window=21, polyorder=3),
    "SavitzkyGolay(81,3)": SavitzkyGolay(window=81, polyorder=3),
    "SmoothingSpline(GCV)": SmoothingSpline(),
    "Spectral()": Spectral(),
    "Spectral(cutoff=0.05)": Spectral(cutoff=0.05),
    "TotalVariation(1e-2)": TotalVariation(alpha=1e-2),
    "TotalVariation(3e-3)": TotalVariation(alpha=3e-3),
    "pysindy FiniteDifference()": ps.FiniteDifference(),
    "pysindy SmoothedFiniteDifference()": ps.SmoothedFiniteDifference(),
}


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def accuracy_table():
    data = list(datasets())
    names = [d[0] for d in data]
    print("RMSE of the derivative against the exact one (n/a: method does not apply)\n")
    print(f"{'method':36s}" + "".join(f"{name:>14s}" for name in names))
    for label, method in METHODS.items():
        row = []
        for _, t, x, exact in data:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    row.append(f"{rmse(method(x, t), exact):14.3g}")
            except ValueError:
                row.append(f"{'n/a':>14s}")
        print(f"{label:36s}" + "".join(row))
    print(f"\n{'derivative RMS (scale)':36s}" + "".join(f"{rmse(d[3], 0):14.3g}" for d in data))


def agreement_with_pysindy():
    print("\nFiniteDifference(order=2) against pysindy FiniteDifference(): max |ours - theirs|")
    print("divided by max |theirs| per column (worst column)")
    for name, t, x, _ in datasets():
        x2 = x[:, None] if x.ndim == 1 else x
        ours = FiniteDifference(order=2)(x2, t)
        theirs = ps.FiniteDifference()(x2, t)
        diff = np.abs(ours - theirs) / np.max(np.abs(theirs), axis=0)
        print(f"  {name:14s} interior {np.max(diff[1:-1]):.2e}   ends {np.max(diff[[0, -1]]):.2e}")


def best_time(func, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def timing_table():
    rng = np.random.default_rng(SEED)
    n = 100_000
    t = np.linspace(0.0, 200.0, n)
    x = np.column_stack([np.sin(t), np.cos(1.3 * t), np.sin(0.7 * t) ** 2])
    x += 0.01 * rng.standard_normal(x.shape)
    ps.FiniteDifference()(x, t)  # warm-up
    reference = best_time(lambda: ps.FiniteDifference()(x, t), 10)
    print(f"\nTime on {n} x 3 samples (uniform t given as an array), best of repeats")
    print(f"{'method':36s}{'seconds':>12s}{'/ pysindy FD':>14s}")
    for label, method in METHODS.items():
        slow = isinstance(method, SmoothingSpline | TotalVariation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds = best_time(lambda m=method: m(x, t), 1 if slow else 5)
        print(f"{label:36s}{seconds:12.4f}{seconds / reference:14.2f}")
    nonuniform = t + rng.uniform(-0.25, 0.25, n) * (t[1] - t[0])
    ref_nu = best_time(lambda: ps.FiniteDifference()(x, nonuniform), 3)
    for order in (2, 8):
        seconds = best_time(lambda o=order: FiniteDifference(order=o)(x, nonuniform), 3)
        print(
            f"{f'FiniteDifference({order}) non-uniform t':36s}{seconds:12.4f}"
            f"{seconds / ref_nu:14.2f}   (pysindy non-uniform {ref_nu:.4f} s)"
        )


def spline_gcv_against_scipy():
    """GCV smoothing splines: ours against scipy's make_smoothing_spline(lam=None), 10^4 x 3."""
    rng = np.random.default_rng(SEED)
    n = 10_000
    t = np.linspace(0.0, 20.0, n)
    x = np.column_stack([np.sin(t), np.cos(1.3 * t), np.sin(0.7 * t) ** 2])
    x += 0.01 * rng.standard_normal(x.shape)
    ours = SmoothingSpline()
    ours_seconds = best_time(lambda: ours(x, t), 3)

    def scipy_gcv():
        return np.column_stack(
            [make_smoothing_spline(t, x[:, j]).derivative()(t) for j in range(3)]
        )

    scipy_seconds = best_time(scipy_gcv, 1)
    diff = np.max(np.abs(ours(x, t) - scipy_gcv()) / np.max(np.abs(scipy_gcv()), axis=0))
    print(
        f"\nSmoothingSpline(GCV) on {n} x 3: {ours_seconds:.3f} s; scipy make_smoothing_spline"
        f"(lam=None) {scipy_seconds:.3f} s (ratio {scipy_seconds / ours_seconds:.1f}); "
        f"max relative difference of the derivatives {diff:.1e}"
    )
    tv = TotalVariation()
    print(f"TotalVariation() on {n} x 3: {best_time(lambda: tv(x, t), 3):.3f} s")


if __name__ == "__main__":
    with threadpool_limits(1):
        accuracy_table()
        agreement_with_pysindy()
        timing_table()
        spline_gcv_against_scipy()
