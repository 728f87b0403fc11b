"""The model contract of ``DynamicsModel``: no silently wrong result from fit, score, predict or
simulate (issue 18, "Trust first")."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.model_selection import KFold, cross_val_score

from sparseid import LinearModel, NeuralODE, SINDy
from sparseid.libraries import PolynomialLibrary
from sparseid.systems import RotatingLinear, make_rotating_linear

A = RotatingLinear().A


def _frame(n=601, t_end=15.0):
    return make_rotating_linear(n, t_end)


def _matrix_error(model):
    return float(np.max(np.abs(model.matrix_ - A)))


# --- row numbers are not time -------------------------------------------------------------


def test_integer_index_left_by_dropna_is_not_taken_as_time():
    df = _frame()
    rows = df.reset_index(drop=True)
    rows.iloc[7, 0] = np.nan
    rows = rows.dropna()  # an Index of int64 (not a RangeIndex): row numbers, not seconds
    assert rows.index.dtype.kind == "i" and not isinstance(rows.index, pd.RangeIndex)
    with pytest.raises(ValueError, match=r"integers \(row numbers\?\).*t=X\.index\.to_numpy"):
        LinearModel().fit(rows)
    # Marked as time explicitly, by t= or by a float index, the same values are accepted.
    seconds = df.index.to_numpy()[rows.index.to_numpy()]
    assert _matrix_error(LinearModel().fit(rows, t=seconds)) < 1e-9
    rows.index = pd.Index(seconds, name="t")
    assert _matrix_error(LinearModel().fit(rows)) < 1e-9


def test_default_range_index_error_says_it_counts_rows():
    with pytest.raises(ValueError, match="default RangeIndex"):
        LinearModel().fit(_frame().reset_index(drop=True))


def test_float_and_clock_indexes_are_time():
    df = _frame()
    assert _matrix_error(LinearModel().fit(df)) < 1e-9
    clock = df.copy()
    clock.index = pd.Timestamp("2026-01-01 12:00") + pd.to_timedelta(df.index, unit="s")
    assert _matrix_error(LinearModel().fit(clock)) < 1e-9
    clock.index = pd.to_timedelta(df.index + 30.0, unit="s")
    assert _matrix_error(LinearModel().fit(clock)) < 1e-9


# --- times passed positionally ------------------------------------------------------------


def _positional_cases():
    df = _frame(200)
    X, t = df.to_numpy(), df.index.to_numpy()
    clock = pd.Timestamp("2026-01-01") + pd.to_timedelta(t, unit="s")
    return {
        "series": (X, pd.Series(t, name="t")),
        "index": (X, df.index),
        "one-column": (X[:, :1], t),
        "one-column-list": (X[:, :1], list(t)),
        "integer-steps": (X, np.arange(len(X))),
        "datetimes": (X, clock),
        "several": ([X[:100], X[100:]], [t[:100], t[100:]]),
    }


@pytest.mark.parametrize("case", sorted(_positional_cases()))
def test_times_passed_positionally_are_refused(case):
    X, t = _positional_cases()[case]
    with pytest.raises(TypeError, match=r"looks like the sample times.*fit\(X, t=t\)"):
        LinearModel().fit(X, t)
    fitted = LinearModel().fit(_frame(200).to_numpy(), t=0.01)
    with pytest.raises(TypeError, match=r"score\(X, t=t\)"):
        fitted.score(X, t)


def test_an_increasing_target_is_passed_as_a_column_or_as_x_dot():
    x = np.linspace(0.0, 1.0, 50)[:, None]
    y = np.exp(x[:, 0])  # a genuine target that only grows
    with pytest.raises(TypeError, match=r"y\.reshape\(-1, 1\)"):
        LinearModel(fit_intercept=True).fit(x, y)
    as_column = LinearModel(fit_intercept=True).fit(x, y.reshape(-1, 1))
    by_keyword = LinearModel(fit_intercept=True).fit(x, x_dot=y)
    np.testing.assert_array_equal(as_column.coef_, by_keyword.coef_)
    assert as_column.score(x, y.reshape(-1, 1)) > 0.9
    assert by_keyword.score(x, x_dot=y) > 0.9


def test_targets_that_are_not_increasing_are_regressed():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 1))
    model = LinearModel(fit_intercept=True).fit(x, pd.Series(3.0 * x[:, 0] + 1.0))
    np.testing.assert_allclose(model.coef_, [[1.0, 3.0]], atol=1e-10)


# --- simulate on clock times --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["datetime", "timedelta"])
def test_simulate_on_the_clock_index_of_the_fit(kind):
    df = _frame()
    clock = df.copy()
    if kind == "datetime":
        clock.index = pd.Timestamp("2026-01-01 12:00") + pd.to_timedelta(df.index, unit="s")
    else:
        clock.index = pd.to_timedelta(df.index + 100.0, unit="s")
    model = LinearModel().fit(clock)
    x0 = clock.iloc[0]
    expected = RotatingLinear().solution(df.index.to_numpy()[:200], x0.to_numpy())
    for times in (clock.index[:200], clock.index[:200].to_numpy(), pd.Series(clock.index[:200])):
        sim = model.simulate(x0, times)
        assert isinstance(sim, pd.DataFrame)
        assert sim.index.equals(pd.Index(times))
        np.testing.assert_allclose(sim.to_numpy(), expected, atol=1e-8)


def test_simulate_with_clock_times_counts_seconds_from_the_first():
    df = _frame()
    model = LinearModel().fit(df.to_numpy(), t=df.index.to_numpy())
    later = pd.Timestamp("2030-06-01") + pd.to_timedelta(df.index[:100], unit="s")
    np.testing.assert_allclose(
        model.simulate([2.0, 0.0], later), model.simulate([2.0, 0.0], df.index[:100]), atol=1e-12
    )


# --- score needs the times of the data it scores -------------------------------------------


def test_score_does_not_reuse_the_step_of_fit():
    df = _frame()
    X, dt = df.to_numpy(), float(df.index[1])
    model = LinearModel().fit(X, t=dt)
    with pytest.raises(ValueError, match=r"step given to fit is not reused.*pass t=0\.025"):
        model.score(X[::2])  # subsampled: the fit's step would be wrong by a factor 2
    assert model.score(X[::2], t=2 * dt) > 1 - 1e-9
    assert model.score(X, t=dt) > 1 - 1e-9
    with pytest.warns(UserWarning, match="fitted without feature names"):
        assert model.score(df) > 1 - 1e-9  # a DataFrame brings its times


@pytest.mark.filterwarnings("ignore::sparseid.differentiation.NoiseWarning")
def test_cross_validation_without_times_for_score_refuses():
    # The shuffled training folds are fitted with the scalar step as if their rows were
    # consecutive (nothing can tell otherwise: the NoiseWarning is the only hint); the test
    # folds are then refused instead of being scored with that step.
    df = _frame()
    X, dt = df.to_numpy(), float(df.index[1])
    cv = KFold(3, shuffle=True, random_state=0)
    with pytest.raises(ValueError, match="step given to fit is not reused"):
        cross_val_score(LinearModel(), X, params={"t": dt}, cv=cv, error_score="raise")


def test_routed_times_split_with_the_folds():
    df = _frame()
    X, t = df.to_numpy(), df.index.to_numpy()
    with sklearn.config_context(enable_metadata_routing=True):
        model = LinearModel().set_fit_request(t=True).set_score_request(t=True)
        scores = cross_val_score(model, X, params={"t": t}, cv=KFold(3), error_score="raise")
        assert np.all(scores > 1 - 1e-9)
        shuffled = KFold(3, shuffle=True, random_state=0)
        with pytest.raises(ValueError, match=r"gaps in its times.*KFold without shuffle"):
            cross_val_score(model, X, params={"t": t}, cv=shuffled, error_score="raise")
    # a DataFrame's index travels with the folds in the same way
    assert np.all(cross_val_score(LinearModel(), df, cv=KFold(3), error_score="raise") > 1 - 1e-9)


def test_no_derivative_across_a_gap_in_the_times():
    # Two recordings put end to end, with a pause of 20 steps between them: the states jump
    # at the gap (differencing across it gave an error of 2.5e-5 in the matrix).
    first = make_rotating_linear(201, 5.0, x0=(2.0, 0.0))
    second = make_rotating_linear(201, 5.0, x0=(-1.0, 1.5))
    X = np.vstack([first.to_numpy(), second.to_numpy()])
    t = np.r_[first.index.to_numpy(), second.index.to_numpy() + 5.5]
    assert _matrix_error(LinearModel().fit(X, t=t)) < 1e-12
    frame = pd.DataFrame(X, index=pd.Index(t, name="t"), columns=["x", "y"])
    model = LinearModel().fit(frame)
    assert _matrix_error(model) < 1e-12
    assert model.score(frame) > 1 - 1e-12


def test_training_fold_with_a_gap_fits_as_well_as_a_contiguous_one():
    df = _frame(301)
    X, t = df.to_numpy(), df.index.to_numpy()
    keep = np.r_[0:100, 200:301]  # the training rows of KFold(3)'s middle split
    assert _matrix_error(LinearModel().fit(X[keep], t=t[keep])) < 1e-11
    assert _matrix_error(LinearModel().fit(df.iloc[keep])) < 1e-11


def test_a_map_pairs_no_states_across_a_gap():
    x = 0.5 ** np.arange(12.0)[:, None]
    t = np.r_[np.arange(6.0), np.arange(6.0) + 50.0]
    x[6:] = 3.0 * 0.5 ** np.arange(6.0)[:, None]  # the second piece restarts elsewhere
    model = SINDy(feature_library=PolynomialLibrary(degree=1), discrete_time=True)
    model.fit(pd.DataFrame(x, index=pd.Index(t, name="t"), columns=["x"]))
    np.testing.assert_allclose(model.coef_, [[0.0, 0.5]], atol=1e-12)


# --- feature_names= are the names of the variables ------------------------------------------


def _named_model():
    df = _frame()
    return LinearModel().fit(df.to_numpy(), t=df.index.to_numpy(), feature_names=["a", "b"]), df


def test_feature_names_check_dataframes_given_to_predict_and_score():
    model, df = _named_model()
    X = df.to_numpy()
    good = pd.DataFrame(X, index=df.index, columns=["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pred = model.predict(good)
    assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["a'", "b'"]
    np.testing.assert_array_equal(pred.to_numpy(), model.predict(X))
    assert model.score(good) > 1 - 1e-9
    swapped = good[["b", "a"]]
    with pytest.raises(ValueError, match=r"another order.*feature_names=\['a', 'b'\]"):
        model.predict(swapped)
    with pytest.raises(ValueError, match=r"feature_names=\['a', 'b'\]"):
        model.score(swapped)
    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['c'\]"):
        model.predict(good.rename(columns={"b": "c"}))


def test_feature_names_match_x0_by_name_in_simulate():
    model, df = _named_model()
    t = df.index.to_numpy()[:50]
    expected = model.simulate([2.0, 0.5], t)
    np.testing.assert_array_equal(model.simulate({"b": 0.5, "a": 2.0}, t), expected)
    np.testing.assert_array_equal(model.simulate(pd.Series({"b": 0.5, "a": 2.0}), t), expected)
    one_row = pd.DataFrame({"b": [0.5], "a": [2.0]})
    np.testing.assert_array_equal(model.simulate(one_row, t), expected)
    with pytest.raises(ValueError, match=r"x0 lacks the variables \['a'\]"):
        model.simulate({"x": 2.0, "b": 0.5}, t)


def test_without_feature_names_a_dataframe_warns_as_in_scikit_learn():
    df = _frame()
    model = LinearModel().fit(df.to_numpy(), t=df.index.to_numpy())
    with pytest.warns(UserWarning, match="fitted without feature names"):
        model.predict(df)


# --- arguments that would be ignored are refused -------------------------------------------


def test_neural_ode_refuses_validation_data_with_targets():
    X = _frame(100).to_numpy()
    model = NeuralODE(max_iter=2, batch_size=10, random_state=0)
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(X, X @ A.T, validation_data=(X, np.arange(100) * 0.1))
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(X, x_dot=X @ A.T, validation_data=X)
    assert model.fit(X, X @ A.T).n_iter_ == 2
    held_out = NeuralODE(max_iter=2, batch_size=10, validation_fraction=0.2, random_state=0)
    with pytest.raises(ValueError, match="validation_fraction is used only when training"):
        held_out.fit(X, X @ A.T)
