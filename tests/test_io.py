"""sparseid.io: fit straight from CSV and Parquet files, in chunks."""

import numpy as np
import pandas as pd
import pytest

from sparseid import LinearModel, SINDy
from sparseid.differentiation import FiniteDifference
from sparseid.io import fit_files, read_trajectories
from sparseid.libraries import PolynomialLibrary


@pytest.fixture(scope="module")
def lorenz_frames(lorenz_samples):
    """Two Lorenz trajectories as DataFrames with a time column and a control input."""
    t, x, _ = (a[:6000] for a in lorenz_samples(20_000))
    frames = []
    for k, rows in enumerate([slice(0, 3500), slice(3500, 6000)]):
        frame = pd.DataFrame(x[rows], columns=["x", "y", "z"])
        frame.insert(0, "t", t[rows])
        frame["u"] = np.sin(3 * t[rows])
        frame["run"] = k
        frames.append(frame)
    return frames


def _model():
    return SINDy(PolynomialLibrary(degree=2), FiniteDifference(order=4))


def _in_memory(frames, **kwargs):
    xs = [f[["x", "y", "z"]].to_numpy() for f in frames]
    return _model().fit(xs, t=[f["t"].to_numpy() for f in frames], **kwargs)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_fit_files_equals_the_in_memory_fit(tmp_path, lorenz_frames, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    paths = []
    for k, frame in enumerate(lorenz_frames):
        path = tmp_path / f"run{k}.{fmt}"
        frame.drop(columns=["run", "u"]).pipe(
            lambda f, p=path: f.to_csv(p, index=False) if fmt == "csv" else f.to_parquet(p)
        )
        paths.append(path)
    whole = _in_memory(lorenz_frames)
    # Chunks of 1000 rows: boundaries inside each trajectory, continued with the halo.
    model = fit_files(_model(), paths, chunk_rows=1000, verbose=False)
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=0, atol=1e-12 * 28)
    assert model.variable_names_ == ["x", "y", "z"]
    # One file, a trajectory-id column and a control input, chunk boundaries inside runs.
    one = tmp_path / f"all.{fmt}"
    both = pd.concat(lorenz_frames, ignore_index=True)
    both.to_csv(one, index=False) if fmt == "csv" else both.to_parquet(one)
    with_u = _in_memory(lorenz_frames, u=[f[["u"]].to_numpy() for f in lorenz_frames])
    model = fit_files(_model(), one, inputs=["u"], trajectory="run", chunk_rows=777, verbose=False)
    np.testing.assert_allclose(model.coef_, with_u.coef_, rtol=0, atol=1e-12 * 28)
    assert model.control_names_ == ["u"]


def test_read_trajectories_from_dataframe_chunks(lorenz_frames):
    frame = lorenz_frames[0]
    chunks = (frame.iloc[a : a + 1200] for a in range(0, len(frame), 1200))
    got = list(read_trajectories(chunks, columns=["x", "y"], verbose=False))
    assert [cont for _, cont in got] == [False, True, True]
    assert list(got[0][0].columns) == ["x", "y"]
    np.testing.assert_array_equal(got[1][0].index.to_numpy(), frame["t"].to_numpy()[1200:2400])
    # Given targets and a step instead of a time column.
    y = frame[["x"]].to_numpy() ** 2
    data = frame.drop(columns=["t", "run"]).assign(target=y[:, 0])
    model = fit_files(
        LinearModel(),
        [data],
        states=["x", "y", "z"],
        targets=["target"],
        time=0.002,
        chunk_rows=500,
        verbose=False,
    )
    ref = LinearModel().fit(frame[["x", "y", "z"]].to_numpy(), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-10)


def test_datetime_time_column_in_a_csv_file(tmp_path, lorenz_frames):
    frame = lorenz_frames[0]
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["t"], unit="s")
    path = tmp_path / "clock.csv"
    frame.assign(t=stamps).drop(columns=["run", "u"]).to_csv(path, index=False)
    model = fit_files(_model(), path, chunk_rows=1000, verbose=False)
    # Clock times to the microsecond: the steps are uniform to 1e-9 or so, not exactly.
    ref = _model().fit(frame[["x", "y", "z"]].to_numpy(), t=frame["t"].to_numpy())
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-6)


def test_read_trajectories_errors(tmp_path, lorenz_frames):
    both = pd.concat([lorenz_frames[0], lorenz_frames[1], lorenz_frames[0]])
    with pytest.raises(ValueError, match="trajectory 0 are not contiguous"):
        list(read_trajectories([both], trajectory="run", verbose=False))
    path = tmp_path / "no_time.csv"
    lorenz_frames[0].drop(columns="t").to_csv(path, index=False)
    with pytest.raises(ValueError, match="no time column 't'"):
        list(read_trajectories(path, verbose=False))
    with pytest.raises(ValueError, match="must be at least 1"):
        list(read_trajectories(path, chunk_rows=0, verbose=False))
    with pytest.raises(ValueError, match="positive"):
        list(read_trajectories(path, time=-1.0, verbose=False))
