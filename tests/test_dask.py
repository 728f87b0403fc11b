"""Fitting Dask arrays and DataFrames: per-block statistics reduced as a tree."""

import sys

import numpy as np
import pandas as pd
import pytest

from sparseid import LinearModel, NeuralODE, SINDy
from sparseid._testing import client_bytes
from sparseid.differentiation import SavitzkyGolay, SmoothingSpline
from sparseid.libraries import PolynomialLibrary


def _spiral(t):
    """A damped rotation, computed elementwise: the same numbers in numpy and on Dask workers."""
    decay = np.exp(-0.1 * t)
    return decay * np.cos(t), decay * np.sin(t)


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    class FakeArray:  # what a Dask object looks like to the check, without dask installed
        pass

    FakeArray.__module__ = "dask.array.core"
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"pip install sparseid\[dask\]"):
        SINDy().fit(FakeArray(), t=0.1)


def test_dask_array_fit_equals_in_memory_fit(lorenz_samples):
    da = pytest.importorskip("dask.array")
    t, x, _ = lorenz_samples(20_000)
    u = np.column_stack([np.sin(t)])
    # Uneven chunks, one shorter than the stencil (joined to its neighbour).
    chunks = ((5000, 4, 6000, 8996),)
    for model, kwargs in [
        (lambda: SINDy(PolynomialLibrary(degree=2)), {}),
        (lambda: SINDy(differentiation_method=SavitzkyGolay(window=15)), {}),
        (lambda: LinearModel(fit_intercept=True), {"u": u}),
    ]:
        ref = model().fit(x, t=t, **kwargs)
        dkw = {k: da.from_array(v, chunks=(*chunks, v.shape[1])) for k, v in kwargs.items()}
        got = model().fit(
            da.from_array(x, chunks=(*chunks, (3,))), t=da.from_array(t, chunks=chunks), **dkw
        )
        np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(got.training_range_, ref.training_range_)
    maps = SINDy(discrete_time=True)
    np.testing.assert_allclose(
        maps.fit(da.from_array(x, chunks=3001)).coef_,
        SINDy(discrete_time=True).fit(x).coef_,
        rtol=0,
        atol=1e-10,
    )


def test_dask_dataframe_fit_equals_in_memory_fit(lorenz_samples):
    dd = pytest.importorskip("dask.dataframe")
    t, x, _ = (a[:12_000] for a in lorenz_samples(20_000))
    frame = pd.DataFrame(x, columns=["x", "y", "z"], index=pd.Index(t, name="t"))
    ref = SINDy().fit(frame)
    got = SINDy().fit(dd.from_pandas(frame, npartitions=5))
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-10)
    assert list(got.feature_names_in_) == ["x", "y", "z"]
    assert got.equations() == ref.equations()


def test_dask_errors():
    da = pytest.importorskip("dask.array")
    x = da.from_array(np.random.default_rng(0).normal(size=(500, 2)), chunks=100)
    with pytest.raises(ValueError, match="halo is 'global'"):
        SINDy(differentiation_method=SmoothingSpline()).fit(x, t=0.01)
    with pytest.raises(TypeError, match="NeuralODE cannot fit Dask collections"):
        NeuralODE().fit(x, t=0.01)
    with pytest.raises(ValueError, match="time is needed"):
        SINDy().fit(x)


def test_local_cluster_fit_sends_only_statistics_to_the_client():
    pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    import dask.array as da

    n, dt, rows = 300_000, 0.001, 75_000
    t_np = np.arange(n) * dt
    ref = SINDy(PolynomialLibrary(degree=2)).fit(np.column_stack(_spiral(t_np)), t=dt)

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        # The data are made on the workers: the client never holds them unless the fit sends
        # them back.
        t = da.arange(n, chunks=rows) * dt
        X = da.stack(_spiral(t), axis=1)
        with client_bytes(cluster.scheduler_address) as received:
            model = SINDy(PolynomialLibrary(degree=2)).fit(X, t=dt)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-10)
    # Everything the client received while fitting: statistics and the scheduler's messages;
    # no message as large as a block of raw rows, and in all a small fraction of one copy.
    raw, block = n * 2 * 8, rows * 2 * 8
    assert 0 < max(received) < block / 4, (max(received), block)
    assert sum(received) < raw / 10, (sum(received), raw)
