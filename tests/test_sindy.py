"""SINDy: accuracy on the shipped data, the PySINDy-style API, pandas in and out, control inputs,
maps, scikit-learn integration and clear errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sparseid import SINDy, datasets
from sparseid.differentiation import FiniteDifference
from sparseid.exceptions import SimulationError
from sparseid.libraries import CustomLibrary, PolynomialLibrary
from sparseid.optimizers import STLSQ
from sparseid.systems import Lorenz, make_lorenz


@pytest.fixture(scope="module")
def lorenz():
    return datasets.load("lorenz")


@pytest.fixture(scope="module")
def lorenz_model(lorenz):
    return SINDy().fit(lorenz)


def test_clean_lorenz_with_defaults_recovers_exact_structure_to_1e_10(lorenz_model):
    truth = Lorenz().true_coefficients(lorenz_model.get_feature_names()).to_numpy()
    coef = lorenz_model.coef_
    np.testing.assert_array_equal(coef != 0, truth != 0)
    assert lorenz_model.complexity == 7
    assert np.max(np.abs(coef - truth)) < 1e-10  # measured 4.4e-11


def test_equations_print_and_names(lorenz_model, capsys):
    eqs = lorenz_model.equations(precision=3)
    assert eqs == [
        "-10.000 x + 10.000 y",
        "28.000 x - 1.000 y - 1.000 x z",
        "-2.667 z + 1.000 x y",
    ]
    lorenz_model.print()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "(x)' = -10.000 x + 10.000 y"
    assert lorenz_model.get_feature_names()[:5] == ["1", "x", "y", "z", "x^2"]
    frame = lorenz_model.coefficients_frame()
    assert list(frame.index) == ["(x)'", "(y)'", "(z)'"]
    assert frame.loc["(y)'", "x z"] == pytest.approx(-1.0, abs=1e-10)  # see the test above
    np.testing.assert_array_equal(lorenz_model.coefficients(), lorenz_model.coef_)


def test_coefficient_standard_errors_are_small_and_zero_off_support(lorenz_model):
    stderr = lorenz_model.coef_stderr_
    assert stderr.shape == lorenz_model.coef_.shape
    assert np.all(stderr[lorenz_model.coef_ == 0] == 0)
    assert np.all(stderr[lorenz_model.coef_ != 0] < 1e-10)  # measured up to 3.7e-11


def test_dataframe_columns_name_the_equations():
    df = datasets.load("rotating_linear").rename(columns={"x": "u", "y": "v"})
    model = SINDy(feature_library=PolynomialLibrary(degree=1), optimizer=STLSQ(threshold=0.05))
    model.fit(df)
    assert model.equations(precision=1) == ["-0.1 u - 1.0 v", "1.0 u - 0.1 v"]
    assert model.coefficients_frame().index.tolist() == ["(u)'", "(v)'"]


def test_pysindy_style_calls_on_arrays(lorenz):
    x = lorenz.to_numpy()[:3000]
    model = SINDy(optimizer=STLSQ(threshold=0.1)).fit(x, t=0.002, feature_names=["a", "b", "c"])
    assert model.equations(2)[0] == "-10.00 a + 10.00 b"
    pred = model.predict(x)
    assert isinstance(pred, np.ndarray) and pred.shape == x.shape
    assert model.score(x, t=0.002) > 1 - 1e-12  # measured: 1 - R² = 0.0
    with pytest.raises(ValueError, match="The step given to fit is not reused"):
        model.score(x)  # x may be a subsample: its time must be given again
    # given derivatives, as x_dot= or y
    xdot = Lorenz().rhs(0, x)
    by_alias = SINDy().fit(x, x_dot=xdot, feature_names=["x", "y", "z"])
    by_y = SINDy().fit(x, xdot, feature_names=["x", "y", "z"])
    np.testing.assert_array_equal(by_alias.coef_, by_y.coef_)
    truth = Lorenz().true_coefficients(by_y.get_feature_names()).to_numpy()
    assert np.max(np.abs(by_y.coef_ - truth)) < 1e-12  # exact derivatives: measured 2.8e-14


def test_several_trajectories_of_different_lengths():
    trajs = [
        make_lorenz(800, 0.002, x0=(-8, 8, 27)).to_numpy(),
        make_lorenz(1200, 0.002, x0=(1, 1, 1)).to_numpy(),
    ]
    model = SINDy().fit(trajs, t=0.002, feature_names=["x", "y", "z"])
    truth = Lorenz().true_coefficients(model.get_feature_names()).to_numpy()
    assert np.max(np.abs(model.coef_ - truth)) < 3e-10  # measured 1.2e-10
    preds = model.predict(trajs)
    assert isinstance(preds, list) and [len(p) for p in preds] == [800, 1200]


def test_predict_and_simulate_keep_pandas(lorenz, lorenz_model):
    part = lorenz.iloc[100:110]
    pred = lorenz_model.predict(part)
    assert isinstance(pred, pd.DataFrame)
    assert pred.index.equals(part.index) and list(pred.columns) == ["x'", "y'", "z'"]
    # measured relative error 6.9e-13
    np.testing.assert_allclose(pred.to_numpy(), Lorenz().rhs(0, part.to_numpy()), rtol=2e-12)
    t = lorenz.index.to_numpy()[:2000]
    sim = lorenz_model.simulate(lorenz.iloc[0], t)
    assert isinstance(sim, pd.DataFrame) and list(sim.columns) == ["x", "y", "z"]
    np.testing.assert_allclose(sim.index.to_numpy(), t)
    # four time units of chaos: the fitted model tracks the data (measured error 1.3e-9)
    assert np.max(np.abs(sim.to_numpy() - lorenz.iloc[:2000].to_numpy())) < 3e-9


def test_single_state_predict_matches_batch(lorenz):
    model = SINDy().fit(lorenz.to_numpy(), t=0.002)  # plain arrays take the lean path
    x = lorenz.to_numpy()[5:6]
    single = model.predict(x)
    assert single.shape == (1, 3)
    np.testing.assert_allclose(single, Lorenz().rhs(0, x), rtol=3e-11)  # measured 1.0e-11
    bad = x.copy()
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN at row 0, column 1"):
        model.predict(bad)
    with pytest.raises(ValueError, match="X has 2 features, but SINDy is expecting 3"):
        model.predict(x[:, :2])


def test_simulate_blow_up_raises_with_partial_trajectory():
    x = np.linspace(0.0, 1.0, 50)[:, None]
    model = SINDy(feature_library=PolynomialLibrary(degree=2)).fit(x, x**2 + 1.0)
    with pytest.raises(SimulationError, match=r"blew up at t = .*x0") as info:
        model.simulate([0.0], np.linspace(0, 3, 301))
    err = info.value
    assert err.variable == "x0" and 1.0 < err.t < np.pi / 2 + 1e-3
    assert 100 < len(err.partial) < 160 and np.all(np.isfinite(err.partial))


def test_simulate_blow_up_of_a_dataframe_model_keeps_a_dataframe_partial():
    t_fit = np.linspace(0.0, 1.0, 50)
    frame = pd.DataFrame({"q": t_fit}, index=pd.Index(t_fit, name="t"))
    rhs = pd.DataFrame({"q'": t_fit**2 + 1.0}, index=frame.index)
    model = SINDy(feature_library=PolynomialLibrary(degree=2)).fit(frame, rhs)
    t = np.linspace(0, 3, 301)
    with pytest.raises(SimulationError, match=r"blew up at t = 1\.55.*q = ") as info:
        model.simulate([0.0], t)
    partial = info.value.partial
    assert isinstance(partial, pd.DataFrame) and partial.columns.tolist() == ["q"]
    n = len(partial)
    assert n == np.count_nonzero(t < info.value.t) == 156
    np.testing.assert_array_equal(partial.index.to_numpy(), t[:n])
    # q' = q² + 1 from 0 is tan(t); measured relative error 2.1e-9 (near the pole)
    np.testing.assert_allclose(partial["q"].to_numpy(), np.tan(t[:n]), rtol=5e-9)


@pytest.mark.parametrize(
    ("method", "max_difference"),
    # from LSODA's trajectory over 0.5 time units, measured: 6.1e-8 (BDF), 5.4e-10 (Radau)
    [("BDF", 1.5e-7), ("Radau", 1.5e-9)],
)
def test_simulate_hands_the_compiled_jacobian_to_implicit_solvers(
    lorenz, method, max_difference, monkeypatch
):
    model = SINDy().fit(lorenz)
    t = lorenz.index.to_numpy()[:250]
    reference = model.simulate(lorenz.iloc[0], t).to_numpy()  # LSODA
    original = model._rhs_and_jacobian
    calls = []

    def counting_rhs_and_jacobian():
        rhs, jacobian = original()

        def counted(x):
            calls.append(x.copy())
            return jacobian(x)

        return rhs, counted

    monkeypatch.setattr(model, "_rhs_and_jacobian", counting_rhs_and_jacobian)
    sim = model.simulate(lorenz.iloc[0], t, method=method, rtol=1e-10, atol=1e-10)
    assert calls, f"{method} never called the model's Jacobian"
    np.testing.assert_allclose(sim.to_numpy(), reference, rtol=0, atol=max_difference)


def test_simulate_bad_arguments(lorenz_model):
    with pytest.raises(ValueError, match="x0 has 2 values but the model has 3 variables"):
        lorenz_model.simulate([1.0, 2.0], np.arange(3.0))
    with pytest.raises(TypeError, match="single number"):
        lorenz_model.simulate([1.0, 2.0, 3.0], 10.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        lorenz_model.simulate([1.0, 2.0, 3.0], [0.0, 0.2, 0.1])
    with pytest.raises(ValueError, match="without control inputs"):
        lorenz_model.simulate([1.0, 2.0, 3.0], [0.0, 0.1], u=np.zeros(2))


def test_simulate_solver_choice(lorenz_model, lorenz):
    t = lorenz.index.to_numpy()[:500]
    a = lorenz_model.simulate(lorenz.iloc[0], t)
    b = lorenz_model.simulate(lorenz.iloc[0], t, method="DOP853", rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=1.5e-8)  # measured 5.8e-9


def test_control_inputs_sindyc():
    t = np.linspace(0, 10, 2001)
    u = np.sin(2 * t)
    # x' = -x + 2 u with x(0) = 0: solved exactly
    x = (2 / 5) * (np.sin(2 * t) - 2 * np.cos(2 * t) + 2 * np.exp(-t))
    model = SINDy(feature_library=PolynomialLibrary(degree=1)).fit(x[:, None], t=t, u=u)
    assert model.control_names_ == ["u0"]
    assert model.get_feature_names() == ["1", "x0", "u0"]
    # measured: coefficients 7.5e-15, predictions 7.3e-15 (rounding: a factor 10 of margin)
    np.testing.assert_allclose(model.coef_, [[0.0, -1.0, 2.0]], rtol=0, atol=1e-13)
    pred = model.predict(x[:, None], u=u)
    np.testing.assert_allclose(pred[:, 0], -x + 2 * u, rtol=0, atol=1e-13)
    # u interpolated linearly between the samples (measured 9.3e-6), or exact (7.7e-12)
    for control, atol in ((u, 2e-5), (lambda s: np.sin(2 * s), 2e-11)):
        sim = model.simulate([0.0], t, u=control)
        np.testing.assert_allclose(sim[:, 0], x, rtol=0, atol=atol)
    with pytest.raises(ValueError, match="pass u="):
        model.predict(x[:, None])
    with pytest.raises(ValueError, match="pass u="):
        model.simulate([0.0], t)
    with pytest.raises(ValueError, match="u has 10 rows but X has 2001 samples"):
        model.predict(x[:, None], u=u[:10])


def test_discrete_time_learns_the_lectures_sigmoid_map(capsys):
    a, b, c = 0.8, 0.3, 1.0
    n = 200
    xs = np.empty(n)
    xs[0] = 0.1
    for k in range(n - 1):
        xs[k + 1] = a * xs[k] - (1 + np.tanh(c * xs[k])) / 2 + b
    library = PolynomialLibrary(degree=1) + CustomLibrary([np.tanh], ["tanh({})"])
    model = SINDy(feature_library=library, discrete_time=True, optimizer=STLSQ(threshold=0.01))
    model.fit(xs[:, None])
    names = model.get_feature_names()
    coef = dict(zip(names, model.coef_[0]))
    # measured: coefficients 1.0e-13, simulation 1.8e-15 (rounding: a factor 10 of margin)
    assert coef["1"] == pytest.approx(b - 0.5, abs=1e-12)
    assert coef["x0"] == pytest.approx(a, abs=1e-12)
    assert coef["tanh(x0)"] == pytest.approx(-0.5, abs=1e-12)
    model.print()
    assert capsys.readouterr().out == "(x0)[k+1] = -0.200 + 0.800 x0 - 0.500 tanh(x0)\n"
    model.print(lhs=["x_next"], precision=1)
    assert capsys.readouterr().out == "x_next = -0.2 + 0.8 x0 - 0.5 tanh(x0)\n"
    sim = model.simulate([0.1], 50)
    np.testing.assert_allclose(sim[:, 0], xs[:50], rtol=0, atol=2e-14)


def test_fit_rejects_step_or_times_passed_as_y():
    x = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(TypeError, match=r"pass it by name, as in fit\(X, t=0.01\)"):
        SINDy().fit(x, 0.01)
    with pytest.raises(TypeError, match=r"looks like the sample times"):
        SINDy().fit(x, np.linspace(0, 1, 20))


def test_fit_without_time_explains_t():
    with pytest.raises(ValueError, match="pass t="):
        SINDy().fit(np.ones((20, 2)))


def test_fit_with_noncontiguous_datetime_index():
    df = datasets.load("rotating_linear").iloc[:400]
    df.index = pd.Timestamp("2025-01-01") + pd.to_timedelta(df.index.to_numpy(), unit="s")
    model = SINDy(feature_library=PolynomialLibrary(degree=1), optimizer=STLSQ(threshold=0.05))
    model.fit(df)
    # measured 7.1e-9: the timestamps are rounded to nanoseconds
    np.testing.assert_allclose(model.coef_[:, 1:], [[-0.1, -1.0], [1.0, -0.1]], rtol=0, atol=2e-8)


def test_clone_and_nested_params():
    model = SINDy(optimizer=STLSQ(threshold=0.2), feature_library=PolynomialLibrary(degree=3))
    params = model.get_params(deep=True)
    assert params["optimizer__threshold"] == 0.2 and params["feature_library__degree"] == 3
    copy = clone(model).set_params(optimizer__threshold=0.5)
    assert copy.optimizer.threshold == 0.5 and model.optimizer.threshold == 0.2
    assert SINDy().get_params()["optimizer"] is None


def test_grid_search_with_time_series_split_on_a_dataframe(lorenz):
    grid = GridSearchCV(
        SINDy(optimizer=STLSQ(), differentiation_method=FiniteDifference(order=4)),
        {"optimizer__threshold": [0.05, 0.5, 30.0]},
        cv=TimeSeriesSplit(3),
    )
    grid.fit(lorenz.iloc[:3000])
    assert grid.best_params_["optimizer__threshold"] in (0.05, 0.5)
    assert grid.best_estimator_.complexity == 7


def test_sympy_and_latex(lorenz_model):
    import sympy

    x, y, z = sympy.symbols("x y z")
    exprs = lorenz_model.to_sympy()
    assert len(exprs) == 3
    expected = [-10 * x + 10 * y, 28 * x - y - x * z, x * y - sympy.Rational(8, 3) * z]
    for expr, truth in zip(exprs, expected):
        difference = sympy.Poly(sympy.expand(expr - truth), x, y, z)
        assert max(abs(float(c)) for c in difference.coeffs()) < 1e-10  # measured 4.4e-11
    latex = lorenz_model.latex(precision=2)
    assert latex.startswith("\\begin{aligned}") and "(z)' &=" in latex
    assert "2.67" in latex and latex.count("\\\\") == 2


def test_a_library_term_that_overflows_is_named():
    # The library's output is trusted by the optimizer (validated input, check_input=False):
    # when it is not finite, the error still says which term and where.
    t = np.linspace(0.0, 1.0, 50)
    X = np.c_[np.sin(t), np.cos(t) + 2.0] * 1e160
    with (
        pytest.raises(ValueError, match=r"library term 'x1\^2' is inf at row 0"),
        np.errstate(over="ignore", invalid="ignore"),
    ):
        SINDy().fit(X, t=t)
