"""Beyond memory: peak RSS and wall time of the streamed fit against PySINDy, files, Dask.

Lorenz data (dt = 0.002, trajectories of 10^5 samples from random starts on the attractor,
fixed-step RK4; 10^6 samples are 10 trajectories, 10^7 are 100, 10^8 are 1000), degree-3
polynomial library (20 terms), second-order finite differences (PySINDy's default) and
STLSQ(threshold=0.1) on both sides. Every measurement runs in a fresh process, one BLAS thread,
so its peak RSS (``VmHWM``) is its own; the estimator is built (imports done) and the data
loaded from ``.npy`` first, and "above data" is the peak minus the RSS right after that.

1. ``fit`` in memory, ours (streamed) and PySINDy's, at 10^6 and 10^7 samples;
2. ``sparseid.io.fit_files`` from Parquet (100 trajectories per file, a trajectory-id column)
   at 10^7 and (``--big``) 10^8 samples;
3. throughput of the streamed fit (samples per second, one core), degree 2 and 3;
4. the 10^7 fit through ``dask.distributed.LocalCluster`` (2 workers, 1 thread each), the workers
   reading the trajectories from disk, with the bytes the client received while fitting.

Run by hand (the data go to a temporary folder under ``--workdir``, deleted at the end)::

    python benchmarks/bench_scale.py            # 10^6 and 10^7 (0.5 GB of scratch data)
    python benchmarks/bench_scale.py --big      # also 10^8 from disk (5 GB of scratch data)

The machine may be shared: wall times are noisy; the memory figures are not.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

DT = 0.002
# (a smaller value, for a smoke test of the script, travels to the measuring processes)
PER_TRAJECTORY = int(os.environ.get("BENCH_SCALE_PER_TRAJECTORY", 100_000))
TRAJ_PER_FILE = 100
ROW_GROUP = 100_000


# -- data --------------------------------------------------------------------------------------
def _rk4(u, n):
    """States of the trajectories ``u`` (3, K) at ``n`` steps of DT, shape (n, 3, K)."""
    out = np.empty((n, *u.shape))
    h = DT
    k = [np.empty_like(u) for _ in range(4)]
    tmp = np.empty_like(u)

    def rhs(v, out):
        x, y, z = v
        np.subtract(y, x, out=out[0])
        out[0] *= 10.0
        np.subtract(28.0, z, out=out[1])
        out[1] *= x
        out[1] -= y
        np.multiply(x, y, out=out[2])
        out[2] -= (8.0 / 3.0) * z

    for i in range(n):
        out[i] = u
        rhs(u, k[0])
        np.multiply(k[0], 0.5 * h, out=tmp)
        tmp += u
        rhs(tmp, k[1])
        np.multiply(k[1], 0.5 * h, out=tmp)
        tmp += u
        rhs(tmp, k[2])
        np.multiply(k[2], h, out=tmp)
        tmp += u
        rhs(tmp, k[3])
        k[1] += k[2]
        k[1] *= 2.0
        k[1] += k[0]
        k[1] += k[3]
        u = u + (h / 6.0) * k[1]
    return out, u


def make_data(folder, n_files):
    """Lorenz trajectories of PER_TRAJECTORY samples, TRAJ_PER_FILE per Parquet file.

    ``run_b.parquet`` holds trajectories ``100 b ... 100 b + 99`` one after another, with a
    trajectory-id column ``run``; ``x.npy`` (TRAJ_PER_FILE, PER_TRAJECTORY, 3) holds those of
    ``run_0.parquet``, for the in-memory fits.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    k = n_files * TRAJ_PER_FILE
    rng = np.random.default_rng(0)
    u = (np.array([-8.0, 8.0, 27.0]) + rng.normal(size=(k, 3))).T.copy()
    u = _rk4(u, 2000)[1]  # onto the attractor
    states = np.empty((k, PER_TRAJECTORY, 3))
    for start in range(0, PER_TRAJECTORY, 10_000):
        stop = min(start + 10_000, PER_TRAJECTORY)
        block, u = _rk4(u, stop - start)
        states[:, start:stop] = block.transpose(2, 0, 1)
        print(f"   {stop:>9,d} steps of {k} trajectories", flush=True)
    np.save(folder / "x.npy", states[:TRAJ_PER_FILE])
    for b in range(n_files):
        part = states[b * TRAJ_PER_FILE : (b + 1) * TRAJ_PER_FILE].reshape(-1, 3)
        runs = np.repeat(np.arange(b * TRAJ_PER_FILE, (b + 1) * TRAJ_PER_FILE), PER_TRAJECTORY)
        table = pa.table({"run": runs, "x": part[:, 0], "y": part[:, 1], "z": part[:, 2]})
        pq.write_table(table, folder / f"run_{b}.parquet", row_group_size=ROW_GROUP)


# -- one measurement per process ---------------------------------------------------------------
def _status_kb(field):
    """``VmRSS`` (resident now) or ``VmHWM`` (peak) of this process, in kB.

    Not ``ru_maxrss``: Linux carries it over from the parent across fork and exec, so a child of
    a large process would report the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _read_npy(path, n_traj):
    """The first trajectories of x.npy, read into memory (no memory map left in the RSS)."""
    with open(path, "rb") as f:
        major, _ = np.lib.format.read_magic(f)
        read_header = (
            np.lib.format.read_array_header_1_0
            if major == 1
            else np.lib.format.read_array_header_2_0
        )
        shape, _, _ = read_header(f)
        count = n_traj * shape[1] * shape[2]
        return np.fromfile(f, dtype=np.float64, count=count).reshape(n_traj, *shape[1:])


def run(kind, n_traj, degree, folder):
    """Fit once; return wall time, RSS after loading, peak RSS (MB), coefficients."""
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore")
    folder = Path(folder)
    # Build the estimator first: imports are neither timed nor counted as the fit's memory.
    model = _pysindy(degree) if kind == "pysindy" else _ours(degree)
    if kind == "files":
        from sparseid.io import fit_files
    if kind == "dask":
        import dask.array  # noqa: F401
        import distributed  # noqa: F401
    data = None
    if kind in ("ours", "pysindy"):
        data = list(_read_npy(folder / "x.npy", n_traj))
    loaded = _status_kb("VmRSS")
    received = []
    with threadpool_limits(1):
        start = time.perf_counter()
        if kind == "ours":
            coef = model.fit(data, t=DT).coef_
        elif kind == "pysindy":
            coef = model.fit(data, t=DT).coefficients()
        elif kind == "files":
            paths = [folder / f"run_{b}.parquet" for b in range(n_traj // TRAJ_PER_FILE)]
            coef = fit_files(model, paths, time=DT, trajectory="run", verbose=False).coef_
        elif kind == "dask":
            coef, received, start = _dask(model, folder, n_traj)
        wall = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    return {
        "wall": wall,
        "loaded_mb": loaded / 1024,
        "peak_mb": peak / 1024,
        "coef": np.asarray(coef).tolist(),
        "received": int(sum(received)),
        "largest_message": int(max(received, default=0)),
    }


def _ours(degree):
    from sparseid import SINDy
    from sparseid.differentiation import FiniteDifference
    from sparseid.libraries import PolynomialLibrary
    from sparseid.optimizers import STLSQ

    return SINDy(PolynomialLibrary(degree=degree), FiniteDifference(order=2), STLSQ(threshold=0.1))


def _pysindy(degree):
    import pysindy as ps

    return ps.SINDy(
        optimizer=ps.STLSQ(threshold=0.1),
        feature_library=ps.PolynomialLibrary(degree=degree),
        differentiation_method=ps.FiniteDifference(order=2),
    )


def _dask(model, folder, n_traj):
    import dask
    import dask.array as da
    import distributed

    from sparseid._testing import client_bytes

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        # The workers read the trajectories from disk themselves, one chunk each.
        path = str(folder / "x.npy")
        shape = (PER_TRAJECTORY, 3)
        frames = [
            da.from_delayed(dask.delayed(_load_trajectory)(path, i), shape, np.float64)
            for i in range(n_traj)
        ]
        with client_bytes(cluster.scheduler_address) as received:
            start = time.perf_counter()
            coef = model.fit(frames, t=DT).coef_
    return coef, received, start


def _load_trajectory(path, i):
    return np.array(np.load(path, mmap_mode="r")[i])


def measure(kind, n_traj, degree, folder):
    out = subprocess.run(
        [sys.executable, __file__, "--run", kind, str(n_traj), str(degree), str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        print(out.stderr[-3000:])
        raise RuntimeError(f"{kind} on {n_traj} trajectories failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- driver ------------------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also 10^8 samples from disk")
    parser.add_argument("--repeat", type=int, default=3, help="repeats at 10^6 (median)")
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    parser.add_argument("--skip-pysindy-1e7", action="store_true")
    parser.add_argument("--data", help="reuse the data folder of an earlier run (not deleted)")
    args = parser.parse_args()
    n_files = 10 if args.big else 1
    if args.data:
        report(Path(args.data), args)
        return
    need_gb = 2 * n_files * TRAJ_PER_FILE * PER_TRAJECTORY * 3 * 8 / 1e9
    free_gb = shutil.disk_usage(args.workdir).free / 1e9
    print(f"scratch data: about {need_gb:.1f} GB; free in {args.workdir}: {free_gb:.0f} GB")
    if free_gb < 2 * need_gb:
        raise SystemExit("not enough free disk space")
    folder = Path(tempfile.mkdtemp(prefix="bench_scale_", dir=args.workdir))
    try:
        print("generating Lorenz data ...", flush=True)
        t0 = time.perf_counter()
        make_data(folder, n_files)
        print(f"   done in {time.perf_counter() - t0:.0f} s", flush=True)
        report(folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"deleted {folder}")


def _median(kind, n_traj, degree, folder, repeat):
    runs = [measure(kind, n_traj, degree, folder) for _ in range(repeat)]
    walls = sorted(r["wall"] for r in runs)
    best = runs[0]
    best["wall"] = walls[len(walls) // 2]
    return best


def report(folder, args):
    rows = []

    def row(label, kind, n_traj, degree=3, repeat=1):
        result = _median(kind, n_traj, degree, folder, repeat)
        rows.append((label, n_traj * PER_TRAJECTORY, result))
        r = result
        print(
            f"   {label:34s} n={n_traj * PER_TRAJECTORY:>11,d}  wall {r['wall']:8.2f} s  "
            f"peak {r['peak_mb']:8.0f} MB  above data {r['peak_mb'] - r['loaded_mb']:8.0f} MB",
            flush=True,
        )
        return result

    print("\n1-2. fit, degree 3 (20 terms)")
    ours6 = row("ours, in memory (streamed)", "ours", 10, repeat=args.repeat)
    ps6 = row("PySINDy, in memory", "pysindy", 10, repeat=args.repeat)
    ours7 = row("ours, in memory (streamed)", "ours", 100)
    ps7 = None if args.skip_pysindy_1e7 else row("PySINDy, in memory", "pysindy", 100)
    files7 = row("ours, fit_files from Parquet", "files", 100)
    files8 = row("ours, fit_files from Parquet", "files", 1000) if args.big else None

    print("\n3. throughput of the streamed fit, one core")
    for degree in (2, 3):
        r = ours7 if degree == 3 else _median("ours", 100, 2, folder, 1)
        print(f"   degree {degree}: {100 * PER_TRAJECTORY / r['wall'] / 1e6:.2f} M samples/s")

    print("\n4. dask.distributed LocalCluster, 2 workers, 10^7 samples read by the workers")
    dk = measure("dask", 100, 3, folder)
    diff = np.max(np.abs(np.array(dk["coef"]) - np.array(ours7["coef"])))
    print(
        f"   wall {dk['wall']:.2f} s; received by the client {dk['received'] / 1e3:.0f} kB "
        f"(largest message {dk['largest_message'] / 1e3:.1f} kB; the data are "
        f"{100 * PER_TRAJECTORY * 24 / 1e6:.0f} MB); coefficients vs in-memory fit: {diff:.1e}"
    )

    print("\nsummary (ratios measured in this run)")
    for n, ours, ps in [(10 * PER_TRAJECTORY, ours6, ps6), (100 * PER_TRAJECTORY, ours7, ps7)]:
        if ps is None:
            continue
        above = (ours["peak_mb"] - ours["loaded_mb"]) / (ps["peak_mb"] - ps["loaded_mb"])
        diff = np.max(np.abs(np.array(ours["coef"]) - np.array(ps["coef"])))
        print(
            f"   n={n:>11,d}: peak RSS ours/PySINDy = {ours['peak_mb'] / ps['peak_mb']:.3f} "
            f"(above data {above:.3f}); PySINDy/ours wall time = {ps['wall'] / ours['wall']:.2f}x;"
            f" coefficient difference {diff:.1e}"
        )
    for label, r in [("fit_files 10^7", files7), ("fit_files 10^8", files8)]:
        if r is not None:
            diff = np.max(np.abs(np.array(r["coef"]) - np.array(ours7["coef"])))
            other = " (other data: 1000 trajectories)" if r is files8 else ""
            print(
                f"   {label}: peak {r['peak_mb']:.0f} MB; coefficients vs 10^7 in memory "
                f"{diff:.1e}{other}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        kind, n_traj, degree, folder = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        print(json.dumps(run(kind, n_traj, degree, folder)))
    else:
        main()
