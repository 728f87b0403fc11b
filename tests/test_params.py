"""Tests of the shared parameter checks in sparseid._params and of the rules estimators declare."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparseid._params import check_bool, check_choice, check_integer, check_real
from sparseid.libraries import PolynomialLibrary


def _raises(error, message):
    """pytest.raises matching the whole message literally."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


# --- check_integer -----------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0, 3, np.int64(7), np.uint8(2)])
def test_integer_accepts_python_and_numpy_integers(value):
    result = check_integer("Owner", "n", value, minimum=0)
    assert result == value and type(result) is int


def test_integer_without_minimum_accepts_negative_values():
    assert check_integer("Owner", "n", -5) == -5


@pytest.mark.parametrize(
    ("value", "got"), [(2.0, "float"), (True, "bool"), ("3", "str"), (None, "NoneType")]
)
def test_integer_wrong_type(value, got):
    with _raises(TypeError, f"Owner: n={value!r} must be an integer >= 1, got {got}"):
        check_integer("Owner", "n", value, minimum=1)
    with _raises(ValueError, f"Owner: n={value!r} must be an integer >= 1, got {got}"):
        check_integer("Owner", "n", value, minimum=1, type_error=ValueError)
    with _raises(TypeError, f"Owner: n={value!r} must be an integer, got {got}"):
        check_integer("Owner", "n", value)


def test_integer_below_minimum():
    with _raises(ValueError, "Owner: n=0 must be >= 1"):
        check_integer("Owner", "n", 0, minimum=1)
    with _raises(ValueError, "Owner: n=0 must be an integer >= 1"):
        check_integer("Owner", "n", 0, minimum=1, type_error=ValueError)
    # A numpy scalar shows as the number it holds.
    with _raises(ValueError, "Owner: n=-2 must be >= 0"):
        check_integer("Owner", "n", np.int64(-2), minimum=0)


def test_integer_reason_is_added_to_range_errors_only():
    with _raises(ValueError, "Owner: n=0 must be >= 1 (zero makes no sense)"):
        check_integer("Owner", "n", 0, minimum=1, reason="zero makes no sense")
    with _raises(TypeError, "Owner: n=1.5 must be an integer >= 1, got float"):
        check_integer("Owner", "n", 1.5, minimum=1, reason="zero makes no sense")


def test_owner_instance_gives_its_class_name():
    with _raises(ValueError, "PolynomialLibrary: degree=-1 must be >= 0"):
        check_integer(PolynomialLibrary(), "degree", -1, minimum=0)


@settings(max_examples=30, deadline=None)
@given(value=st.integers(-50, 50), minimum=st.integers(-10, 10))
def test_integer_accepts_exactly_the_values_at_or_above_the_minimum(value, minimum):
    if value >= minimum:
        assert check_integer("Owner", "n", value, minimum=minimum) == value
    else:
        with pytest.raises(ValueError, match=f"must be >= {minimum}"):
            check_integer("Owner", "n", value, minimum=minimum)


# --- check_real --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.5, 2, np.float64(1.5), np.float32(0.25), np.int64(3)])
def test_real_accepts_python_and_numpy_numbers(value):
    result = check_real("Owner", "x", value, minimum=0)
    assert result == float(value) and type(result) is float


def test_real_none():
    assert check_real("Owner", "x", None, allow_none=True) is None
    with _raises(TypeError, "Owner: x=None must be a finite real number >= 0, got NoneType"):
        check_real("Owner", "x", None, minimum=0)


@pytest.mark.parametrize(("value", "got"), [(True, "bool"), ("1", "str"), ([1.0], "list")])
def test_real_wrong_type(value, got):
    with _raises(TypeError, f"Owner: x={value!r} must be a finite real number > 0, got {got}"):
        check_real("Owner", "x", value, minimum=0, closed="neither")
    message = f"Owner: x={value!r} must be a finite real number in (0, 1] or None, got {got}"
    with _raises(TypeError, message):
        check_real("Owner", "x", value, minimum=0, maximum=1, closed="right", allow_none=True)
    with _raises(ValueError, f"Owner: x={value!r} must be a finite real number, got {got}"):
        check_real("Owner", "x", value, type_error=ValueError)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_real_rejects_non_finite_values_with_value_error(value):
    with _raises(ValueError, f"Owner: x={value!r} must be finite"):
        check_real("Owner", "x", value)
    with _raises(ValueError, f"Owner: x={value!r} must be finite and >= 0"):
        check_real("Owner", "x", value, minimum=0, allow_none=True)
    with _raises(ValueError, f"Owner: x={value!r} must be in [0, 1]"):
        check_real("Owner", "x", value, minimum=0, maximum=1)
    with _raises(ValueError, f"Owner: x={value!r} must be a finite real number >= 0"):
        check_real("Owner", "x", value, minimum=0, type_error=ValueError)


@pytest.mark.parametrize(
    ("closed", "span", "accepted"),
    [
        ("both", "in [0, 1]", {0.0, 0.5, 1.0}),
        ("left", "in [0, 1)", {0.0, 0.5}),
        ("right", "in (0, 1]", {0.5, 1.0}),
        ("neither", "in (0, 1)", {0.5}),
    ],
)
def test_real_interval_bounds(closed, span, accepted):
    for value in (-0.5, 0.0, 0.5, 1.0, 1.5):
        if value in accepted:
            assert check_real("Owner", "x", value, minimum=0, maximum=1, closed=closed) == value
        else:
            with _raises(ValueError, f"Owner: x={value!r} must be {span}"):
                check_real("Owner", "x", value, minimum=0, maximum=1, closed=closed)


def test_real_half_lines():
    assert check_real("Owner", "x", 0.0, minimum=0) == 0.0
    with _raises(ValueError, "Owner: x=0.0 must be finite and > 0"):
        check_real("Owner", "x", 0.0, minimum=0, closed="neither")
    with _raises(ValueError, "Owner: x=-0.1 must be a finite real number >= 0"):
        check_real("Owner", "x", -0.1, minimum=0, type_error=ValueError)
    assert check_real("Owner", "x", -1e300, maximum=1) == -1e300
    with _raises(ValueError, "Owner: x=1 must be finite and < 1"):
        check_real("Owner", "x", 1, maximum=1, closed="left")
    with _raises(ValueError, "Owner: x=2.0 must be finite and <= 1 (why not)"):
        check_real("Owner", "x", 2.0, maximum=1, reason="why not")


def test_real_rejects_an_unknown_closed():
    with pytest.raises(ValueError, match="check_real: closed='open' must be one of"):
        check_real("Owner", "x", 0.5, minimum=0, closed="open")


# --- check_bool --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
def test_bool_accepts_python_and_numpy_bools(value):
    result = check_bool("Owner", "flag", value)
    assert result == bool(value) and type(result) is bool


@pytest.mark.parametrize(
    ("value", "got"), [(1, "int"), (0, "int"), ("yes", "str"), (None, "NoneType"), (1.0, "float")]
)
def test_bool_rejects_everything_else(value, got):
    with _raises(TypeError, f"Owner: flag={value!r} must be a bool, got {got}"):
        check_bool("Owner", "flag", value)
    with _raises(ValueError, f"Owner: flag={value!r} must be True or False, got {got}"):
        check_bool("Owner", "flag", value, type_error=ValueError)


# --- check_choice ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["l1", "l2", None])
def test_choice_accepts_the_choices(value):
    assert check_choice("Owner", "loss", value, ("l1", "l2", None)) is value


@pytest.mark.parametrize("value", ["huber", "L1", 1, [1]])
def test_choice_rejects_other_values(value):
    with _raises(ValueError, f"Owner: loss={value!r} must be one of ('l1', 'l2', None)"):
        check_choice("Owner", "loss", value, ("l1", "l2", None))


@pytest.mark.parametrize(
    ("parity", "good", "bad"), [("even", [2, 4, 10], [3, 5]), ("odd", [3, 5], [4])]
)
def test_integer_parity(parity, good, bad):
    for value in good:
        assert check_integer("Owner", "n", np.int64(value), minimum=2, parity=parity) == value
    for value in [*bad, 0, 1 if parity == "odd" else -2]:
        # Out of range or of the wrong parity: the message names the whole requirement.
        with _raises(ValueError, f"Owner: n={value} must be an {parity} integer >= 2"):
            check_integer("Owner", "n", value, minimum=2, parity=parity)
    with _raises(TypeError, f"Owner: n=3.0 must be an {parity} integer >= 2, got float"):
        check_integer("Owner", "n", 3.0, minimum=2, parity=parity)
    with pytest.raises(ValueError, match="parity='prime' must be one of"):
        check_integer("Owner", "n", 3, parity="prime")


# --- declared rules ----------------------------------------------------------------------------
def _public_estimators():
    """Every estimator class sparseid exports (libraries, differentiators, optimizers, models)."""
    from sklearn.base import BaseEstimator

    from sparseid import differentiation, libraries, models, optimizers

    return sorted(
        {
            obj
            for module in (libraries, differentiation, optimizers, models)
            for obj in (getattr(module, name) for name in module.__all__)
            if isinstance(obj, type) and issubclass(obj, BaseEstimator)
        },
        key=lambda cls: cls.__name__,
    )


# Arguments without a default, for the classes that need them.
_REQUIRED = {
    "CustomLibrary": {"functions": [np.sin]},
    "ConcatLibrary": {"libraries": [PolynomialLibrary()]},
    "TensoredLibrary": {"libraries": [PolynomialLibrary()]},
}


def _instance(cls, **params):
    return cls(**{**_REQUIRED.get(cls.__name__, {}), **params})


def _init_arguments(cls):
    import inspect

    if cls.__init__ is object.__init__:
        return []
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [p.name for p in parameters]


def test_the_public_estimators_are_found():
    names = {cls.__name__ for cls in _public_estimators()}
    expected = {"PolynomialLibrary", "FiniteDifference", "STLSQ", "SINDy", "NeuralODE"}
    assert expected <= names and len(names) >= 17


@pytest.mark.parametrize("cls", _public_estimators(), ids=lambda cls: cls.__name__)
def test_every_estimator_declares_one_rule_per_argument_in_order(cls):
    from sparseid._params import Rule

    rules = cls._parameter_rules
    # A forgotten (or misspelt) argument fails here: every argument has exactly one rule,
    # listed in the order of __init__ so that the rules read as the signature's documentation.
    assert list(rules) == _init_arguments(cls)
    assert all(isinstance(rule, Rule) for rule in rules.values())
    assert callable(cls._check_params)


def _checked_rules():
    from sparseid._params import Estimator

    return [
        (cls, name)
        for cls in _public_estimators()
        for name, rule in cls._parameter_rules.items()
        if not isinstance(rule, Estimator)  # passed on: the estimator checks its own rules
    ]


@pytest.mark.parametrize(
    ("cls", "name"), _checked_rules(), ids=lambda v: v if isinstance(v, str) else v.__name__
)
def test_every_declared_rule_is_enforced(cls, name):
    estimator = _instance(cls, **{name: "not-a-value"})
    with pytest.raises((TypeError, ValueError), match=f"^{cls.__name__}: {name}[= ]"):
        estimator._check_params()
    # The defaults (and the required arguments above) pass their rules.
    assert set(_instance(cls)._check_params()) == set(cls._parameter_rules)


def test_check_params_converts_and_reports_in_the_owners_style():
    from sparseid._params import check_params
    from sparseid.models import NeuralODE
    from sparseid.optimizers import STLSQ

    assert check_params(PolynomialLibrary(degree=np.int64(3), include_bias=np.True_)) == {
        "degree": 3,
        "include_bias": True,
        "interaction_only": False,
    }
    assert check_params(NeuralODE(hidden_layer_sizes=5), ["hidden_layer_sizes"]) == {
        "hidden_layer_sizes": [5]
    }
    # The optimizers report a wrong type as a ValueError (their _parameter_type_error) ...
    with _raises(ValueError, "STLSQ: max_iter=2.5 must be an integer >= 1, got float"):
        STLSQ(max_iter=2.5)._check_params()
    # ... as NeuralODE does, except for the rules that say otherwise.
    with _raises(ValueError, "NeuralODE: batch_size=2.5 must be an integer >= 1, got float"):
        NeuralODE(batch_size=2.5)._check_params()
    with _raises(TypeError, "NeuralODE: verbose=1 must be a bool, got int"):
        NeuralODE(verbose=1)._check_params()
    with _raises(ValueError, "NeuralODE: random_state=-1 must be None or an integer >= 0"):
        NeuralODE(random_state=-1)._check_params()
    for seed in (None, np.random.default_rng(0), np.random.RandomState(0)):
        assert NeuralODE(random_state=seed)._check_params()["random_state"] is seed
    assert NeuralODE(random_state=np.int64(3))._check_params()["random_state"] == 3


def test_rules_read_as_documentation():
    from sparseid.differentiation import SavitzkyGolay
    from sparseid.libraries import ConcatLibrary

    assert repr(PolynomialLibrary._parameter_rules["degree"]) == "Integer(minimum=0)"
    assert repr(SavitzkyGolay._parameter_rules["window"]) == "Integer(minimum=3, parity='odd')"
    assert "non-empty list" in repr(ConcatLibrary._parameter_rules["libraries"])


def test_rules_between_arguments_and_data_stay_in_code():
    from sparseid.differentiation import SavitzkyGolay
    from sparseid.libraries import FourierLibrary

    with _raises(ValueError, "FourierLibrary: include_sin and include_cos cannot both be False"):
        FourierLibrary(include_sin=False, include_cos=False)._check_params()
    with _raises(ValueError, "SavitzkyGolay: polyorder=5 must be smaller than window=5"):
        SavitzkyGolay(window=5, polyorder=5)._check_params()
    # The halo needs the window only; the window against the data is checked with the data.
    assert SavitzkyGolay(window=7, polyorder=9).halo == 3
    with pytest.raises(ValueError, match="SavitzkyGolay: window=21 is longer than the trajectory"):
        SavitzkyGolay(window=21)(np.zeros(20), 0.1)


def test_the_loader_checks_every_registered_class_with_its_own_rules():
    from sparseid import _registry
    from sparseid._params import Estimator

    for entry in _registry.entries():
        assert not hasattr(entry, "check")  # no per-class check in the allow-list
        if entry.kind == "term":  # terms are records checked by term_from_dict, not estimators
            continue
        rules = [n for n, r in entry.cls._parameter_rules.items() if not isinstance(r, Estimator)]
        for name in rules:
            bad = _instance(entry.cls, **{name: "not-a-value"})
            with pytest.raises(ValueError, match=f"^params: {entry.cls.__name__}: {name}[= ]"):
                _registry.check_params(entry, bad, "params")
        good = _instance(entry.cls)
        assert _registry.check_params(entry, good, "params") is good


@pytest.mark.parametrize("with_targets", [False, True])
def test_neural_ode_checks_its_parameters_once_per_fit(monkeypatch, with_targets):
    from sparseid.models import NeuralODE

    calls = []
    check = NeuralODE._check_params

    def counted(self):
        calls.append(1)
        return check(self)

    monkeypatch.setattr(NeuralODE, "_check_params", counted)
    t = np.linspace(0.0, 2.0, 60)
    X = np.column_stack([np.cos(t), np.sin(t)])
    model = NeuralODE(hidden_layer_sizes=(4,), max_iter=2, batch_size=8, segment_length=5)
    if with_targets:
        model.fit(X, np.column_stack([-X[:, 1], X[:, 0]]))
    else:
        model.fit(X, t=t)
    assert len(calls) == 1
