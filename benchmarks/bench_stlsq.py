"""STLSQ speed, memory and accuracy: sparseid against PySINDy on a degree-5 Lorenz library.

Run by hand (takes a few minutes; PySINDy alone needs ~10 s per fit at 10^6 samples)::

    .venv/bin/python benchmarks/bench_stlsq.py            # 10^5 and 10^6 samples
    .venv/bin/python benchmarks/bench_stlsq.py --sizes 100000 --repeats 2

Both optimizers get the same library Θ (56 columns) and exact derivatives, the same settings
and one BLAS thread. Times are the best of several repeats; peak memory is measured with
tracemalloc in separate runs (numpy reports its allocations to it).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from scipy.linalg import cho_factor, cho_solve  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sparseid.optimizers import STLSQ, SufficientStatistics  # noqa: E402


def lorenz_rhs(u):
    x, y, z = u.T
    return np.stack([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z], axis=1)


def lorenz(n, dt=0.002, rtol=1e-10):
    """One long trajectory from (-8, 8, 27); a benchmark does not need rtol=1e-12."""
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


def timed(fit):
    """Wall and CPU time of one call; CPU time is less disturbed by other jobs on the machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fit()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def best_time(fit, repeats):
    runs = [timed(fit) for _ in range(repeats)]
    return min(r[0] for r in runs), runs[-1][2]


def peak_memory(fit):
    tracemalloc.start()
    fit()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def compare_speed(theta, y, repeats, params):
    import pysindy

    def ours():
        return STLSQ(**params).fit(theta, y).coef_

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pysindy.STLSQ(**params).fit(theta, y).coef_

    # Alternate the two so that a burst of load from other jobs hits both alike.
    runs_ours, runs_theirs = [], []
    for _ in range(repeats):
        runs_ours.append(timed(ours))
        runs_theirs.append(timed(theirs))
    wall_ours, cpu_ours = (min(r[i] for r in runs_ours) for i in (0, 1))
    wall_theirs, cpu_theirs = (min(r[i] for r in runs_theirs) for i in (0, 1))
    c_ours, c_theirs = runs_ours[-1][2], runs_theirs[-1][2]
    m_ours, m_theirs = peak_memory(ours), peak_memory(theirs)
    n = len(theta)
    print(
        f"n={n:>8d}  wall: PySINDy {wall_theirs:6.3f} s, sparseid {wall_ours:6.3f} s, "
        f"ratio {wall_theirs / wall_ours:5.1f}x  |  CPU: PySINDy {cpu_theirs:6.3f} s, "
        f"sparseid {cpu_ours:6.3f} s, ratio {cpu_theirs / cpu_ours:5.1f}x"
    )
    print(
        f"            peak extra memory PySINDy {m_theirs:7.0f} MiB  "
        f"sparseid {m_ours:6.0f} MiB (Θ itself {theta.nbytes / 2**20:.0f} MiB)  |  "
        f"max |Δcoef| {np.abs(c_ours - c_theirs).max():.1e}  "
        f"same support: {np.array_equal(c_ours != 0, c_theirs != 0)}"
    )


def compare_accuracy(theta, y):
    norms = np.linalg.norm(theta, axis=0)
    scaled = theta / norms
    print(
        f"\naccuracy on n={len(theta)}, p={theta.shape[1]}: cond(Θ)={np.linalg.cond(theta):.1e}, "
        f"after column scaling {np.linalg.cond(scaled):.1e}; relative error per target "
        "against numpy.linalg.lstsq on the column-scaled matrix"
    )
    reference = np.linalg.lstsq(scaled, y, rcond=None)[0] / norms[:, None]

    def gram_cholesky():
        return cho_solve(cho_factor(scaled.T @ scaled), scaled.T @ y) / norms[:, None]

    def householder():
        q, r = np.linalg.qr(scaled)
        return np.linalg.solve(r, q.T @ y) / norms[:, None]

    def sufficient_statistics():
        return SufficientStatistics.from_arrays(theta, y).solve().T

    def lstsq():
        return np.linalg.lstsq(scaled, y, rcond=None)[0] / norms[:, None]

    for name, method in [
        ("Gram + Cholesky (scaled)", gram_cholesky),
        ("Householder QR (scaled)", householder),
        ("sparseid blocked CholeskyQR2", sufficient_statistics),
        ("numpy.linalg.lstsq (SVD)", lstsq),
    ]:
        seconds, coef = best_time(method, 3)
        err = np.linalg.norm(coef - reference, axis=0) / np.linalg.norm(reference, axis=0)
        print(f"  {name:30s} {seconds:7.3f} s   max rel. error {err.max():.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--accuracy-size", type=int, default=200_000)
    args = parser.parse_args()
    params = dict(threshold=0.1, alpha=0.05, max_iter=20, normalize_columns=False, unbias=True)
    n_max = max([*args.sizes, args.accuracy_size])
    start = time.perf_counter()
    x, dx = lorenz(n_max)
    print(f"Lorenz trajectory of {n_max} samples in {time.perf_counter() - start:.1f} s; {params}")
    with threadpool_limits(1):
        for n in args.sizes:
            theta = PolynomialFeatures(5).fit_transform(x[:n])
            compare_speed(theta, dx[:n], args.repeats, params)
            del theta
        if args.accuracy_size:
            n = args.accuracy_size
            compare_accuracy(PolynomialFeatures(5).fit_transform(x[:n]), dx[:n])


if __name__ == "__main__":
    main()
