"""partial_fit of SINDy and LinearModel: chunk after chunk equals one fit on everything."""

import itertools

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from sparseid import LinearModel, SINDy
from sparseid.differentiation import (
    FiniteDifference,
    SavitzkyGolay,
    SmoothingSpline,
    Spectral,
    TotalVariation,
)
from sparseid.libraries import PolynomialLibrary
from sparseid.optimizers import STLSQ

# Chunk boundaries of the first trajectory: chunks of 1, 2 and 3 rows (shorter than every
# halo below), a boundary right after the trajectory's first rows and one near its end.
CUTS = [0, 1, 3, 6, 700, 701, 1500, 1502, 2995, 2999, 3000]
LOCAL = [
    None,  # the package default, FiniteDifference(order=8)
    FiniteDifference(order=2),
    FiniteDifference(order=6),
    SavitzkyGolay(window=13, polyorder=3),
]


@pytest.fixture(scope="module")
def trajectories(lorenz_samples):
    """Two Lorenz trajectories, the second on a non-uniform grid, with two control inputs."""
    t, x, _ = (a[:5000] for a in lorenz_samples(20_000))
    first = (x[:3000], t[:3000])
    # Every fifth sample dropped: steps of dt and 2 dt, non-uniform but without gaps.
    keep = np.array([i for i in range(3000, 5000) if i % 5 != 2])
    second = (x[keep], t[keep])
    inputs = [np.column_stack([np.sin(tk), tk**2]) for _, tk in (first, second)]
    return [first, second], inputs


def _chunked(model, trajectories, inputs, with_u):
    (x1, t1), (x2, t2) = trajectories
    for a, b in itertools.pairwise(CUTS):
        u = inputs[0][a:b] if with_u else None
        model.partial_fit(x1[a:b], t=t1[a:b], u=u, continues=a > 0)
    # The second trajectory in two chunks, the first of them shorter than the halo.
    for a, b, cont in [(0, 2, False), (2, 1600, True)]:
        u = inputs[1][a:b] if with_u else None
        model.partial_fit(x2[a:b], t=t2[a:b], u=u, continues=cont)
    return model


# Early calls fit on a few rows: rank-deficient fits warn, as they should.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*kept more terms than", "ignore:.*collinear", "ignore:.*identically zero"
)


@pytest.mark.parametrize("method", LOCAL, ids=repr)
@pytest.mark.parametrize("with_u", [False, True])
def test_partial_fit_over_uneven_chunks_equals_fit(trajectories, method, with_u):
    traj, inputs = trajectories
    make = lambda: SINDy(  # noqa: E731
        PolynomialLibrary(degree=2), method, STLSQ(threshold=0.05)
    )
    u = inputs if with_u else None
    whole = make().fit([x for x, _ in traj], t=[t for _, t in traj], u=u)
    streamed = _chunked(make(), traj, inputs, with_u)
    np.testing.assert_allclose(streamed.coef_, whole.coef_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(streamed.training_range_, whole.training_range_)
    assert streamed.feature_names_ == whole.feature_names_


def test_linear_model_partial_fit_with_inputs_equals_fit(trajectories):
    traj, inputs = trajectories
    whole = LinearModel(fit_intercept=True).fit(
        [x for x, _ in traj], t=[t for _, t in traj], u=inputs
    )
    streamed = _chunked(LinearModel(fit_intercept=True), traj, inputs, True)
    np.testing.assert_allclose(streamed.coef_, whole.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(streamed.input_matrix_, whole.input_matrix_, atol=1e-10)


def test_coefficients_are_refreshed_after_each_call(trajectories):
    x, t = trajectories[0][0]
    model = SINDy(differentiation_method=FiniteDifference(order=4))
    model.partial_fit(x[:3], t=t[:3])
    assert not hasattr(model, "coef_")  # too few rows to differentiate yet
    model.partial_fit(x[3:1000], t=t[3:1000], continues=True)
    first = SINDy(differentiation_method=FiniteDifference(order=4)).fit(x[:1000], t=t[:1000])
    np.testing.assert_allclose(model.coef_, first.coef_, atol=1e-10)
    model.partial_fit(x[1000:], t=t[1000:], continues=True)
    whole = SINDy(differentiation_method=FiniteDifference(order=4)).fit(x, t=t)
    np.testing.assert_allclose(model.coef_, whole.coef_, atol=1e-10)
    # fit starts afresh: nothing of partial_fit is kept.
    assert not hasattr(model.fit(x[:500], t=t[:500]), "_stream")


@pytest.mark.parametrize(
    "method", [SmoothingSpline(smoothing=1e-6), TotalVariation(), Spectral()], ids=repr
)
def test_global_methods_take_whole_trajectories_and_refuse_continues(trajectories, method):
    traj, _ = trajectories
    x, t = traj[0]
    pieces = [(x[:800], t[:800]), (x[800:1600], t[800:1600])]
    if isinstance(method, Spectral):
        pieces = [(x[:256], 0.002), (x[256:512], 0.002)]
    whole = SINDy(differentiation_method=method).fit(
        [p[0] for p in pieces], t=[p[1] for p in pieces]
    )
    model = SINDy(differentiation_method=method)
    for xp, tp in pieces:
        model.partial_fit(xp, t=tp)
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match=r"halo is 'global'.*cannot continue a trajectory"):
        model.partial_fit(x[1600:1700], t=t[1600:1700], continues=True)


def test_maps_and_given_targets(trajectories):
    x, t = trajectories[0][0]
    whole = SINDy(discrete_time=True).fit(x[:2000])
    model = SINDy(discrete_time=True)
    for a, b in [(0, 1), (1, 900), (900, 902), (902, 2000)]:
        model.partial_fit(x[a:b], continues=a > 0)
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=0, atol=1e-10)

    y = x[:, :1] ** 2
    whole = LinearModel().fit(x, y)
    model = LinearModel()
    for a, b in [(0, 1000), (1000, 1001), (1001, 3000)]:
        model.partial_fit(x[a:b], y[a:b])
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="y was not given in this call but was in the first"):
        model.partial_fit(x[:10], t=t[:10])


def test_partial_fit_errors(trajectories):
    x, t = trajectories[0][0]
    with pytest.raises(ValueError, match="continues=True\\) needs an earlier call"):
        SINDy().partial_fit(x[:100], t=t[:100], continues=True)
    with pytest.raises(TypeError, match="partial_fit needs one of sparseid's optimizers"):
        SINDy(optimizer=LinearRegression(fit_intercept=False)).partial_fit(x, t=t)
    model = SINDy(differentiation_method=FiniteDifference(order=8))
    model.partial_fit(x[:5], t=t[:5])
    # The open trajectory had 5 rows: too short for order 8 when the next one starts.
    with pytest.raises(ValueError, match=r"ended after 5 sample.*needs at least 9 samples"):
        model.partial_fit(x[100:200], t=t[100:200])
    model.partial_fit(x[5:200], t=t[5:200], continues=True)  # the error changed nothing
    with pytest.raises(ValueError, match="does not come after the last time"):
        model.partial_fit(x[150:160], t=t[150:160], continues=True)
    whole = SINDy(differentiation_method=FiniteDifference(order=8)).fit(x[:200], t=t[:200])
    # 200 samples make an ill-conditioned fit: compare relative to the largest coefficient.
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=0, atol=1e-10 * 28)
