"""The data layer: every accepted form of input, and a clear error for every bad one."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import BaseEstimator

from sparseid._data import (
    Trajectories,
    find_gaps,
    is_validated_array,
    to_seconds,
    validate_targets,
    validate_time,
    validate_trajectories,
)


def test_array_with_step():
    x = np.arange(12.0).reshape(6, 2)
    data = validate_trajectories(x, t=0.5)
    assert isinstance(data, Trajectories)
    assert data.n_trajectories == 1 and data.n_features == 2 and data.n_samples == 6
    np.testing.assert_array_equal(data.t[0], np.arange(6) * 0.5)
    assert data.names == ["x0", "x1"]
    assert data.step == 0.5 and not data.from_frame
    assert data.x[0].dtype == np.float64


def test_array_without_time_has_no_time_and_require_time_explains():
    data = validate_trajectories(np.ones((5, 2)))
    assert data.t is None
    with pytest.raises(ValueError, match="pass t="):
        data.require_time()
    with pytest.raises(ValueError, match="time is needed"):
        validate_trajectories(np.ones((5, 2)), require_time=True)


def test_list_of_arrays_of_different_lengths():
    xs = [np.ones((5, 2)), np.zeros((8, 2))]
    data = validate_trajectories(xs, t=[np.arange(5.0), np.linspace(0, 1, 8)])
    assert [len(x) for x in data.x] == [5, 8]
    assert data.n_samples == 13
    assert data.stacked().shape == (13, 2)
    parts = data.split(np.arange(13))
    assert [len(p) for p in parts] == [5, 8]


def test_list_of_arrays_with_scalar_step():
    data = validate_trajectories([np.ones((3, 1)), np.ones((4, 1))], t=0.1)
    np.testing.assert_allclose(data.t[1], [0, 0.1, 0.2, 0.3])


def test_dataframe_numeric_index_gives_time_and_names():
    df = pd.DataFrame({"u": [1.0, 2, 3], "v": [4.0, 5, 6]}, index=[0.0, 0.1, 0.3])
    data = validate_trajectories(df)
    assert data.names == ["u", "v"] and data.from_frame
    np.testing.assert_array_equal(data.t[0], [0.0, 0.1, 0.3])
    assert data.index[0].equals(df.index)


def test_dataframe_datetime_index_in_seconds_from_first_row():
    idx = pd.date_range("2024-01-01 12:00", periods=4, freq="250ms")
    df = pd.DataFrame({"a": np.arange(4.0)}, index=idx)
    np.testing.assert_allclose(validate_trajectories(df).t[0], [0, 0.25, 0.5, 0.75])


def test_dataframe_timedelta_index_in_seconds_from_first_row():
    idx = pd.to_timedelta([10, 12, 15], unit="s")
    df = pd.DataFrame({"a": [1.0, 2, 3]}, index=idx)
    np.testing.assert_allclose(validate_trajectories(df).t[0], [0, 2, 5])


def test_default_range_index_is_not_time():
    df = pd.DataFrame({"a": [1.0, 2, 3]})
    assert validate_trajectories(df).t is None
    with pytest.raises(ValueError, match="pass t="):
        validate_trajectories(df, require_time=True)


@pytest.mark.parametrize(
    "index",
    [
        pd.Index([0, 1, 3], dtype="int64"),  # what dropna leaves of a RangeIndex
        pd.Index([0, 1, 3], dtype="uint32"),
        pd.Index([0, 1, 3], dtype="Int64"),
    ],
    ids=["int64", "uint32", "nullable"],
)
def test_integer_index_is_row_numbers_not_time(index):
    df = pd.DataFrame({"a": [1.0, 2, 3]}, index=index)
    data = validate_trajectories(df)
    assert data.t is None
    with pytest.raises(ValueError, match=r"integers \(row numbers\?\), which is not taken as time"):
        data.require_time()
    with pytest.raises(ValueError, match=r"t=X\.index\.to_numpy\(float\)"):
        validate_trajectories(df, require_time=True)
    # marked as time by the user: explicitly, or as floats
    np.testing.assert_array_equal(validate_trajectories(df, t=df.index).t[0], [0.0, 1.0, 3.0])
    df.index = df.index.astype(float)
    np.testing.assert_array_equal(validate_trajectories(df).t[0], [0.0, 1.0, 3.0])


def test_index_that_is_not_time_is_named_in_the_error():
    df = pd.DataFrame({"a": [1.0, 2, 3]}, index=["p", "q", "r"])
    with pytest.raises(ValueError, match="X has an index of dtype"):
        validate_trajectories(df, require_time=True)
    dfs = [pd.DataFrame({"a": [1.0, 2]}, index=[0.0, 1.0]), pd.DataFrame({"a": [1.0, 2]})]
    with pytest.raises(
        ValueError, match=r"X\[1\] has no time while others do: X\[1\] has a default"
    ):
        validate_trajectories(dfs)


def test_clock_times_in_seconds_from_the_first():
    stamps = pd.date_range("2024-01-01 23:59:59", periods=3, freq="500ms", tz="UTC")
    expected = [0.0, 0.5, 1.0]
    for t in (stamps, stamps.to_numpy(), pd.Series(stamps), list(stamps), stamps - stamps[0]):
        np.testing.assert_array_equal(to_seconds(t), expected)
        np.testing.assert_array_equal(validate_time(t, 3), expected)
    np.testing.assert_array_equal(validate_trajectories(np.ones((3, 1)), t=stamps).t[0], expected)
    plain = np.array([5.0, 6.0])
    assert to_seconds(plain) is plain and to_seconds(0.1) == 0.1


def test_explicit_t_overrides_the_index():
    df = pd.DataFrame({"a": [1.0, 2, 3]}, index=[5.0, 6.0, 7.0])
    np.testing.assert_array_equal(validate_trajectories(df, t=0.5).t[0], [0, 0.5, 1.0])


def test_list_of_dataframes():
    dfs = [pd.DataFrame({"x": [1.0, 2]}, index=[0.0, 1.0]), pd.DataFrame({"x": [3.0]}, index=[2.0])]
    data = validate_trajectories(dfs)
    assert data.n_trajectories == 2 and data.names == ["x"]


def test_object_array_of_numbers_is_converted():
    x = np.array([[1, 2], [3, 4]], dtype=object)
    data = validate_trajectories(x)
    assert data.x[0].dtype == np.float64


def test_feature_names_for_arrays():
    data = validate_trajectories(np.ones((3, 2)), feature_names=["p", "q"])
    assert data.names == ["p", "q"]
    with pytest.raises(ValueError, match="feature_names has 3 names"):
        validate_trajectories(np.ones((3, 2)), feature_names=["p", "q", "r"])


def test_estimator_gets_sklearn_attributes():
    est = BaseEstimator()
    df = pd.DataFrame({"u": [1.0, 2], "v": [3.0, 4]})
    validate_trajectories(df, estimator=est)
    assert est.n_features_in_ == 2
    assert list(est.feature_names_in_) == ["u", "v"]
    with pytest.raises(ValueError, match="X has 3 features, but BaseEstimator is expecting 2"):
        validate_trajectories(np.ones((2, 3)), estimator=est, reset=False)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "row", "col"), [(np.nan, "NaN", 2, 1), (np.inf, "inf", 0, 0)]
)
def test_nonfinite_names_row_and_column(value, kind, row, col):
    x = np.ones((4, 2))
    x[row, col] = value
    with pytest.raises(ValueError, match=f"contains {kind} at row {row}, column {col}"):
        validate_trajectories(x)


def test_nan_in_dataframe_names_column():
    df = pd.DataFrame({"u": [1.0, np.nan], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"NaN at row 1, column 0 \('u'\)"):
        validate_trajectories(df)


def test_nan_in_second_trajectory_names_it():
    xs = [np.ones((3, 1)), np.array([[1.0], [np.nan]])]
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN at row 1"):
        validate_trajectories(xs)


@pytest.mark.parametrize(
    ("t", "message"),
    [
        ([0.0, 0.1, 0.1, 0.3], r"strictly increasing: t\[2\] = 0.1 is not greater than t\[1\]"),
        ([0.0, 0.2, 0.1, 0.3], r"strictly increasing: t\[2\] = 0.1"),
        ([0.0, 0.1, 0.2], "t has 3 times but the trajectory has 4 samples"),
        ([0.0, np.nan, 0.2, 0.3], "non-finite time at position 1"),
        (-0.1, "positive finite"),
        (0.0, "positive finite"),
        ([[0.0, 1.0]], "must be 1-D"),
    ],
)
def test_bad_time(t, message):
    with pytest.raises(ValueError, match=message):
        validate_trajectories(np.ones((4, 1)), t=t)


def test_bad_time_in_dataframe_index():
    df = pd.DataFrame({"a": [1.0, 2, 3]}, index=[0.0, 0.2, 0.2])
    with pytest.raises(ValueError, match="strictly increasing"):
        validate_trajectories(df)


def test_time_list_length_mismatch():
    with pytest.raises(ValueError, match="list of 1 entries but X has 2 trajectories"):
        validate_trajectories([np.ones((3, 1)), np.ones((3, 1))], t=[np.arange(3.0)])
    with pytest.raises(ValueError, match="list of 2 arrays"):
        validate_trajectories([np.ones((3, 1)), np.ones((3, 1))], t=np.arange(3.0))


def test_time_of_strings_is_type_error():
    with pytest.raises(TypeError, match="t must be a number or an array of numbers"):
        validate_time(["a", "b"], 2)


def test_too_few_samples():
    with pytest.raises(ValueError, match="has 1 sample; at least 3 are needed"):
        validate_trajectories(np.ones((1, 2)), min_samples=3)


def test_empty_input():
    with pytest.raises(ValueError, match="0 samples"):
        validate_trajectories(np.ones((0, 2)))
    with pytest.raises(ValueError, match="empty"):
        validate_trajectories([])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        validate_trajectories(np.ones((3, 0)))


def test_one_dimensional_suggests_reshape():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        validate_trajectories(np.ones(5))


def test_three_dimensional_suggests_list():
    with pytest.raises(ValueError, match=r"3-D .* list of 2-D arrays"):
        validate_trajectories(np.ones((2, 3, 4)))


def test_complex_dtype():
    with pytest.raises(ValueError, match="complex"):
        validate_trajectories(np.ones((3, 2), dtype=complex))


def test_object_array_of_strings_is_type_error():
    with pytest.raises(TypeError, match="non-numeric"):
        validate_trajectories(np.array([["a", "b"], ["c", "d"]], dtype=object))


def test_sparse_input_is_type_error():
    with pytest.raises(TypeError, match="sparse"):
        validate_trajectories(sp.csr_matrix(np.ones((3, 2))))


def test_non_numeric_dataframe_column():
    df = pd.DataFrame({"a": [1.0, 2.0], "label": ["p", "q"]})
    with pytest.raises(TypeError, match=r"non-numeric columns \['label'\]"):
        validate_trajectories(df)


def test_duplicate_dataframe_columns():
    df = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        validate_trajectories(df)


def test_list_mixing_dataframes_with_different_columns():
    dfs = [pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]})]
    with pytest.raises(ValueError, match=r"X\[1\] has columns \['b'\] but X\[0\] has \['a'\]"):
        validate_trajectories(dfs)


def test_list_mixing_dataframes_and_arrays():
    with pytest.raises(TypeError, match="mixes DataFrames and arrays"):
        validate_trajectories([pd.DataFrame({"a": [1.0]}), np.ones((1, 1))])


def test_list_with_different_widths():
    with pytest.raises(ValueError, match=r"X\[1\] has 3 columns but X\[0\] has 2"):
        validate_trajectories([np.ones((3, 2)), np.ones((3, 3))])


def test_expected_names_check_the_columns_of_a_dataframe():
    est = BaseEstimator()
    validate_trajectories(np.ones((3, 2)), estimator=est, feature_names=["p", "q"])
    df = pd.DataFrame({"p": [1.0, 2], "q": [3.0, 4]})
    data = validate_trajectories(df, estimator=est, reset=False, expected_names=["p", "q"])
    assert data.names == ["p", "q"]
    with pytest.raises(ValueError, match=r"another order.*pass X\[\['p', 'q'\]\]"):
        validate_trajectories(df[["q", "p"]], estimator=est, reset=False, expected_names=["p", "q"])
    with pytest.raises(ValueError, match=r"missing \['q'\], unexpected \['r'\]"):
        validate_trajectories(
            df.rename(columns={"q": "r"}), estimator=est, reset=False, expected_names=["p", "q"]
        )


# --- gaps: rows that are not contiguous ------------------------------------------------------


def test_gap_between_cross_validation_folds_is_found():
    t = np.r_[np.arange(100.0), np.arange(200.0, 300.0)] * 0.01  # KFold(3)'s middle train rows
    assert find_gaps(t).tolist() == [100]
    data = validate_trajectories(np.ones((200, 1)), t=t)
    assert data.pieces() == [(0, 0, 100), (0, 100, 200)]
    assert "has a gap in its times (the first: t[100] - t[99] = 1.01" in data.describe_gaps(0)


def test_what_is_not_a_gap():
    uniform = np.arange(50.0)
    assert find_gaps(uniform).size == 0
    # one or two missing samples are bridged by the time-aware differentiators
    assert find_gaps(np.delete(uniform, [10, 20, 21])).size == 0
    # a smoothly changing step, even over orders of magnitude (an adaptive solver's grid)
    assert find_gaps(np.cumsum(np.geomspace(1e-4, 1.0, 200))).size == 0
    jitter = uniform + np.random.default_rng(0).uniform(-0.3, 0.3, 50)
    assert find_gaps(jitter).size == 0
    assert find_gaps(np.array([0.0, 1.0, 10.0])).size == 0  # too few steps to compare


def test_shuffled_rows_have_gaps():
    rows = np.sort(np.random.default_rng(0).permutation(300)[:200])  # a shuffled KFold fold
    assert len(find_gaps(rows * 0.01)) > 3


def test_a_scalar_step_or_no_time_makes_one_piece():
    assert validate_trajectories(np.ones((5, 1)), t=0.1).pieces() == [(0, 0, 5)]
    assert validate_trajectories([np.ones((5, 1)), np.ones((3, 1))]).pieces() == [
        (0, 0, 5),
        (1, 0, 3),
    ]


def test_targets_are_checked_against_trajectories():
    data = validate_trajectories(np.ones((4, 2)))
    targets, one_d = validate_targets(np.arange(4.0), data)
    assert one_d and targets[0].shape == (4, 1)
    with pytest.raises(ValueError, match="y has 3 rows but X has 4 samples"):
        validate_targets(np.ones((3, 2)), data)
    with pytest.raises(ValueError, match="y contains NaN at row 0"):
        validate_targets(np.full((4, 1), np.nan), data)


# --- property-based round trips --------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 4)), elements=finite))
def test_arrays_round_trip_exactly(x):
    data = validate_trajectories(x)
    np.testing.assert_array_equal(data.x[0], x)


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(2, 15), st.integers(1, 3)), elements=finite),
    st.lists(st.floats(1e-6, 1e3), min_size=14, max_size=14),
)
def test_dataframes_round_trip_exactly(x, steps):
    t = np.concatenate([[0.0], np.cumsum(steps[: len(x) - 1])])
    columns = [f"c{i}" for i in range(x.shape[1])]
    df = pd.DataFrame(x, index=t, columns=columns)
    data = validate_trajectories(df)
    np.testing.assert_array_equal(data.x[0], x)
    np.testing.assert_array_equal(data.t[0], t)
    assert data.names == columns


def test_validate_time_keeps_a_step_and_names_its_owner():
    assert validate_time(0.25, 4, keep_step=True) == 0.25
    assert validate_time(np.array(0.25), 4, keep_step=True) == 0.25
    np.testing.assert_array_equal(validate_time([0.0, 1.0], 2, keep_step=True), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"^Spline: the time step t=-1\.0 must be a positive"):
        validate_time(-1.0, 3, owner="Spline")
    with pytest.raises(ValueError, match=r"^Spline: t must have shape \(3,\): it has 2 times"):
        validate_time([0.0, 1.0], 3, owner="Spline")
    with pytest.raises(TypeError, match="t must be a number or an array of numbers, got True"):
        validate_time(True, 3)


def test_is_validated_array_accepts_only_what_validation_returns_unchanged():
    x = np.ones((4, 2))
    assert is_validated_array(x, 2)
    assert is_validated_array(x[:, :1], 1)  # a view is fine
    bad = x.copy()
    bad[2, 1] = np.nan
    assert is_validated_array(np.full((2, 2), 1e308), 2)  # finite, however large
    for other in (x.tolist(), x.astype(np.float32), x[None], x[:0], bad, -bad * np.inf):
        assert not is_validated_array(other, other.shape[-1] if hasattr(other, "shape") else 2)
    assert not is_validated_array(x, 3)
    assert not is_validated_array(pd.DataFrame(x), 2)
