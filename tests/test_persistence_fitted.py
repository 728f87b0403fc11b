"""Saved models keep every fitted attribute a user sees: threshold paths, weak-form fits, ensembles.

Covers ``sparseid.models._optimizer_state`` and ``sparseid.models._weak_state``: after
``model.save(path)`` and ``sparseid.load_model(path)`` every public fitted attribute of the model,
of its optimizer(s) and of ``weak_form_`` is equal (arrays bit for bit), and so are
``equations(uncertainty=...)``, ``coefficient_interval()`` and ``simulate_ensemble()``.
"""

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import sparseid
from sparseid import SINDy, load_model, systems
from sparseid.optimizers import STLSQ, EnsembleOptimizer, SufficientStatistics, ThresholdPath
from sparseid.weak import WeakForm


def _public_fitted(obj):
    return sorted(k for k in vars(obj) if k.endswith("_") and not k.startswith("_"))


def assert_same(a, b, where="model"):
    """``a`` and ``b`` are equal, recursively through estimators, statistics and paths."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
        assert a.dtype.kind == b.dtype.kind, where
    elif isinstance(a, SufficientStatistics):
        for name in ("r", "qty", "residual_gram", "sq_norms", "scale", "n_samples"):
            assert_same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, ThresholdPath):
        for name in a._fields:
            assert_same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            assert_same(u, v, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert sorted(a) == sorted(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, BaseEstimator):
        assert repr(a.get_params(deep=False)) == repr(b.get_params(deep=False)), where
        assert _public_fitted(a) == _public_fitted(b), where
        for name in _public_fitted(a):
            assert_same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def round_trip(model, tmp_path, name="m.json"):
    path = tmp_path / name
    model.save(path)
    loaded = load_model(path)
    assert_same(model, loaded)
    return loaded, json.loads(path.read_text())


def assert_same_uncertainty(model, loaded, data):
    for kind in ("stderr", "interval"):
        assert loaded.equations(uncertainty=kind) == model.equations(uncertainty=kind)
        assert loaded.coefficients_frame(uncertainty=kind).equals(
            model.coefficients_frame(uncertainty=kind)
        )
    np.testing.assert_array_equal(loaded.coefficient_interval(0.8), model.coefficient_interval(0.8))
    t = np.arange(200) * 0.002
    x0 = data.to_numpy()[0]
    for a, b in zip(model.simulate_ensemble(x0, t), loaded.simulate_ensemble(x0, t), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))


@pytest.fixture(scope="module")
def noisy():
    return systems.make_lorenz(3000, noise=0.02, random_state=0)


def ensemble():
    return EnsembleOptimizer(STLSQ(threshold=0.5), n_models=12, n_blocks=6, random_state=0)


def test_threshold_path_of_auto_threshold_is_saved(noisy, tmp_path):
    model = SINDy(optimizer=STLSQ(threshold="auto")).fit(noisy)
    assert model.optimizer_.threshold_path_ is not None
    loaded, payload = round_trip(model, tmp_path)
    assert payload["format_version"] == sparseid.models._persistence.FORMAT_VERSION == 3
    path = loaded.optimizer_.threshold_path_
    assert isinstance(path, ThresholdPath) and path.complexity.dtype.kind == "i"
    assert path.refined.dtype == bool


def test_pointwise_ensemble_is_saved(noisy, tmp_path):
    model = SINDy(optimizer=ensemble()).fit(noisy)
    loaded, _ = round_trip(model, tmp_path)
    assert loaded.coef_samples_.shape == (12, 3, 10)
    assert_same_uncertainty(model, loaded, noisy)


def test_weak_form_fit_is_saved(noisy, tmp_path):
    model = SINDy(weak_form=WeakForm(max_iter=3)).fit(noisy)
    assert len(model.weak_form_.optimizers_) == 3
    loaded, payload = round_trip(model, tmp_path)
    # The per-target optimizers keep their own coefficients and threshold paths.
    for mine, theirs in zip(model.weak_form_.optimizers_, loaded.weak_form_.optimizers_):
        assert theirs.threshold_path_ is not None
        np.testing.assert_array_equal(theirs.coef_, mine.coef_)
    assert "optimizer" not in payload["state"]
    assert loaded.equations(uncertainty="stderr") == model.equations(uncertainty="stderr")
    np.testing.assert_array_equal(loaded.predict(noisy), model.predict(noisy))


def test_weak_form_ensemble_is_saved(noisy, tmp_path):
    model = SINDy(weak_form=WeakForm(max_iter=2), optimizer=ensemble()).fit(noisy)
    assert model.coef_samples_.shape == (12, 3, 10)
    loaded, _ = round_trip(model, tmp_path)
    assert_same_uncertainty(model, loaded, noisy)


def test_format_version_2_files_without_the_new_state_still_load(noisy, tmp_path):
    model = SINDy(weak_form=WeakForm(max_iter=2), optimizer=ensemble()).fit(noisy)
    path = tmp_path / "m.json"
    model.save(path)
    payload = json.loads(path.read_text())
    payload["format_version"] = 2
    del payload["state"]["weak_form"]
    path.write_text(json.dumps(payload))
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    assert not hasattr(loaded, "weak_form_") and not hasattr(loaded, "coef_samples_")


def _corrupt(model, tmp_path, edit):
    path = tmp_path / "bad.json"
    model.save(path, overwrite=True)
    payload = json.loads(path.read_text())
    edit(payload["state"])
    path.write_text(json.dumps(payload))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s["weak_form"]["optimizers"].pop(),
            r"weak_form.optimizers must hold coefficients for the 3 targets",
        ),
        (
            lambda s: s["weak_form"].update(half_width=[-1.0]),
            r"weak_form.half_width must be a non-empty list of positive",
        ),
        (
            lambda s: s["weak_form"].update(noise=[[0.1, 0.1]]),
            r"weak_form.noise\[0\] has length 2, expected 3",
        ),
        (
            lambda s: s["weak_form"]["optimizers"][0]["fitted"].update(
                coef_samples_=[[[0.0] * 10]]
            ),
            r"optimizers\[0\].fitted.coef_samples_ must have shape .* = \(12, 1, 10\)",
        ),
        (
            lambda s: s["weak_form"]["optimizers"][1]["fitted"].update(
                inclusion_probabilities_=[[2.0] * 10]
            ),
            r"inclusion_probabilities_ must be probabilities",
        ),
        (lambda s: s["weak_form"].update(extra=1), r"weak_form has unknown key\(s\) 'extra'"),
    ],
)
def test_corrupted_weak_state_is_refused(noisy, tmp_path, edit, message):
    model = SINDy(weak_form=WeakForm(max_iter=1), optimizer=ensemble()).fit(noisy)
    with pytest.raises(ValueError, match="corrupted.*" + message):
        load_model(_corrupt(model, tmp_path, edit))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s["optimizer"]["threshold_path"].update(best=[0, 99, 0]),
            r"threshold_path.best must hold integers from 0 to 40",
        ),
        (
            lambda s: s["optimizer"]["threshold_path"].update(thresholds=[1.0, 0.5]),
            r"threshold_path.thresholds must be a non-empty increasing list",
        ),
        (
            lambda s: s["optimizer"]["threshold_path"].update(refined=[1, 0, 0]),
            r"threshold_path.refined must hold only true/false",
        ),
    ],
)
def test_corrupted_threshold_path_is_refused(noisy, tmp_path, edit, message):
    model = SINDy(optimizer=STLSQ(threshold="auto")).fit(noisy)
    with pytest.raises(ValueError, match="corrupted.*" + message):
        load_model(_corrupt(model, tmp_path, edit))


def test_weak_state_for_a_pointwise_model_is_refused(noisy, tmp_path):
    weak = SINDy(weak_form=WeakForm(max_iter=1)).fit(noisy)
    path = tmp_path / "w.json"
    weak.save(path)
    payload = json.loads(path.read_text())
    payload["params"]["weak_form"] = False
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="weak_form is saved but the model's weak_form parameter"):
        load_model(path)


def test_streamed_ensemble_is_saved(noisy, tmp_path):
    model = SINDy(optimizer=ensemble())
    for lo in range(0, len(noisy), 1000):
        model.partial_fit(noisy.iloc[lo : lo + 1000], continues=lo > 0)
    loaded, _ = round_trip(model, tmp_path)
    assert_same_uncertainty(model, loaded, noisy)
