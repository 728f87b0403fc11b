"""Saving and loading models: exact round trips, clear errors, no overwriting, hostile files."""

import copy
import json
import pickle
import re
import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import sparseid
from sparseid import LinearModel, NeuralODE, SINDy, datasets, load_model, systems
from sparseid.differentiation import FiniteDifference, SavitzkyGolay
from sparseid.libraries import (
    CustomLibrary,
    FourierLibrary,
    PolynomialLibrary,
    library_from_dict,
    term_from_dict,
)
from sparseid.optimizers import STLSQ


@pytest.fixture(scope="module")
def lorenz():
    return datasets.load("lorenz").iloc[:3000]


@pytest.fixture(scope="module")
def rotating():
    return systems.make_rotating_linear(n_samples=200, t_end=5.0)


def _fitted(obj):
    return {k: v for k, v in vars(obj).items() if k.endswith("_") and not k.startswith("_")}


def assert_same(a, b, where="model"):
    """Value-by-value equality of attributes, parameters and nested estimators."""
    assert type(a) is type(b) or (np.isscalar(a) and np.isscalar(b)), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, BaseEstimator):
        assert_same(a.get_params(deep=False), b.get_params(deep=False), f"{where}.params")
        assert_same(_fitted(a), _fitted(b), where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif hasattr(a, "__dict__") and not callable(a):  # SufficientStatistics
        assert_same(vars(a), vars(b), where)
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def assert_same_model(loaded, model):
    assert type(loaded) is type(model)
    assert_same(loaded.get_params(deep=False), model.get_params(deep=False), "params")
    assert _fitted(loaded).keys() == _fitted(model).keys()
    assert_same(_fitted(loaded), _fitted(model))


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
    assert_same_model(loaded, model)
    x = lorenz.iloc[::37]
    np.testing.assert_array_equal(loaded.predict(x).to_numpy(), model.predict(x).to_numpy())
    assert loaded.equations() == model.equations()
    t = lorenz.index.to_numpy()[:200]
    np.testing.assert_array_equal(
        loaded.simulate(lorenz.iloc[0], t).to_numpy(), model.simulate(lorenz.iloc[0], t).to_numpy()
    )


@pytest.mark.parametrize("validation", ["fraction", "data"])
def test_neural_ode_round_trip_keeps_every_fitted_attribute(validation, rotating, tmp_path):
    options = dict(hidden_layer_sizes=(4,), max_iter=8, batch_size=5, segment_length=5)
    options.update(solver="rk4", validation_interval=2, random_state=0)
    train, held_out = rotating.iloc[:120], rotating.iloc[120:]
    if validation == "fraction":
        model = NeuralODE(validation_fraction=0.3, **options).fit(train)
    else:
        model = NeuralODE(**options).fit(train, validation_data=held_out)
    assert hasattr(model, "best_validation_loss_")
    model.save(tmp_path / "node.json")
    loaded = load_model(tmp_path / "node.json")
    assert_same_model(loaded, model)
    np.testing.assert_array_equal(loaded.predict(held_out), model.predict(held_out))


def test_fitted_optimizer_survives_and_keeps_fitting(rotating, tmp_path):
    model = SINDy(feature_library=PolynomialLibrary(degree=2)).fit(rotating)
    model.save(tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    assert_same(loaded.optimizer_, model.optimizer_, "optimizer_")
    theta = model.feature_library_.transform(rotating.to_numpy()[:50])
    target = np.ones((50, 2))
    np.testing.assert_array_equal(
        loaded.optimizer_.partial_fit(theta, target).coef_,
        model.optimizer_.partial_fit(theta, target).coef_,
    )


def test_infinite_standard_errors_round_trip(tmp_path):
    # Two samples for two coefficients: no residual degrees of freedom, so the standard
    # errors are infinite (see SufficientStatistics.stderr).
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    model = LinearModel().fit(X, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert np.isinf(model.coef_stderr_).all()
    model.save(tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text()
    assert "Infinity" not in text  # JSON has no inf: written explicitly instead
    assert json.loads(text)["state"]["coef_stderr"][0] == [{"__float__": "inf"}] * 2
    loaded = load_model(tmp_path / "m.json")
    assert_same_model(loaded, model)
    np.testing.assert_array_equal(loaded.coef_stderr_, model.coef_stderr_)


def test_saving_into_a_missing_directory_names_it(rotating, tmp_path):
    missing = tmp_path / "no" / "such"
    model = LinearModel().fit(rotating)
    with pytest.raises(FileNotFoundError, match=f"directory {re.escape(str(missing))} does not"):
        model.save(missing / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_saved_file_is_versioned_json(lorenz, tmp_path):
    path = tmp_path / "m.json"
    SINDy().fit(lorenz).save(path)
    payload = json.loads(path.read_text())
    assert payload["format"] == "sparseid-model" and payload["format_version"] == 3
    assert payload["class"] == "sparseid.models.SINDy"
    assert payload["state"]["variable_names"] == ["x", "y", "z"]


# A SINDy model saved by format version 1 (bare class names, private estimator paths).
V1_FILE = {
    "format": "sparseid-model",
    "format_version": 1,
    "sparseid_version": "0.1.0.dev0",
    "class": "SINDy",
    "params": {
        "differentiation_method": {
            "__estimator__": "sparseid.differentiation._finite_difference.FiniteDifference",
            "params": {"order": 4},
        },
        "discrete_time": False,
        "feature_library": {
            "__library__": {
                "class": "PolynomialLibrary",
                "params": {"degree": 1, "include_bias": True, "interaction_only": False},
            }
        },
        "optimizer": {
            "__estimator__": "sparseid.optimizers._stlsq.STLSQ",
            "params": {
                "alpha": 0.05,
                "max_iter": 20,
                "normalize_columns": False,
                "threshold": 0.05,
                "unbias": True,
            },
        },
    },
    "state": {
        "n_features_in": 2,
        "variable_names": ["x", "y"],
        "target_names": ["x'", "y'"],
        "control_names": [],
        "n_control_features": 0,
        "time_step": None,
        "training_range": [[-1.4681133126237018, -1.2546359467546326], [2.0, 1.7177151203695902]],
        "targets_1d": False,
        "fitted_on_frame": True,
        "feature_names_in": ["x", "y"],
        "library": {
            "class": "PolynomialLibrary",
            "params": {"degree": 1, "include_bias": True, "interaction_only": False},
        },
        "library_n_features_in": 2,
        "coef": [
            [0.0, -0.09999999326767861, -0.9999999879496972],
            [0.0, 0.9999999874873189, -0.09999999324270631],
        ],
        "coef_stderr": [
            [0.0, 4.784675630710272e-10, 4.746328764171702e-10],
            [0.0, 6.579870854592878e-10, 6.527136364529934e-10],
        ],
        "feature_names": ["1", "x", "y"],
    },
}


def test_format_version_1_files_still_load(rotating, tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(V1_FILE))
    model = load_model(path)
    assert type(model) is SINDy
    assert_same(model.optimizer, STLSQ(threshold=0.05), "optimizer")
    assert_same(model.differentiation_method, FiniteDifference(order=4), "differentiation")
    np.testing.assert_array_equal(
        model.predict(rotating.iloc[:2]).to_numpy(),
        [[-0.19999998653535722, 1.9999999749746378], [-0.24955501770380117, 1.9893394894128575]],
    )


def test_user_subclass_cannot_take_over_loading(rotating, tmp_path):
    class SINDy(sparseid.SINDy):  # a user's class with sparseid's name
        pass

    with pytest.raises(TypeError, match="pickle"):
        SINDy().fit(rotating).save(tmp_path / "sub.json")
    assert not (tmp_path / "sub.json").exists()
    sparseid.SINDy().fit(rotating).save(tmp_path / "m.json")
    assert type(load_model(tmp_path / "m.json")) is sparseid.SINDy


def test_user_library_subclass_is_not_saved(rotating, tmp_path):
    class PolynomialLibrary(sparseid.libraries.PolynomialLibrary):
        pass

    model = SINDy(feature_library=PolynomialLibrary(degree=1)).fit(rotating)
    with pytest.raises(TypeError, match=r"feature_library is a .*PolynomialLibrary.*pickle"):
        model.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_library_descriptions_use_public_paths_and_read_bare_names(rotating):
    from sparseid.libraries._serialize import library_to_dict

    library = PolynomialLibrary(degree=2) * FourierLibrary() + PolynomialLibrary(degree=1)
    description = library_to_dict(library)
    assert description["class"] == "sparseid.libraries.ConcatLibrary"
    assert description["params"]["libraries"][0]["params"]["libraries"][1]["class"] == (
        "sparseid.libraries.FourierLibrary"
    )
    x = rotating.to_numpy()
    expected = library.fit_transform(x)
    for d in (description, library.to_dict()):
        np.testing.assert_array_equal(library_from_dict(d, n_features_in=2).transform(x), expected)


@pytest.mark.parametrize(
    "d, match",
    [
        ({"type": "function", "numpy_function": "__class__", "inputs": [0]}, "unknown numpy"),
        (
            {"type": "function", "numpy_function": "exp", "inputs": [0], "name_format": "{0.real}"},
            "name_format",
        ),
        ({"type": "power", "exponents": "12"}, "exponents must be a list of integers"),
        ({"type": "power", "exponents": [True]}, "exponents must be a list of integers"),
        ({"type": "power", "exponents": [1], "eval": "x"}, r"unknown key\(s\) \['eval'\]"),
        ({"type": "fourier", "kind": "sin", "input": 0}, "has no 'frequency'"),
        ({"type": "product", "factors": "ab"}, "factors must be a list"),
    ],
)
def test_crafted_term_descriptions_are_refused(d, match):
    with pytest.raises(ValueError, match="term_from_dict: .*" + match):
        term_from_dict(d)


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
    copy_ = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy_.predict(lorenz), model.predict(lorenz))


def test_newer_format_and_corrupted_files(lorenz, tmp_path):
    path = tmp_path / "m.json"
    LinearModel().fit(lorenz).save(path)
    payload = json.loads(path.read_text())
    payload["format_version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="format_version=99 is newer"):
        load_model(newer)
    broken = tmp_path / "broken.json"
    broken.write_text(path.read_text()[:-40])
    with pytest.raises(ValueError, match="not a valid sparseid model file"):
        load_model(broken)
    del payload["state"]["coef"]
    payload["format_version"] = 2
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match=r"corrupted.*state.coef is missing"):
        load_model(missing)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a sparseid model file"):
        load_model(other)


# --------------------------------------------------------------------------------------------
# crafted files: each must raise a ValueError naming the field, and change nothing
def _estimator(name, **params):
    return {"__estimator__": name, "params": params}


def _set(*keys, value):
    def mutate(payload):
        target = payload
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return mutate


_WRITE = _estimator("sparseid.datasets.write", folder="pwned", names=["rotating_linear"])
_WRITE["params"]["overwrite"] = True
_DEEP = "[" * 100_000 + "]" * 100_000
_NESTED = [[[[[[[[[[0]]]]]]]]]]
for _ in range(8):
    _NESTED = [[[[[[[[[[_NESTED]]]]]]]]]]

CRAFTED = {
    # other callables, named as the model or as a nested estimator
    "class=datasets.write": (
        _set("class", value="sparseid.datasets.write"),
        r"class: unknown class 'sparseid.datasets.write' \(not one of sparseid's model classes",
    ),
    "class=cli.main": (
        _set("class", value="sparseid.cli.main"),
        r"class: unknown class 'sparseid.cli.main' \(not one",
    ),
    "estimator=datasets.write": (
        _set("params", "differentiation_method", value=_WRITE),
        r"params.differentiation_method.__estimator__: unknown class 'sparseid.datasets.write'",
    ),
    "estimator=cli.main": (
        _set("params", "optimizer", value=_estimator("sparseid.cli.main", argv=["--version"])),
        r"params.optimizer.__estimator__: unknown class 'sparseid.cli.main' \(not one of",
    ),
    "estimator=builtins.eval": (
        _set("params", "optimizer", value=_estimator("builtins.eval", source="0")),
        r"params.optimizer.__estimator__: unknown class 'builtins.eval'",
    ),
    "estimator=os.system": (
        _set("params", "optimizer", value=_estimator("os.system", command="touch pwned")),
        r"params.optimizer.__estimator__: unknown class 'os.system'",
    ),
    "path-trick=module.os.system": (
        _set(
            "params",
            "optimizer",
            value=_estimator("sparseid.models._persistence.os.system", command="touch pwned"),
        ),
        r"__estimator__: unknown class 'sparseid.models._persistence.os.system'",
    ),
    "path-trick=..": (
        _set("params", "optimizer", value=_estimator("sparseid.optimizers..._stlsq.STLSQ")),
        r"__estimator__: unknown class 'sparseid.optimizers..._stlsq.STLSQ'",
    ),
    "dunder=__builtins__": (
        _set("params", "optimizer", value=_estimator("sparseid.models.__builtins__")),
        r"__estimator__: unknown class 'sparseid.models.__builtins__'",
    ),
    "dunder-param=__class__": (
        _set("params", "__class__", value="sparseid.cli.main"),
        r"params has unknown parameter\(s\) '__class__'",
    ),
    "library=CustomLibrary": (
        _set("state", "library", "class", value="CustomLibrary"),
        r"state.library.class: unknown class 'CustomLibrary' \(not one of sparseid's library",
    ),
    "kind-confusion": (
        _set("params", "optimizer", value=_estimator("sparseid.differentiation.FiniteDifference")),
        r"optimizer.__estimator__: unknown class 'sparseid.differentiation.FiniteDifference' \(not",
    ),
    # sizes
    "oversize-library": (
        _set("state", "library", "params", "degree", value=500),
        r"state.library would build 125751 candidate terms for 2 inputs",
    ),
    "oversize-coef": (
        _set("state", "coef", value=[[0.0] * 100_000] * 2),
        r"state.coef\[0\] has length 100000, expected 3",
    ),
    "oversize-library-inputs": (
        _set("state", "library_n_features_in", value=500),
        "state.library_n_features_in must equal the 2 model inputs",
    ),
    # type confusion
    "params-a-list": (_set("params", value=[1, 2]), "params must be a JSON object"),
    "state-a-string": (_set("state", value="coef"), "state must be a JSON object"),
    "coef-wrong-shape": (
        _set("state", "coef", value=[[1.0, 2.0, 3.0]]),
        "state.coef has length 1, expected 2",
    ),
    "string-in-coef": (
        _set("state", "coef", 0, 1, value="1.0"),
        "state.coef must be a finite number, got '1.0'",
    ),
    "string-for-int": (
        _set("state", "n_features_in", value="2"),
        r"state.n_features_in must be an integer in \[1, 100000\], got '2'",
    ),
    "bool-for-int": (
        _set("state", "n_control_features", value=True),
        r"state.n_control_features must be an integer",
    ),
    "string-parameter": (
        _set("params", "optimizer", "params", "threshold", value="0.1"),
        r"params.optimizer.params: STLSQ: threshold='0.1' must be a finite real number",
    ),
    "names-not-strings": (
        _set("state", "variable_names", value=[1, 2]),
        r"state.variable_names\[0\] must be a string",
    ),
    "stats-wrong-shape": (
        _set("state", "optimizer", "stats", "r", value=[[1.0]]),
        r"state.optimizer.stats.r has length 1, expected 3",
    ),
    # nesting
    "nesting-parsed": (
        _set("params", "optimizer", value=_NESTED),
        r"params.optimizer\[0\]\[0\]\.\.\. nests deeper than 64 levels",
    ),
    "nesting-unparsable": (
        _set("params", "optimizer", value="@DEEP@"),
        r"params.optimizer\[0\]\[0\]\.\.\. nests deeper than 64 levels",
    ),
    # non-finite numbers
    "nan-in-coef": (_set("state", "coef", 0, 1, value="@NAN@"), "state.coef must be a finite"),
    "inf-marker-in-coef": (
        _set("state", "coef", 0, 1, value={"__float__": "inf"}),
        "state.coef must be a finite number",
    ),
    "1e999-in-training-range": (
        _set("state", "training_range", 0, 0, value="@BIG@"),
        "state.training_range must be a finite number",
    ),
    "inf-parameter": (
        _set("params", "optimizer", "params", "alpha", value="@INF@"),
        "params.optimizer.params.alpha=Infinity is not a number",
    ),
    # unknown keys
    "unknown-top-key": (_set("exec", value="rm -rf /"), r"the file has unknown key\(s\) 'exec'"),
    "unknown-state-key": (
        _set("state", "__class__", value="x"),
        r"state has unknown key\(s\) '__class__'",
    ),
    "unknown-library-key": (
        _set("state", "library", "import", value="os"),
        r"state.library has unknown key\(s\) \['import'\]",
    ),
    # format versions
    **{
        f"format_version={value!r}": (
            _set("format_version", value=value),
            re.escape(f"format_version={value!r}"),
        )
        for value in (0, -5, True, None, "1")
    },
}


@pytest.fixture(scope="module")
def valid_payload(rotating, tmp_path_factory):
    path = tmp_path_factory.mktemp("valid") / "m.json"
    model = SINDy(feature_library=PolynomialLibrary(degree=1), optimizer=STLSQ(threshold=0.05))
    model.fit(rotating).save(path)
    load_model(path)  # warm up: imports and caches that a load fills in
    return json.loads(path.read_text())


def _snapshot():
    modules = {n: m for n, m in sys.modules.items() if n == "sparseid" or n.startswith("sparseid.")}
    return {
        name: {k: v for k, v in vars(module).items() if k != "__warningregistry__"}
        for name, module in modules.items()
    }


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_files_raise_and_change_nothing(name, valid_payload, tmp_path, monkeypatch):
    mutate, message = CRAFTED[name]
    payload = copy.deepcopy(valid_payload)
    mutate(payload)
    text = json.dumps(payload)
    for marker, raw in [
        ("@DEEP@", _DEEP),
        ("@NAN@", "NaN"),
        ("@BIG@", "1e999"),
        ("@INF@", "Infinity"),
    ]:
        text = text.replace(f'"{marker}"', raw)
    path = tmp_path / "crafted.json"
    path.write_text(text)
    monkeypatch.chdir(tmp_path)
    files, modules = _listing(tmp_path), _snapshot()
    try:
        with pytest.raises(ValueError, match=message):
            load_model(path)
    finally:  # checked even when loading did not raise
        assert _listing(tmp_path) == files
        after = _snapshot()
        assert after.keys() == modules.keys()
        for module, attributes in modules.items():
            assert after[module].keys() == attributes.keys(), module
            changed = [k for k, v in attributes.items() if after[module][k] is not v]
            assert not changed, f"{module}: {changed}"
