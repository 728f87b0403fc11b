"""Benchmark: PolynomialLibrary(degree=3).transform against scikit-learn's PolynomialFeatures(3).

Run by hand (not by pytest):

    .venv/bin/python benchmarks/bench_libraries.py [--rows 1000000] [--repeats 7] [--pysindy]

Prints the best time of several repeats for each transform on the same (rows x 3) float64 input,
in the same run and on one thread, the ratio, and the peak memory traced by tracemalloc during
one transform (the output alone is rows x 20 x 8 bytes). With ``--pysindy`` PySINDy's
PolynomialLibrary is timed as well. Also times the compiled Lorenz right-hand side.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sparseid.libraries import PolynomialLibrary, compile_rhs  # noqa: E402


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(function):
    tracemalloc.start()
    tracemalloc.reset_peak()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pysindy", action="store_true", help="also time PySINDy")
    args = parser.parse_args()

    X = np.random.default_rng(0).standard_normal((args.rows, 3))
    ours = PolynomialLibrary(degree=3).fit(X)
    reference = PolynomialFeatures(degree=3).fit(X)
    candidates = {
        "sparseid PolynomialLibrary(3)": lambda: ours.transform(X),
        "sklearn PolynomialFeatures(3)": lambda: reference.transform(X),
    }
    if args.pysindy:
        import pysindy

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = pysindy.PolynomialLibrary(degree=3).fit(X)
        candidates["pysindy PolynomialLibrary(3)"] = lambda: theirs.transform(X)

    max_diff = np.max(np.abs(ours.transform(X) - reference.transform(X)))
    output_mb = args.rows * ours.n_output_features_ * 8 / 1e6
    print(
        f"input {args.rows} x 3 float64, output {ours.n_output_features_} columns "
        f"({output_mb:.0f} MB); max |difference| to sklearn = {max_diff:.1e}"
    )
    results = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, function in candidates.items():
            seconds = best_time(function, args.repeats)
            peak = peak_memory(function)
            results[name] = seconds
            print(
                f"{name:32s} best of {args.repeats}: {seconds * 1e3:8.1f} ms   peak traced "
                f"memory {peak / 1e6:7.1f} MB ({peak / 1e6 / output_mb:.2f} x output)"
            )
    ratio = results["sparseid PolynomialLibrary(3)"] / results["sklearn PolynomialFeatures(3)"]
    print(f"time ratio sparseid / sklearn = {ratio:.3f}  (< 1 means sparseid is faster)")
    if args.pysindy:
        ratio = results["sparseid PolynomialLibrary(3)"] / results["pysindy PolynomialLibrary(3)"]
        print(f"time ratio sparseid / pysindy = {ratio:.3f}")

    # Compiled right-hand side of the Lorenz system from a degree-2 library.
    lib = PolynomialLibrary(degree=2).fit(np.zeros((1, 3)))
    coef = np.zeros((3, lib.n_output_features_))
    coef[0, [1, 2]] = -10.0, 10.0
    coef[1, [1, 2, 6]] = 28.0, -1.0, -1.0
    coef[2, [3, 5]] = -8.0 / 3.0, 1.0
    compiled = compile_rhs(lib.terms_, coef, 3)
    x = np.array([1.0, 2.0, 3.0])
    n_calls = 200_000
    for name, function in (("rhs", compiled.rhs), ("jacobian", compiled.jacobian)):
        seconds = best_time(lambda f=function: [f(x) for _ in range(n_calls)], 3) / n_calls
        print(f"compiled Lorenz {name}(x): {seconds * 1e6:.2f} us per call")


if __name__ == "__main__":
    main()
