"""``partial_fit`` of a model with an EnsembleOptimizer: each call's rows become time blocks."""

import itertools

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sparseid import SINDy, systems
from sparseid.libraries import PolynomialLibrary
from sparseid.models._streaming import row_blocks, time_block_statistics
from sparseid.optimizers import STLSQ, EnsembleOptimizer

N_BLOCKS = 4


def ensemble(random_state=3):
    return EnsembleOptimizer(
        STLSQ(threshold=0.2), n_models=25, n_blocks=N_BLOCKS, random_state=random_state
    )


@pytest.fixture(scope="module")
def lorenz():
    return systems.make_lorenz(4000, noise=0.01, random_state=0)


def _no_check(theta, row):  # pragma: no cover - the test data are finite
    raise AssertionError(f"non-finite library values at row {row}")


def _blocks_of(theta, y, bounds):
    """The ensemble's blocks of rows ``bounds[i]:bounds[i + 1]``, each call grouped alone."""
    out = []
    for lo, hi in itertools.pairwise(bounds):
        out += time_block_statistics(row_blocks(theta[lo:hi], y[lo:hi]), _no_check, N_BLOCKS)
    return out


def assert_same_ensemble(a, b, atol):
    np.testing.assert_array_equal(a.inclusion_probabilities_, b.inclusion_probabilities_)
    np.testing.assert_allclose(a.coef_samples_, b.coef_samples_, rtol=0, atol=atol)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=atol)


def test_one_call_gives_the_ensemble_of_fit(lorenz):
    fitted = SINDy(optimizer=ensemble()).fit(lorenz)
    streamed = SINDy(optimizer=ensemble()).partial_fit(lorenz)
    assert len(streamed.optimizer_._block_stats) == N_BLOCKS
    assert_same_ensemble(streamed, fitted, atol=1e-10)


def test_chunks_with_given_targets_equal_fit_blocks_on_the_same_blocks(lorenz):
    x = lorenz.to_numpy()
    x_dot = SINDy().fit(lorenz).differentiate(lorenz)
    bounds = [0, 700, 1900, 2600, len(x)]
    model = SINDy(optimizer=ensemble())
    for lo, hi in itertools.pairwise(bounds):
        model.partial_fit(x[lo:hi], x_dot[lo:hi])
    theta = PolynomialLibrary(degree=2).fit_transform(x)
    blocks = _blocks_of(theta, x_dot, bounds)
    # 700 rows make 3 pieces of 256 rows, hence 3 blocks; 1200 and 1400 rows N_BLOCKS each.
    assert len(model.optimizer_._block_stats) == len(blocks) == 3 + N_BLOCKS + 3 + N_BLOCKS
    reference = ensemble().fit_blocks(blocks)
    # The same blocks, summed in the same order, with the same seed: the same numbers.
    np.testing.assert_array_equal(model.coef_samples_, reference.coef_samples_)
    np.testing.assert_array_equal(
        model.inclusion_probabilities_, reference.inclusion_probabilities_
    )
    np.testing.assert_array_equal(model.coef_, reference.coef_)


def test_continued_chunks_move_block_boundaries_by_the_halo(lorenz):
    bounds = [0, 1000, 2300, 3100, len(lorenz)]
    model = SINDy(optimizer=ensemble())
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        model.partial_fit(lorenz.iloc[lo:hi], continues=i > 0)
    # Each call's final rows end `halo` rows before its end (the rest waits for the next
    # chunk); the last call's provisional tail completes the trajectory.
    halo = model.differentiation_.halo
    shifted = [0, *(b - halo for b in bounds[1:-1]), len(lorenz)]
    x_dot = model.differentiate(lorenz)
    theta = model.feature_library_.transform(lorenz.to_numpy())
    reference = ensemble().fit_blocks(_blocks_of(theta, x_dot, shifted))
    # Derivatives of the streamed chunks equal the whole trajectory's to rounding.
    assert_same_ensemble(model, reference, atol=1e-9)


def test_same_random_state_same_numbers_and_seed_matters(lorenz):
    def chunked(seed):
        model = SINDy(optimizer=ensemble(seed))
        for lo in range(0, len(lorenz), 1000):
            model.partial_fit(lorenz.iloc[lo : lo + 1000], continues=lo > 0)
        return model

    a, b, c = chunked(7), chunked(7), chunked(8)
    np.testing.assert_array_equal(a.coef_samples_, b.coef_samples_)
    np.testing.assert_array_equal(a.inclusion_probabilities_, b.inclusion_probabilities_)
    assert not np.array_equal(a.coef_samples_, c.coef_samples_)


def test_several_trajectories_per_call(lorenz):
    x = lorenz.to_numpy()
    pieces = [x[:1500], x[1500:2500], x[2500:]]
    fitted = SINDy(optimizer=ensemble()).fit(pieces, t=0.002)
    streamed = SINDy(optimizer=ensemble()).partial_fit(pieces, t=0.002)
    assert_same_ensemble(streamed, fitted, atol=1e-10)
    # A further call adds its own blocks to the earlier ones.
    streamed.partial_fit(x[:1200], t=0.002)
    assert len(streamed.optimizer_._block_stats) == 2 * N_BLOCKS


def test_not_fitted_until_two_blocks(lorenz):
    model = SINDy(optimizer=ensemble())
    model.partial_fit(lorenz.iloc[:200])  # 200 rows: a single piece of 256 rows, one block
    assert not hasattr(model, "coef_")
    with pytest.raises(NotFittedError):
        model.predict(lorenz.iloc[:10])
    model.partial_fit(lorenz.iloc[200:400], continues=True)
    check_is_fitted(model)
    assert model.coef_samples_.shape[0] == 25


def test_uncertainty_of_a_streamed_ensemble(lorenz):
    model = SINDy(optimizer=ensemble())
    for lo in range(0, len(lorenz), 2000):
        model.partial_fit(lorenz.iloc[lo : lo + 2000], continues=lo > 0)
    lower, upper = model.coefficient_interval()
    assert lower.shape == model.coef_.shape and np.all(lower <= upper)
    np.testing.assert_allclose(lower, np.quantile(model.coef_samples_, 0.05, axis=0))
    assert "[" in model.equations(uncertainty="interval")[0]


def test_weak_form_refuses_partial_fit(lorenz):
    with pytest.raises(ValueError, match="partial_fit does not build the weak form"):
        SINDy(weak_form=True).partial_fit(lorenz)
