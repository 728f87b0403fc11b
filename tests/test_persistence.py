"""Saving and loading models: exact round trips, clear errors, no overwriting."""

import json
import pickle

import numpy as np
import pytest

from sparseid import LinearModel, SINDy, datasets, load_model
from sparseid.differentiation import FiniteDifference, SavitzkyGolay
from sparseid.libraries import CustomLibrary, FourierLibrary, PolynomialLibrary
from sparseid.optimizers import STLSQ


@pytest.fixture(scope="module")
def lorenz():
    return datasets.load("lorenz").iloc[:3000]


@pytest.mark.parametrize(
    "model",
    [
        SINDy(differentiation_method=FiniteDifference(order=4)),
        SINDy(
            feature_library=PolynomialLibrary(degree=2) + FourierLibrary(n_frequencies=2),
            optimizer=STLSQ(threshold=0.05, alpha=0.01),
            differentiation_method=SavitzkyGolay(window=11, polyorder=4),
        ),
        SINDy(feature_library=PolynomialLibrary(degree=1) * FourierLibrary()),
        LinearModel(fit_intercept=True),
    ],
)
def test_round_trip_reproduces_predict_exactly(model, lorenz, tmp_path):
    model.fit(lorenz)
    path = tmp_path / "model.json"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    assert loaded.get_params().keys() == model.get_params().keys()
    x = lorenz.iloc[::37]
    np.testing.assert_array_equal(loaded.predict(x).to_numpy(), model.predict(x).to_numpy())
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    assert loaded.equations() == model.equations()
    t = lorenz.index.to_numpy()[:200]
    np.testing.assert_array_equal(
        loaded.simulate(lorenz.iloc[0], t).to_numpy(), model.simulate(lorenz.iloc[0], t).to_numpy()
    )


def test_saved_file_is_versioned_json(lorenz, tmp_path):
    path = tmp_path / "m.json"
    SINDy().fit(lorenz).save(path)
    payload = json.loads(path.read_text())
    assert payload["format"] == "sparseid-model" and payload["format_version"] == 1
    assert payload["class"] == "SINDy"
    assert payload["state"]["variable_names"] == ["x", "y", "z"]


def test_existing_path_is_not_overwritten(lorenz, tmp_path):
    path = tmp_path / "m.json"
    path.write_text("precious")
    model = LinearModel().fit(lorenz)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path)
    assert path.read_text() == "precious"
    model.save(path, overwrite=True)
    assert load_model(path).equations() == model.equations()


def test_custom_callables_point_to_pickle(lorenz, tmp_path):
    model = SINDy(feature_library=CustomLibrary([np.sin], ["sin({})"])).fit(lorenz)
    with pytest.raises(TypeError, match="pickle"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict(lorenz), model.predict(lorenz))


def test_pickle_round_trip_after_compiling(lorenz):
    model = SINDy().fit(lorenz)
    model.simulate(lorenz.iloc[0], lorenz.index.to_numpy()[:10])  # builds the compiled rhs
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(lorenz), model.predict(lorenz))


def test_newer_format_and_corrupted_files(lorenz, tmp_path):
    path = tmp_path / "m.json"
    LinearModel().fit(lorenz).save(path)
    payload = json.loads(path.read_text())
    payload["format_version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="format version 99, newer"):
        load_model(newer)
    broken = tmp_path / "broken.json"
    broken.write_text(path.read_text()[:-40])
    with pytest.raises(ValueError, match="not a valid sparseid model file"):
        load_model(broken)
    del payload["state"]["coef"]
    payload["format_version"] = 1
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="corrupted"):
        load_model(missing)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a sparseid model file"):
        load_model(other)


def test_foreign_classes_are_refused(lorenz, tmp_path):
    path = tmp_path / "m.json"
    LinearModel().fit(lorenz).save(path)
    payload = json.loads(path.read_text())
    payload["params"]["differentiation_method"] = {"__estimator__": "os.system", "params": {}}
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="only name sparseid's classes"):
        load_model(path)
