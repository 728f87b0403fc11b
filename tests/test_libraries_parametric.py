"""Terms with inner constants (ParametricTerm, ParametricLibrary) and variable projection."""

import json

import numpy as np
import pytest

from sparseid import SINDy, load_model
from sparseid.libraries import (
    PARAMETRIC_FUNCTIONS,
    ParametricLibrary,
    ParametricTerm,
    PolynomialLibrary,
    compile_rhs,
    library_from_dict,
    term_from_dict,
)
from sparseid.libraries._varpro import fit_inner_parameters, free_parameters
from sparseid.optimizers import STLSQ
from sparseid.systems import SigmoidMap

NUMPY = {
    "tanh": np.tanh,
    "exp": np.exp,
    "logistic": lambda u: 1.0 / (1.0 + np.exp(-u)),
    "arctan": np.arctan,
    "sin": np.sin,
    "cos": np.cos,
    "gaussian": lambda u: np.exp(-(u**2)),
}


def test_the_reference_table_covers_every_function():
    assert set(NUMPY) == set(PARAMETRIC_FUNCTIONS)


@pytest.mark.parametrize("function", PARAMETRIC_FUNCTIONS)
def test_term_values_code_derivative_sympy_and_json(function):
    import sympy

    term = ParametricTerm(function, 1, -1.7, 0.3)
    X = np.random.default_rng(0).uniform(-1.0, 1.0, size=(7, 2))
    expected = NUMPY[function](-1.7 * X[:, 1] + 0.3)
    np.testing.assert_allclose(term.evaluate(X), expected, rtol=1e-14, atol=1e-15)
    # compiled right-hand side (numpy and the single-state math path) and its Jacobian
    compiled = compile_rhs([term], np.array([[2.0]]), 2)
    np.testing.assert_allclose(compiled.rhs_batch(X)[:, 0], 2.0 * expected, rtol=1e-13)
    np.testing.assert_allclose(compiled.rhs(X[0]), 2.0 * expected[:1], rtol=1e-13)
    eps = 1e-6
    e = np.array([0.0, eps])
    numeric = 2.0 * (term.evaluate(X[:1] + e) - term.evaluate(X[:1] - e)) / (2 * eps)
    np.testing.assert_allclose(compiled.jacobian(X[0])[0], [0.0, numeric[0]], atol=1e-8)
    # sympy
    x, y = sympy.symbols("x y")
    value = float(term.to_sympy([x, y]).subs({x: X[0, 0], y: X[0, 1]}))
    assert value == pytest.approx(expected[0], rel=1e-13, abs=1e-15)
    # JSON: the exact same term back
    back = term_from_dict(json.loads(json.dumps(term.to_dict())))
    assert back == term and back.name(["x", "y"]) == term.name(["x", "y"])


def test_term_names_and_bad_values():
    assert ParametricTerm("tanh", 0, 5.0).name(["x"]) == "tanh(5 x)"
    assert ParametricTerm("exp", 0, -1.0, -0.25).name(["x"]) == "exp(-x - 0.25)"
    assert ParametricTerm("logistic", 0, 1.0).name(["x"]) == "logistic(x)"
    with pytest.raises(ValueError, match="function='relu' must be one of"):
        ParametricTerm("relu", 0, 1.0)
    with pytest.raises(ValueError, match="rate=nan"):
        ParametricTerm("tanh", 0, float("nan"))
    with pytest.raises(ValueError, match="parametric rate must be a number"):
        term_from_dict(
            {"type": "parametric", "function": "tanh", "input": 0, "rate": "1", "offset": 0.0}
        )


def test_library_terms_names_and_json_round_trip():
    library = ParametricLibrary("exp", rate=-0.5, offset=1.0, input=1)
    X = np.random.default_rng(1).normal(size=(5, 3))
    theta = library.fit_transform(X)
    np.testing.assert_array_equal(theta[:, 0], np.exp(-0.5 * X[:, 1] + 1.0))
    assert library.get_feature_names_out(["a", "b", "c"]).tolist() == ["exp(-0.5 b + 1)"]
    assert (library.rate_, library.offset_) == (-0.5, 1.0)
    rebuilt = library_from_dict(json.loads(json.dumps(library.to_dict())), n_features_in=3)
    np.testing.assert_array_equal(rebuilt.transform(X), theta)
    with pytest.raises(ValueError, match="input=1 but the data have 1 input"):
        library.fit(X[:, :1])


def test_an_unknown_constant_needs_a_model():
    with pytest.raises(ValueError, match=r"rate unknown.*a model's fit learns it"):
        ParametricLibrary("tanh").fit(np.zeros((3, 1)))


def _sigmoid_iterates(c, n_orbits=10, n_steps=60, seed=0):
    f = SigmoidMap(a=0.8, b=0.3, c=c)
    starts = np.random.default_rng(seed).uniform(-1.5, 2.0, n_orbits)
    return [f.iterate(x0, n_steps)[:, None] for x0 in starts]


def _map_model(rate):
    library = PolynomialLibrary(degree=1) + ParametricLibrary("tanh", rate=rate)
    return SINDy(feature_library=library, optimizer=STLSQ(threshold=1e-3), discrete_time=True)


def _a_b(model):
    # x[n+1] = a x - (1 + tanh(c x))/2 + b: the constant term is b - 1/2
    return model.coef_[0, 1], model.coef_[0, 0] + 0.5


@pytest.mark.parametrize("c", [5.0, 50.0])
def test_discrete_sindy_recovers_a_and_b_of_the_smoothed_map_with_c_given(c):
    model = _map_model(c).fit(_sigmoid_iterates(c))
    a, b = _a_b(model)
    assert abs(a - 0.8) <= 1e-10 and abs(b - 0.3) <= 1e-10  # measured within 1.1e-15
    assert model.coef_[0, 2] == pytest.approx(-0.5, abs=1e-10)
    assert model.nonlinear_parameters_ == {}


@pytest.mark.parametrize("c", [5.0, 50.0])
def test_variable_projection_recovers_a_b_and_c(c):
    model = _map_model(None).fit(_sigmoid_iterates(c))
    a, b = _a_b(model)
    (found,) = model.nonlinear_parameters_.values()
    # measured: a, b within 1e-15 and c within 1.8e-15 (c = 5) and exactly (c = 50)
    assert abs(a - 0.8) <= 1e-6 and abs(b - 0.3) <= 1e-6 and abs(found - c) <= 1e-6
    assert list(model.nonlinear_parameters_) == ["libraries__1__rate"]
    assert model.feature_library_.libraries_[1].rate_ == found
    assert model.feature_names_[2] == f"tanh({found:.6g} x0)"


def test_the_fitted_model_saves_and_loads_with_its_constant(tmp_path):
    X = _sigmoid_iterates(5.0)
    model = _map_model(None).fit(X)
    model.save(tmp_path / "map.json")
    loaded = load_model(tmp_path / "map.json")
    assert loaded.nonlinear_parameters_ == model.nonlinear_parameters_
    np.testing.assert_array_equal(loaded.predict(X[0]), model.predict(X[0]))
    np.testing.assert_array_equal(loaded.simulate(X[0][0], 30), model.simulate(X[0][0], 30))
    assert loaded.equations() == model.equations()
    text = (tmp_path / "map.json").read_text()
    text = text.replace('"libraries__1__rate"', '"libraries__0__degree"')
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(ValueError, match="libraries__0__degree is not the value"):
        load_model(tmp_path / "bad.json")


def test_rate_and_offset_of_a_decay_from_given_targets():
    # y = 2 exp(-1.5 x + 0.4) - x: rate of either sign, and an offset, both unknown
    x = np.linspace(-1.0, 2.0, 200)[:, None]
    y = 2.0 * np.exp(-1.5 * x + 0.4) - x
    library = PolynomialLibrary(degree=1) + ParametricLibrary("exp", rate=None, offset=None)
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=1e-3)).fit(x, y)
    found = model.nonlinear_parameters_
    # exp(r x + o) and the coefficient trade o against log(coefficient): fix it by o
    rate, offset = found["libraries__1__rate"], found["libraries__1__offset"]
    assert rate == pytest.approx(-1.5, abs=1e-8)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-9)
    assert model.coef_[0, 2] * np.exp(offset) == pytest.approx(2.0 * np.exp(0.4), rel=1e-8)


def test_free_parameters_are_found_inside_composed_libraries():
    library = (PolynomialLibrary(degree=1) + ParametricLibrary("tanh", input=0)) * (
        ParametricLibrary("sin", rate=2.0) + ParametricLibrary("exp", offset=None, rate=1.0)
    )
    X = np.zeros((4, 2))
    names = [name for name, _, _ in free_parameters(library, X)]
    assert names == [
        "libraries__0__libraries__1__rate",
        "libraries__1__libraries__1__offset",
    ]
    # nothing unknown: the same library object and no constants
    plain = PolynomialLibrary(degree=2)
    assert fit_inner_parameters(plain, X, np.zeros((4, 1)), STLSQ()) == (plain, {})
