"""Tests of the shared parameter checks in sparseid._params."""

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
