"""Tests of the term descriptions and of `compile_rhs`, the code generated from them."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparseid.libraries import (
    CustomLibrary,
    FourierLibrary,
    FourierTerm,
    FunctionTerm,
    IdentityLibrary,
    PolynomialLibrary,
    PowerTerm,
    ProductTerm,
    compile_rhs,
    multiply_terms,
    term_from_dict,
)

RNG = np.random.default_rng(2)
VARS = ["x0", "x1", "x2"]


def _square_plus(x, y):
    return x**2 + y


TERMS = [
    PowerTerm((0, 0, 0)),
    PowerTerm((1, 0, 0)),
    PowerTerm((2, 1, 3)),
    FourierTerm("sin", 1, 1),
    FourierTerm("cos", 2, 3),
    FunctionTerm(np.exp, (0,), "exp({})"),
    FunctionTerm(np.tanh, (2,)),
    FunctionTerm(_square_plus, (0, 2)),
    ProductTerm((PowerTerm((1, 1, 0)), FourierTerm("cos", 2, 2), FunctionTerm(np.sin, (1,)))),
]


def _eval_code(code, X, module="np"):
    namespace = {"np": np, "math": math, "_square_plus": _square_plus}
    columns = {f"x{j}": X[:, j] for j in range(X.shape[1])}
    return eval(code, namespace, columns)


def _term_id(term):
    # Not repr: a term holding a Python function shows its memory address, which differs
    # between pytest-xdist workers.
    return f"{type(term).__name__}-{term.name(['a', 'b', 'c'])}"


@pytest.mark.parametrize("term", TERMS, ids=_term_id)
def test_code_and_sympy_agree_with_evaluate(term):
    X = RNG.standard_normal((20, 3))
    values = term.evaluate(X)
    assert values.shape == (20,)
    np.testing.assert_allclose(
        np.broadcast_to(_eval_code(term.to_code(VARS), X), (20,)), values, rtol=1e-13
    )
    first_row = {f"x{j}": float(X[0, j]) for j in range(3)}
    namespace = {"np": np, "math": math, "_square_plus": _square_plus}
    scalar = [eval(term.to_code(VARS, None, "math"), namespace, first_row)]
    np.testing.assert_allclose(scalar, values[:1], rtol=1e-13)
    sympy = pytest.importorskip("sympy")
    symbols = sympy.symbols("x0:3")
    expr = term.to_sympy(symbols)
    if isinstance(term, FunctionTerm) and term.function is _square_plus:
        assert str(expr) == "_square_plus(x0, x2)"
        return
    f = sympy.lambdify(symbols, expr, "numpy")
    np.testing.assert_allclose(np.broadcast_to(f(*X.T), (20,)), values, rtol=1e-12)


@pytest.mark.parametrize("term", TERMS, ids=_term_id)
def test_derivative_code_against_finite_differences(term):
    X = RNG.standard_normal((15, 3))
    for j in range(3):
        if not term.has_derivative and j in term.inputs:
            with pytest.raises(NotImplementedError, match="no derivative is known"):
                term.derivative_code(j, VARS)
            continue
        for module in ("np", "math"):
            code = term.derivative_code(j, VARS, None, module)
            if module == "math":
                # The scalar code runs row by row on Python floats.
                namespace = {"np": np, "math": math}
                got = [eval(code, namespace, dict(zip(VARS, row.tolist()))) for row in X]
            else:
                got = np.broadcast_to(_eval_code(code, X), (15,))
            h = 1e-6
            step = np.zeros(3)
            step[j] = h
            fd = (term.evaluate(X + step) - term.evaluate(X - step)) / (2 * h)
            # error of the differences: |got - fd| / (1 + |fd|) measured up to 3.3e-10 (30 seeds)
            np.testing.assert_allclose(got, fd, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("term", TERMS, ids=_term_id)
def test_dict_round_trip_or_clear_error(term):
    if isinstance(term, FunctionTerm) and term.function is _square_plus:
        with pytest.raises(TypeError, match="cannot be saved as JSON; use pickle"):
            term.to_dict()
        return
    again = term_from_dict(term.to_dict())
    assert again == term and hash(again) == hash(term)
    assert again.name(["a", "b", "c"]) == term.name(["a", "b", "c"])


def test_names():
    names = ["x", "y", "z"]
    assert PowerTerm((0, 0, 0)).name(names) == "1"
    assert PowerTerm((1, 1, 0)).name(names) == "x y"
    assert PowerTerm((2, 1, 0)).name(names) == "x^2 y"
    assert FourierTerm("sin", 0, 1).name(names) == "sin(x)"
    assert FourierTerm("cos", 0, 2).name(names) == "cos(2 x)"
    assert FunctionTerm(np.exp, (2,)).name(names) == "exp(z)"
    assert FunctionTerm(lambda a, b: a, (0, 1)).name(names) == "f(x,y)"
    assert FunctionTerm(np.exp, (1,), lambda a: "e^" + a).name(names) == "e^y"


def test_term_errors():
    with pytest.raises(ValueError, match="PowerTerm: exponent=-1 must be an integer >= 0"):
        PowerTerm((1, -1))
    with pytest.raises(ValueError, match="FourierTerm: kind='tan'"):
        FourierTerm("tan", 0)
    with pytest.raises(ValueError, match="FourierTerm: frequency=0"):
        FourierTerm("sin", 0, 0)
    with pytest.raises(TypeError, match="not callable"):
        FunctionTerm(3, (0,))
    with pytest.raises(ValueError, match="term_from_dict: unknown term"):
        term_from_dict({"type": "spline"})
    with pytest.raises(ValueError, match="unknown numpy function"):
        term_from_dict({"type": "function", "numpy_function": "linalg", "inputs": [0]})


def test_multiply_terms_canonical_forms():
    x, y = PowerTerm((1, 0)), PowerTerm((0, 1))
    one = PowerTerm((0, 0))
    s = FourierTerm("sin", 0)
    assert multiply_terms(x, x) == PowerTerm((2, 0))
    assert multiply_terms(one, one) == one
    assert multiply_terms(one, s) is s
    p = multiply_terms(x, s, y)
    assert p == ProductTerm((PowerTerm((1, 1)), s)) and p.name(["a", "b"]) == "a b sin(a)"
    assert multiply_terms(s, x) == multiply_terms(x, s)
    assert multiply_terms(s, x).name(["a", "b"]) == "sin(a) a"


_term_strategy = st.one_of(
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(PowerTerm),
    st.builds(FourierTerm, st.sampled_from(["sin", "cos"]), st.integers(0, 1), st.integers(1, 3)),
    st.builds(FunctionTerm, st.sampled_from([np.tanh, np.exp]), st.tuples(st.integers(0, 1))),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_term_strategy, min_size=1, max_size=4))
def test_multiply_terms_evaluates_to_the_product(terms):
    X = np.random.default_rng(3).uniform(-1, 1, (10, 2))
    product = multiply_terms(*terms)
    expected = np.prod([t.evaluate(X) for t in terms], axis=0)
    np.testing.assert_allclose(product.evaluate(X), expected, rtol=1e-12)
    assert multiply_terms(*reversed(terms)) == product


# --- compile_rhs -------------------------------------------------------------------------------
def _sparse_coef(n_targets, n_terms, density, seed):
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal((n_targets, n_terms))
    coef[rng.random(coef.shape) > density] = 0.0
    return coef


LIBRARIES = [
    PolynomialLibrary(degree=3),
    FourierLibrary(n_frequencies=2) + PolynomialLibrary(degree=1),
    PolynomialLibrary(degree=1) * FourierLibrary(),
    CustomLibrary([np.exp, np.tanh]) + IdentityLibrary(),
]


@pytest.mark.parametrize("library", LIBRARIES, ids=repr)
def test_compile_rhs_matches_transform_and_finite_differences(library):
    X = RNG.uniform(-1.5, 1.5, (25, 3))
    lib = library.fit(X)
    coef = _sparse_coef(3, lib.n_output_features_, 0.4, seed=4)
    f = compile_rhs(lib.terms_, coef, 3)
    expected = lib.transform(X) @ coef.T
    np.testing.assert_allclose(f.rhs_batch(X), expected, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose([f.rhs(x) for x in X], expected, rtol=1e-11, atol=1e-12)
    assert set(f.active) == set(np.flatnonzero(np.any(coef != 0, axis=0)))
    assert f.jacobian is not None
    h = 1e-6
    for x in X[:5]:
        fd = np.column_stack([(f.rhs(x + h * e) - f.rhs(x - h * e)) / (2 * h) for e in np.eye(3)])
        # |J - fd| / (1 + |fd|) measured up to 9.8e-10 over 30 seeds
        np.testing.assert_allclose(f.jacobian(x), fd, rtol=2.5e-9, atol=2.5e-9)


def test_compile_rhs_lorenz_source_and_types():
    lib = PolynomialLibrary(degree=2).fit(np.zeros((1, 3)))
    coef = np.zeros((3, 10))
    coef[0, [1, 2]] = -10, 10
    coef[1, [1, 2, 6]] = 28, -1, -1
    coef[2, [3, 5]] = -8 / 3, 1
    f = compile_rhs(lib.terms_, coef, 3)
    x = np.array([1.0, 2.0, 3.0])
    out = f.rhs(x)
    assert out.dtype == np.float64 and out.shape == (3,)
    np.testing.assert_array_equal(out, [10.0, 28 - 2 - 3, -8.0 + 2.0])
    np.testing.assert_array_equal(f.jacobian(x), [[-10, 10, 0], [28 - 3, -1, -1], [2, 1, -8 / 3]])
    # Only the five nonzero terms are evaluated, coefficients are exact float literals.
    assert set(f.active) == {1, 2, 3, 5, 6} and "-2.6666666666666665" in f.source
    assert "x1*x1" not in f.source


def test_compile_rhs_without_derivative_and_edge_cases():
    lib = (CustomLibrary([_square_plus]) + PolynomialLibrary(1)).fit(np.zeros((1, 2)))
    coef = np.array([[1.0, 0.5, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    f = compile_rhs(lib.terms_, coef, 2)
    assert f.jacobian is None
    np.testing.assert_allclose(f.rhs(np.array([2.0, 3.0])), [7.0 + 0.5, 4.0])
    # Without the custom term the Jacobian exists; an all-zero target gives zeros.
    g = compile_rhs(lib.terms_, coef * [[0, 1, 1, 1]], 2)
    np.testing.assert_array_equal(g.jacobian(np.array([2.0, 3.0])), [[0.0, 0.0], [2.0, 0.0]])
    np.testing.assert_array_equal(g.rhs_batch(np.ones((4, 2))), np.tile([0.5, 2.0], (4, 1)))


def test_compile_rhs_overflow_gives_inf_not_an_exception():
    lib = (PolynomialLibrary(degree=3) + FourierLibrary() + CustomLibrary([np.exp])).fit(
        np.zeros((1, 1))
    )
    f = compile_rhs(lib.terms_, np.ones((1, lib.n_output_features_)), 1)
    with np.errstate(all="ignore"):
        for x in (1e200, 1e300, np.inf):
            value = f.rhs(np.array([x]))
            assert value.shape == (1,) and not np.isfinite(value[0])
    np.testing.assert_allclose(f.rhs(np.array([0.5])), lib.transform([[0.5]]).sum(axis=1))


def test_compile_rhs_errors():
    terms = PolynomialLibrary(2).fit(np.zeros((1, 2))).terms_
    with pytest.raises(ValueError, match=r"compile_rhs: coef has shape \(2, 5\); expected"):
        compile_rhs(terms, np.ones((2, 5)), 2)
    with pytest.raises(ValueError, match="NaN or infinite"):
        compile_rhs(terms, np.full((1, 6), np.nan), 2)
    with pytest.raises(ValueError, match=r"terms\[2\] uses an input >= n_inputs=1"):
        compile_rhs(terms, np.ones((1, 6)), 1)


def test_compile_rhs_fallback_for_lists_and_numpy_only_functions():
    lib = CustomLibrary([lambda x: x.clip(0.0)], ["relu({})"]).fit(np.zeros((1, 2)))
    f = compile_rhs(lib.terms_, np.array([[1.0, 2.0]]), 2)
    # A Python float has no .clip: the single-state path falls back to numpy scalars.
    np.testing.assert_array_equal(f.rhs(np.array([-1.0, 3.0])), [6.0])
    np.testing.assert_array_equal(f.rhs([2.0, 3.0]), [8.0])


def test_term_types_resolve_through_the_one_registry():
    from sparseid._registry import resolve

    term = ProductTerm((PowerTerm((1, 0)), FourierTerm("sin", 1, 2)))
    for name in ("product", "ProductTerm", "sparseid.libraries.ProductTerm"):
        assert resolve(name, "term", "type").cls is ProductTerm
        assert term_from_dict({**term.to_dict(), "type": name}) == term
    with pytest.raises(ValueError, match="unknown term description"):
        term_from_dict({"type": "sparseid.libraries.PolynomialLibrary", "exponents": [1]})
