"""The models' noise-aware default differentiation."""

import numpy as np

from sparseid import SINDy, load_model, systems
from sparseid.differentiation import (
    FiniteDifference,
    SavitzkyGolay,
    noise_aware_differentiation,
)


def test_clean_data_keep_exact_differences():
    for dt in (0.002, 0.01, 0.05):
        data = systems.make_lorenz(int(20 / dt), dt=dt)
        method = noise_aware_differentiation([(data.to_numpy(), data.index.to_numpy())])
        assert repr(method) == "FiniteDifference(order=8)"


def test_noise_gives_a_smoother_that_grows_with_the_noise():
    windows = []
    for noise in (0.01, 0.05):
        data = systems.make_lorenz(5000, noise=noise, random_state=0)
        method = noise_aware_differentiation([(data.to_numpy(), data.index.to_numpy())])
        assert isinstance(method, SavitzkyGolay)
        windows.append(method.window)
    assert windows[0] < windows[1]


def test_choice_recorded_used_and_saved(tmp_path):
    clean = SINDy().fit(systems.make_lorenz(2000))
    assert repr(clean.differentiation_) == "FiniteDifference(order=8)"
    noisy_data = systems.make_lorenz(4000, noise=0.01, random_state=0)
    model = SINDy().fit(noisy_data)
    assert isinstance(model.differentiation_, SavitzkyGolay)
    np.testing.assert_array_equal(
        model.differentiate(noisy_data).to_numpy(),
        model.differentiation_(noisy_data.to_numpy(), noisy_data.index.to_numpy()),
    )
    model.save(tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json").differentiation_
    assert loaded.get_params() == model.differentiation_.get_params()
    # The smoother makes the fit better than the exact differences would.
    exact = SINDy(differentiation_method=FiniteDifference(order=8)).fit(noisy_data)
    truth = np.array([-10.0, 10.0])
    assert np.abs(model.coef_[0, 1:3] - truth).max() < np.abs(exact.coef_[0, 1:3] - truth).max()


def test_given_method_is_recorded_too():
    method = SavitzkyGolay(31)
    model = SINDy(differentiation_method=method).fit(systems.make_lorenz(1000))
    assert model.differentiation_ is method
    assert not hasattr(SINDy(weak_form=True).fit(systems.make_lorenz(2000)), "differentiation_")
