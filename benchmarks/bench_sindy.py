"""SINDy end to end against PySINDy, in one run, one BLAS thread on both sides.

Measures, on Lorenz data (degree-2 polynomial library, STLSQ(threshold=0.1)):

1. ``fit`` on 10^6 samples (both with second-order finite differences, PySINDy's default, so they
   do the same work; our own default, eighth order, is timed too);
2. ``simulate`` of the fitted model over 5,000 points (dt = 0.002) at rtol = atol = 1e-12, and the
   largest difference between the two trajectories;
3. ``predict`` on one state vector.

Run: ``python benchmarks/bench_sindy.py [--samples 1000000] [--repeat 3]``
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pysindy as ps  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import sparseid  # noqa: E402
from sparseid.differentiation import FiniteDifference  # noqa: E402
from sparseid.optimizers import STLSQ  # noqa: E402
from sparseid.systems import make_lorenz  # noqa: E402


def best_time(func, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dt = 0.002
    print(f"generating {args.samples} Lorenz samples (dt = {dt}) ...", flush=True)
    x = make_lorenz(args.samples, dt, rtol=1e-10, atol=1e-10).to_numpy()

    rows = []
    print("\n1. fit, degree-2 library, STLSQ(0.1)")
    ours_fd2, model = best_time(
        lambda: sparseid.SINDy(
            optimizer=STLSQ(threshold=0.1), differentiation_method=FiniteDifference(order=2)
        ).fit(x, t=dt),
        args.repeat,
    )
    ours_default, _ = best_time(
        lambda: sparseid.SINDy(optimizer=STLSQ(threshold=0.1)).fit(x, t=dt), args.repeat
    )
    theirs_fit, ref = best_time(
        lambda: ps.SINDy(
            optimizer=ps.STLSQ(threshold=0.1),
            feature_library=ps.PolynomialLibrary(degree=2),
            differentiation_method=ps.FiniteDifference(order=2),
        ).fit(x, t=dt),
        args.repeat,
    )
    diff = np.max(np.abs(model.coef_ - ref.coefficients()))
    rows.append(("fit, order-2 differences", ours_fd2, theirs_fit))
    rows.append(("fit, our default (order 8)", ours_default, theirs_fit))
    print(f"   largest coefficient difference (same settings): {diff:.2e}")

    print("\n2. simulate 5,000 points, rtol = atol = 1e-12")
    t = np.arange(5000) * dt
    x0 = x[0]
    ours_sim, sim = best_time(lambda: model.simulate(x0, t), args.repeat)
    theirs_sim, ref_sim = best_time(
        lambda: ref.simulate(
            x0, t, integrator_kws={"method": "LSODA", "rtol": 1e-12, "atol": 1e-12}
        ),
        1,
    )
    rows.append(("simulate 5,000 points (LSODA)", ours_sim, theirs_sim))
    agree = np.max(np.abs(sim - ref_sim)[:1000])
    print(f"   largest difference over the first 2 time units: {agree:.2e}")

    print("\n3. predict one state")
    state = x[:1].copy()
    n_calls = 2000

    def ours_predict():
        for _ in range(n_calls):
            model.predict(state)

    def theirs_predict():
        for _ in range(n_calls // 10):
            ref.predict(state)

    ours_pred, _ = best_time(ours_predict, args.repeat)
    theirs_pred, _ = best_time(theirs_predict, args.repeat)
    rows.append(("predict one state", ours_pred / n_calls, theirs_pred / (n_calls // 10)))

    print(f"\n{'what':32s} {'sparseid':>12s} {'PySINDy':>12s} {'speed-up':>9s}")
    for name, ours, theirs in rows:
        print(f"{name:32s} {ours:11.4g}s {theirs:11.4g}s {theirs / ours:8.1f}x")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    with threadpool_limits(1):
        main()
