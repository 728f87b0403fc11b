"""Fixtures shared by the test files."""

import functools

import numpy as np
import pytest

from sparseid.systems import Lorenz, make_lorenz


@functools.cache
def _lorenz_samples(n, dt=0.002):
    frame = make_lorenz(n, dt)
    t, x = frame.index.to_numpy(), frame.to_numpy()
    x_dot = Lorenz().rhs(0.0, x)
    for array in (t, x, x_dot):
        array.flags.writeable = False
    return t, x, x_dot


@pytest.fixture(scope="session")
def lorenz_samples():
    """``lorenz_samples(n, dt=0.002) -> (t, x, x_dot)``: Lorenz samples and exact derivatives.

    ``n`` samples from x0 = [-8, 8, 27] with the exact right-hand side at each, generated once
    per process for each ``(n, dt)``. The arrays are read-only because every caller shares them.
    """
    return _lorenz_samples


@pytest.fixture(scope="session")
def lorenz_states(lorenz_samples):
    """``lorenz_states(n, dt=0.002) -> (x, x_dot)``: Lorenz states and their exact derivatives."""

    def states_and_derivatives(n, dt=0.002):
        _, x, x_dot = lorenz_samples(n, dt)
        return x, x_dot

    return states_and_derivatives


@pytest.fixture(scope="session")
def noisy_library(lorenz_states):
    """``noisy_library(degree=3, n=4000, noise=2.0) -> (theta, y)``, made once per arguments.

    A polynomial library of Lorenz states and the exact derivatives plus Gaussian noise (seed 42).
    """
    import numpy as np
    from sklearn.preprocessing import PolynomialFeatures

    @functools.cache
    def make(degree=3, n=4000, noise=2.0):
        x, y = lorenz_states(n)
        rng = np.random.default_rng(42)
        return PolynomialFeatures(degree).fit_transform(x), y + noise * rng.normal(size=y.shape)

    return make


@pytest.fixture(scope="session")
def optimizer_contract(lorenz_states, tmp_path_factory):
    """``optimizer_contract(optimizer)``: what every optimizer on the statistics must do.

    Same model from ``fit`` and from ``partial_fit`` over chunks (to 1e-10), inside
    ``SINDy(optimizer=...)`` (with ``n_terms`` terms on noise-free Lorenz data when given), in
    ``GridSearchCV``, and through a JSON round trip that reproduces ``predict`` exactly.
    """
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.preprocessing import PolynomialFeatures

    from sparseid import SINDy, load_model
    from sparseid.libraries import PolynomialLibrary
    from sparseid.systems import make_lorenz

    def check(optimizer, grid, n_terms=None):
        x, y = lorenz_states(3000)
        rng = np.random.default_rng(1)
        theta = PolynomialFeatures(2).fit_transform(x)
        y = y + 0.5 * rng.normal(size=y.shape)
        whole = clone(optimizer).fit(theta, y)
        stream = clone(optimizer)
        for rows in np.array_split(np.arange(len(theta)), 4):
            stream.partial_fit(theta[rows], y[rows])
        scale = np.abs(whole.coef_).max(initial=1.0)
        np.testing.assert_allclose(stream.coef_, whole.coef_, rtol=0, atol=1e-10 * scale)
        assert whole.predict(theta).shape == y.shape
        search = GridSearchCV(clone(optimizer), grid, cv=TimeSeriesSplit(3)).fit(theta, y)
        assert search.best_estimator_.coef_.shape == (3, theta.shape[1])
        frame = make_lorenz(3000)
        model = SINDy(feature_library=PolynomialLibrary(degree=2), optimizer=clone(optimizer))
        model.fit(frame)
        assert np.isfinite(model.coef_).all() and model.coef_.any()
        if n_terms is not None:
            assert np.count_nonzero(model.coef_) == n_terms, model.equations()
        path = tmp_path_factory.mktemp("model") / "model.json"
        model.save(path)
        loaded = load_model(path)
        assert type(loaded.optimizer) is type(optimizer)
        for name in type(optimizer)._json_fitted:
            saved, read = getattr(model.optimizer_, name), getattr(loaded.optimizer_, name)
            np.testing.assert_array_equal(np.asarray(read), np.asarray(saved), err_msg=name)
        np.testing.assert_array_equal(
            loaded.predict(frame).to_numpy(), model.predict(frame).to_numpy()
        )
        return whole

    return check


@pytest.fixture(scope="session")
def noisy_lorenz_pieces():
    """Two Lorenz trajectories sampled with steps of dt and 2 dt, with relative noise.

    ``make(n, noise, seed)`` keeps every other sample of ``n`` at dt = 0.001 plus every
    seventh one (no gaps) and adds noise of ``noise`` times each column's spread.
    """

    def make(n, noise, seed):
        rng = np.random.default_rng(seed)
        xs, ts = [], []
        for x0 in ([-8.0, 8.0, 27.0], [5.0, -5.0, 20.0]):
            frame = make_lorenz(n, dt=0.001, x0=x0)
            keep = np.unique(np.concatenate([np.arange(0, n, 2), np.arange(1, n, 7)]))
            x = frame.to_numpy()[keep]
            xs.append(x + noise * x.std(axis=0) * rng.standard_normal(x.shape))
            ts.append(frame.index.to_numpy()[keep])
        return xs, ts

    return make
