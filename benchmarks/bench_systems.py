"""Generality of the defaults: exact structure recovered on 23 polynomial chaotic flows.

Run by hand: ``.venv/bin/python benchmarks/bench_systems.py``.

For each system (Lorenz, Rössler, Chen, Lü and Sprott's flows A-S; degree-2 library), 20,000
samples at dt = 0.005 after a transient, clean and with 1 % noise (of each column's standard
deviation, seed 0), prints whether each method recovers exactly the true set of terms, and the
totals:

* ``auto``: ``SINDy(optimizer=STLSQ(threshold="auto"))`` (default differentiation: the
  noise-aware rule);
* ``weak``: ``SINDy(weak_form=True)`` (all defaults: GLS weak form, automatic threshold);
* ``tuned``: ``SINDy(optimizer=STLSQ(threshold=tau))`` with ``tau`` half the smallest true
  coefficient magnitude, with the noise-aware default and with the former default
  ``FiniteDifference(order=8)``;
* PySINDy 2.1 with its defaults (``STLSQ(threshold=0.1)``) and with the same ``tau``.

BLAS is pinned to one thread. Coefficients are compared as sets of nonzero terms only.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pysindy as ps  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sparseid import SINDy  # noqa: E402
from sparseid.differentiation import FiniteDifference  # noqa: E402
from sparseid.optimizers import STLSQ  # noqa: E402

# Right-hand sides as {target: {term: coefficient}} on the degree-2 monomials of x, y, z.
SYSTEMS = {
    "Lorenz": [{"x": -10, "y": 10}, {"x": 28, "y": -1, "x z": -1}, {"z": -8 / 3, "x y": 1}],
    "Rossler": [{"y": -1, "z": -1}, {"x": 1, "y": 0.2}, {"1": 0.2, "x z": 1, "z": -5.7}],
    "Chen": [{"x": -35, "y": 35}, {"x": -7, "x z": -1, "y": 28}, {"x y": 1, "z": -3}],
    "Lu": [{"x": -36, "y": 36}, {"x z": -1, "y": 20}, {"x y": 1, "z": -3}],
    "Sprott A": [{"y": 1}, {"x": -1, "y z": 1}, {"1": 1, "y^2": -1}],
    "Sprott B": [{"y z": 1}, {"x": 1, "y": -1}, {"1": 1, "x y": -1}],
    "Sprott C": [{"y z": 1}, {"x": 1, "y": -1}, {"1": 1, "x^2": -1}],
    "Sprott D": [{"y": -1}, {"x": 1, "z": 1}, {"x z": 1, "y^2": 3}],
    "Sprott E": [{"y z": 1}, {"x^2": 1, "y": -1}, {"1": 1, "x": -4}],
    "Sprott F": [{"y": 1, "z": 1}, {"x": -1, "y": 0.5}, {"x^2": 1, "z": -1}],
    "Sprott G": [{"x": 0.4, "z": 1}, {"x z": 1, "y": -1}, {"x": -1, "y": 1}],
    "Sprott H": [{"y": -1, "z^2": 1}, {"x": 1, "y": 0.5}, {"x": 1, "z": -1}],
    "Sprott I": [{"y": -0.2}, {"x": 1, "z": 1}, {"x": 1, "y^2": 1, "z": -1}],
    "Sprott J": [{"z": 2}, {"y": -2, "z": 1}, {"x": -1, "y": 1, "y^2": 1}],
    "Sprott K": [{"x y": 1, "z": -1}, {"x": 1, "y": -1}, {"x": 1, "z": 0.3}],
    "Sprott L": [{"y": 1, "z": 3.9}, {"x^2": 0.9, "y": -1}, {"1": 1, "x": -1}],
    "Sprott M": [{"z": -1}, {"x^2": -1, "y": -1}, {"1": 1.7, "x": 1.7, "y": 1}],
    "Sprott N": [{"y": -2}, {"x": 1, "z^2": 1}, {"1": 1, "y": 1, "z": -2}],
    "Sprott O": [{"y": 1}, {"x": 1, "z": -1}, {"x": 1, "x z": 1, "y": 2.7}],
    "Sprott P": [{"y": 2.7, "z": 1}, {"x": -1, "y^2": 1}, {"x": 1, "y": 1}],
    "Sprott Q": [{"z": -1}, {"x": 1, "y": -1}, {"x": 3.1, "y^2": 1, "z": 0.5}],
    "Sprott R": [{"1": 0.9, "y": -1}, {"1": 0.4, "z": 1}, {"x y": 1, "z": -1}],
    "Sprott S": [{"x": -1, "y": -4}, {"x": 1, "z^2": 1}, {"1": 1, "x": 1}],
}
NAMES = ["1", "x", "y", "z", "x^2", "x y", "x z", "y^2", "y z", "z^2"]
STARTS = [(0.1, 0.1, 0.1), (1.0, 1.0, 1.0), (0.0, 5.0, 0.0), (-1.0, 0.5, 0.5), (2.0, -1.0, 1.0)]


def monomials(s):
    x, y, z = s
    return np.array([1.0, x, y, z, x * x, x * y, x * z, y * y, y * z, z * z])


def true_coef(spec):
    coef = np.zeros((3, len(NAMES)))
    for i, row in enumerate(spec):
        for term, value in row.items():
            coef[i, NAMES.index(term)] = value
    return coef


def sample(coef, n=20_000, dt=0.005, transient=50.0):
    def rhs(_, s):
        return coef @ monomials(s)

    for start in STARTS:
        warm = solve_ivp(rhs, (0, transient), start, method="LSODA", rtol=1e-10, atol=1e-10)
        if not warm.success or np.abs(warm.y[:, -1]).max() > 1e3:
            continue
        t = np.arange(n) * dt
        sol = solve_ivp(
            rhs, (0, t[-1]), warm.y[:, -1], method="DOP853", t_eval=t, rtol=1e-12, atol=1e-12
        )
        if sol.success and np.all(np.isfinite(sol.y)) and np.abs(sol.y).max() < 1e3:
            return t, sol.y.T
    return None, None


def exact(coef, true):
    return bool(np.array_equal(np.asarray(coef) != 0, true != 0))


def main():
    tally = {}
    print(f"{'system':<10} noise  auto weak tuned tunedFD8 | pysindy tuned")
    for name, spec in SYSTEMS.items():
        true = true_coef(spec)
        tau = 0.5 * np.abs(true[true != 0]).min()
        t, clean = sample(true)
        if t is None:
            print(f"{name:<10} (no bounded trajectory from the starts tried; skipped)")
            continue
        rng = np.random.default_rng(0)
        for noise in (0.0, 0.01):
            x = clean + noise * clean.std(axis=0) * rng.standard_normal(clean.shape)
            names = ["x", "y", "z"]
            runs = {
                "auto": SINDy(optimizer=STLSQ(threshold="auto")),
                "weak": SINDy(weak_form=True),
                "tuned": SINDy(optimizer=STLSQ(threshold=tau)),
                "tunedFD8": SINDy(
                    optimizer=STLSQ(threshold=tau), differentiation_method=FiniteDifference(order=8)
                ),
            }
            row = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for key, model in runs.items():
                    model.fit(x, t=t, feature_names=names)
                    row[key] = exact(model.coef_, true)
                for key, thr in (("pysindy", 0.1), ("pysindy tuned", tau)):
                    ref = ps.SINDy(optimizer=ps.STLSQ(threshold=thr)).fit(x, t=t)
                    row[key] = exact(ref.coefficients(), true)
            for key, ok in row.items():
                tally.setdefault((key, noise), []).append(ok)
            marks = " ".join("  ok " if row[k] else "   - " for k in row)
            print(f"{name:<10} {noise:>4.0%} {marks}")
    print("\nexact structure recovered (systems):")
    for (key, noise), oks in sorted(tally.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"  {key:<14} noise {noise:>3.0%}: {sum(oks)}/{len(oks)}")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
