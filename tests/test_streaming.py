"""The streamed fit: Θ built block by block with the differentiation halo, into statistics."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from sparseid import LinearModel, SINDy
from sparseid.differentiation import FiniteDifference, SavitzkyGolay, SmoothingSpline
from sparseid.libraries import PolynomialLibrary
from sparseid.models import _streaming
from sparseid.models._streaming import BLOCK_ROWS, TrajectoryStream
from sparseid.optimizers import STLSQ, SufficientStatistics

METHODS = [
    FiniteDifference(order=2),
    FiniteDifference(order=8),
    SavitzkyGolay(window=9, polyorder=3),
    SmoothingSpline(smoothing=1e-6),
]


@pytest.mark.parametrize("method", METHODS, ids=repr)
@pytest.mark.parametrize("uniform", [True, False])
def test_stream_in_uneven_chunks_gives_the_derivatives_of_the_whole(method, uniform):
    rng = np.random.default_rng(0)
    n = 400
    t = np.cumsum(0.01 * (1 + (0 if uniform else 0.3) * rng.random(n)))
    x = np.column_stack([np.sin(3 * t), np.cos(2 * t) + t])
    whole = method(x, t)
    stream = TrajectoryStream(method, block_rows=37)
    zs, ys = [], []
    if method.halo == "global":
        pairs = list(stream.append(x, np.empty((n, 0)), t, last=True))
    else:
        pairs = []
        for a, b in [(0, 1), (1, 3), (3, 50), (50, 52), (52, 53), (53, 300), (300, 400)]:
            pairs += stream.append(x[a:b], np.empty((b - a, 0)), t[a:b])
            # The provisional tail: derivatives as if the trajectory ended at b.
            if b >= 2 * method.halo + 1:
                done = [p[1] for p in pairs] + [p[1] for p in stream.tail()]
                np.testing.assert_allclose(np.concatenate(done), method(x[:b], t[:b]), atol=1e-9)
        pairs += stream.close()
    for z, y in pairs:
        zs.append(z)
        ys.append(y)
    np.testing.assert_array_equal(np.concatenate(zs), x)
    np.testing.assert_allclose(np.concatenate(ys), whole, rtol=0, atol=1e-10)
    assert max(len(z) for z in zs) < 2 * 37


def _reference_coef(model, xs, ts, us=None, optimizer=None):
    """Today's fit: the whole Θ and the derivatives of each trajectory, given to the optimizer."""
    method = model.differentiation_method or FiniteDifference(order=8)
    library = model._make_library()
    us = us or [np.empty((len(x), 0)) for x in xs]
    Z = np.concatenate([np.hstack([x, u]) for x, u in zip(xs, us)])
    Y = np.concatenate([method(x, t) for x, t in zip(xs, ts)])
    theta = library.fit_transform(Z)
    return (optimizer or model._make_optimizer()).fit(theta, Y).coef_


def test_fit_equals_the_whole_library_fit(lorenz_samples):
    t, x, _ = lorenz_samples(20_000)
    xs, ts = [x[:17_000], x[17_000:]], [t[:17_000], t[17_000:]]
    for model in [
        SINDy(PolynomialLibrary(degree=3), SavitzkyGolay(window=11), STLSQ(threshold=0.05)),
        SINDy(PolynomialLibrary(degree=2), FiniteDifference(order=4), STLSQ(threshold=0.1)),
    ]:
        model.fit(xs, t=ts)
        ref = _reference_coef(model, xs, ts)
        np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_fit_with_control_and_a_gap_equals_the_whole_library_fit(lorenz_samples):
    t, x, _ = (a[:12_000] for a in lorenz_samples(20_000))
    u = np.column_stack([np.sin(t), np.cos(3 * t)])
    # Rows 5000:6000 removed: a gap in the times, so two pieces differentiated separately.
    keep = np.r_[0:5000, 6000:12_000]
    model = LinearModel(fit_intercept=True).fit(x[keep], t=t[keep], u=u[keep])
    pieces = [slice(0, 5000), slice(6000, 12_000)]
    xs, ts, us = ([a[p] for p in pieces] for a in (x, t, u))
    ref = _reference_coef(model, xs, ts, us)
    assert model.coef_.shape == (3, 6)
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_library_sees_blocks_only_and_foreign_regressor_gets_the_whole(lorenz_samples, monkeypatch):
    t, x, _ = lorenz_samples(20_000)
    seen = []
    transform = PolynomialLibrary._transform

    def spy(self, X):
        seen.append(len(X))
        return transform(self, X)

    monkeypatch.setattr(PolynomialLibrary, "_transform", spy)
    model = SINDy(PolynomialLibrary(degree=2)).fit(x, t=t)
    assert len(seen) == 2 and max(seen) < 2 * BLOCK_ROWS
    # A scikit-learn regressor cannot work from statistics: it gets the whole Θ, as before.
    seen.clear()
    other = SINDy(PolynomialLibrary(degree=2), optimizer=LinearRegression(fit_intercept=False))
    other.fit(x, t=t)
    assert other.optimizer_.n_features_in_ == 10 and sum(seen) == len(x)
    ref = _reference_coef(model, [x], [t], optimizer=LinearRegression(fit_intercept=False))
    np.testing.assert_allclose(other.coef_, ref, rtol=0, atol=1e-10)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_non_finite_term_is_named_with_its_row(monkeypatch):
    monkeypatch.setattr(_streaming, "BLOCK_ROWS", 64)
    t = np.arange(1000) * 0.01
    x = np.column_stack([np.sin(t), np.cos(t)])
    x[700, 0] = 1e110  # its cube overflows
    with pytest.raises(ValueError, match=r"the library term 'x0\^3' is inf at row 700"):
        SINDy(PolynomialLibrary(degree=3), FiniteDifference(order=2)).fit(x, t=t)


def test_statistics_from_blocks_equal_from_arrays():
    rng = np.random.default_rng(3)
    theta, y = rng.normal(size=(1000, 4)), rng.normal(size=(1000, 2))
    whole = SufficientStatistics.from_arrays(theta, y)
    blocks = SufficientStatistics.from_blocks(
        (theta[a : a + 90], y[a : a + 90]) for a in range(0, 1000, 90)
    )
    np.testing.assert_allclose(blocks.solve(), whole.solve(), atol=1e-13)
    assert blocks.n_samples == 1000
    with pytest.raises(ValueError, match="no rows"):
        SufficientStatistics.from_blocks([])
