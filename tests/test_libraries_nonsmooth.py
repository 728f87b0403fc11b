"""Tests of the step and hinge terms and of SwitchedLibrary and HingeLibrary."""

import json
import math

import numpy as np
import pytest
from sklearn.base import clone

from sparseid.libraries import (
    HingeLibrary,
    HingeTerm,
    PolynomialLibrary,
    PowerTerm,
    StepTerm,
    SwitchedLibrary,
    compile_rhs,
    library_from_dict,
    multiply_terms,
    switching_surfaces,
    term_from_dict,
    terms_on_side,
)
from sparseid.libraries._serialize import library_to_dict

RNG = np.random.default_rng(12)

TERMS = [
    StepTerm((1.0, 0.0, 0.0), 0.25),
    StepTerm((0.5, -2.0, 1.0), -0.5),
    HingeTerm((0.0, 1.0, 0.0), 0.0),
    HingeTerm((1.5, 0.0, -1.0), 0.3),
    multiply_terms(PowerTerm((1, 0, 1)), StepTerm((0.0, 0.0, 1.0), 0.0)),
    multiply_terms(HingeTerm((1.0, 1.0, 0.0), -0.2), PowerTerm((0, 2, 0))),
]


def _eval(code, X, module):
    namespace = {"np": np, "math": math}
    if module == "np":
        return eval(code, namespace, {f"x{j}": X[:, j] for j in range(X.shape[1])})
    return np.array(
        [eval(code, namespace, {f"x{j}": float(v) for j, v in enumerate(row)}) for row in X]
    )


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.name(["a", "b", "c"]))
def test_code_sympy_json_agree_with_evaluate(term):
    import sympy

    X = RNG.standard_normal((40, 3))
    values = term.evaluate(X)
    names = ["x0", "x1", "x2"]
    for module in ("np", "math"):
        np.testing.assert_allclose(_eval(term.to_code(names, module=module), X, module), values)
    symbols = sympy.symbols("a b c")
    f = sympy.lambdify(symbols, term.to_sympy(symbols), "numpy")
    np.testing.assert_allclose(np.broadcast_to(f(*X.T), values.shape), values, atol=1e-12)
    again = term_from_dict(json.loads(json.dumps(term.to_dict())))
    assert again == term and hash(again) == hash(term)
    np.testing.assert_array_equal(again.evaluate(X), values)


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.name(["a", "b", "c"]))
def test_derivative_off_the_kink_against_finite_differences(term):
    X = RNG.standard_normal((30, 3))
    h = 1e-6
    for j in range(3):
        code = term.derivative_code(j, ["x0", "x1", "x2"])
        step = np.zeros(3)
        step[j] = h
        fd = (term.evaluate(X + step) - term.evaluate(X - step)) / (2 * h)
        # Rows whose finite-difference stencil straddles a kink are not compared.
        smooth = np.ones(len(X), bool)
        for normal, offset in switching_surfaces([term]):
            smooth &= np.abs(X @ np.asarray(normal) - offset) > 1e-3
        got = np.broadcast_to(np.asarray(_eval(code, X, "np"), dtype=float), (len(X),))
        np.testing.assert_allclose(got[smooth], fd[smooth], atol=1e-5)


def test_names_and_conventions_on_the_surface():
    assert StepTerm((1.0, 0.0), 0.0).name(["x", "y"]) == "H(x)"
    assert StepTerm((1.0, -2.0), -1.0).name(["x", "y"]) == "H(x - 2 y + 1)"
    assert HingeTerm((-1.0, 0.0), 0.5).name(["x", "y"]) == "relu(-x + 0.5)"
    # On the surface: the side h >= 0, as the switched integrator and the systems take it.
    assert StepTerm((1.0,), 0.5).evaluate([[0.5]]).tolist() == [1.0]
    assert HingeTerm((2.0,), -1.0).evaluate([[0.5], [1.0]]).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="normal"):
        StepTerm((0.0, 0.0), 1.0)
    with pytest.raises(ValueError, match="offset"):
        StepTerm((1.0,), float("nan"))
    with pytest.raises(ValueError, match="weights"):
        HingeTerm("ab", 1.0)
    with pytest.raises(ValueError, match="unknown key"):
        term_from_dict({"type": "step", "normal": [1.0], "offset": 0.0, "x": 1})


def test_switching_surfaces_and_terms_on_side_reproduce_the_field():
    n = 3
    coef = RNG.standard_normal((2, len(TERMS)))
    surfaces = switching_surfaces(TERMS)
    assert len(surfaces) == 6
    # A step and a hinge on the same hyperplane switch on one surface.
    shared = [StepTerm((0.0, 2.0, 0.0), 1.0), HingeTerm((0.0, 2.0, 0.0), -1.0)]
    assert switching_surfaces(shared) == [((0.0, 2.0, 0.0), 1.0)]
    X = RNG.standard_normal((200, n))
    full = compile_rhs(TERMS, coef, n).rhs_batch(X)
    normals = np.array([s[0] for s in surfaces])
    offsets = np.array([s[1] for s in surfaces])
    signs = np.where(X @ normals.T - offsets >= 0, 1, -1)
    for pattern in {tuple(row) for row in signs}:
        rows = np.all(signs == pattern, axis=1)
        terms, c = terms_on_side(TERMS, coef, dict(zip(surfaces, pattern)), n)
        assert not switching_surfaces(terms)
        np.testing.assert_allclose(compile_rhs(terms, c, n).rhs_batch(X[rows]), full[rows])


def test_switched_library_terms_transform_and_compiled_rhs():
    lib = SwitchedLibrary(PolynomialLibrary(degree=2), surfaces=[(0, 0.5), ([1.0, 1.0], -1.0)])
    X = RNG.standard_normal((50, 2))
    theta = lib.fit_transform(X)
    assert lib.n_output_features_ == 18 == theta.shape[1]
    np.testing.assert_allclose(theta, np.column_stack([t.evaluate(X) for t in lib.terms_]))
    names = lib.get_feature_names_out(["x", "y"]).tolist()
    assert names[:7] == ["1", "x", "y", "x^2", "x y", "y^2", "H(x - 0.5)"]
    assert names[-1] == "y^2 H(x + y + 1)"
    coef = RNG.standard_normal((2, 18))
    compiled = compile_rhs(lib.terms_, coef, 2)
    np.testing.assert_allclose(compiled.rhs_batch(X), theta @ coef.T)
    np.testing.assert_allclose(compiled.rhs(X[0]), theta[0] @ coef.T)
    assert compiled.jacobian is not None


def test_hinge_library_terms_and_transform():
    lib = HingeLibrary(hyperplanes=[(1, 0.5), ([1.0, -1.0], 0.0)], thresholds=[0.0, 1.0])
    X = RNG.standard_normal((30, 2))
    theta = lib.fit_transform(X)
    assert lib.get_feature_names_out(["x", "y"]).tolist() == [
        "relu(y + 0.5)",
        "relu(x - y)",
        "relu(x)",
        "relu(x - 1)",
        "relu(y)",
        "relu(y - 1)",
    ]
    np.testing.assert_allclose(theta[:, 1], np.maximum(X[:, 0] - X[:, 1], 0.0))
    np.testing.assert_allclose(theta, np.column_stack([t.evaluate(X) for t in lib.terms_]))


LIBRARIES = [
    SwitchedLibrary(),
    SwitchedLibrary(PolynomialLibrary(degree=2), surfaces=[(1, -0.5), ([1.0, 2.0, 0.0], 1.0)]),
    HingeLibrary(),
    HingeLibrary(hyperplanes=[([0.5, 0.0, -1.0], 0.25)], thresholds=None),
    PolynomialLibrary(degree=1) + HingeLibrary(thresholds=[-1.0, 1.0]),
    SwitchedLibrary(PolynomialLibrary(degree=1) + HingeLibrary(thresholds=[0.5]), [(2, 0.0)]),
]


@pytest.mark.parametrize("library", LIBRARIES, ids=repr)
def test_json_round_trip_reproduces_transform_exactly(library):
    X = RNG.standard_normal((40, 3))
    expected = clone(library).fit_transform(X)
    text = json.dumps(library_to_dict(library))
    again = library_from_dict(json.loads(text), n_features_in=3)
    np.testing.assert_array_equal(again.transform(X), expected)
    assert (
        library_from_dict(json.loads(json.dumps(library.to_dict()))).get_params(deep=False).keys()
        == library.get_params(deep=False).keys()
    )


def test_parameter_errors_name_the_problem():
    X = np.zeros((3, 2))
    with pytest.raises(TypeError, match="SwitchedLibrary: surfaces="):
        SwitchedLibrary(surfaces="x").fit(X)
    with pytest.raises(ValueError, match=r"surfaces\[0\]"):
        SwitchedLibrary(surfaces=[(0, 1.0, 2.0)]).fit(X)
    with pytest.raises(ValueError, match="not an input index"):
        SwitchedLibrary(surfaces=[(5, 0.0)]).fit(X)
    with pytest.raises(ValueError, match="n_features = 2"):
        SwitchedLibrary(surfaces=[([1.0, 0.0, 0.0], 0.0)]).fit(X)
    with pytest.raises(ValueError, match="at least one surface"):
        SwitchedLibrary(surfaces=[]).fit(X)
    with pytest.raises(ValueError, match="unknown"):
        SwitchedLibrary(surfaces=[(0, None)]).fit(X)
    with pytest.raises(ValueError, match="unknown"):
        HingeLibrary(hyperplanes=[(0, None)]).fit(X)
    with pytest.raises(ValueError, match="finite"):
        HingeLibrary(thresholds=[np.inf]).fit(X)
    with pytest.raises(ValueError, match="no terms"):
        HingeLibrary(thresholds=None).fit(X)
    with pytest.raises(ValueError, match="surfaces"):
        library_from_dict({"class": "SwitchedLibrary", "params": {"surfaces": "oops"}})
    assert SwitchedLibrary(surfaces=[(0, None), (1, 0.0)]).unknown_offsets == [0]


from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


@parametrize_with_checks(
    [
        SwitchedLibrary(),
        SwitchedLibrary(PolynomialLibrary(degree=2), surfaces=[(1, 0.5), (0, -0.5)]),
        HingeLibrary(),
        HingeLibrary(hyperplanes=[(0, 0.25)], thresholds=[-1.0, 1.0]),
    ]
)
def test_sklearn_compatible_library(estimator, check):
    # Every check passes: no expected failures.
    check(estimator)


def test_unknown_offsets_survive_a_json_round_trip_unfitted():
    for library in (
        SwitchedLibrary(surfaces=[(None, None), ([1.0, -1.0], None), (0, 0.5)]),
        HingeLibrary(hyperplanes=[(None, None), (1, None)], thresholds=None),
    ):
        again = library_from_dict(json.loads(json.dumps(library_to_dict(library))))
        name = "surfaces" if isinstance(library, SwitchedLibrary) else "hyperplanes"
        assert again._check_params()[name] == library._check_params()[name]
        assert again.unknown_offsets == library.unknown_offsets == [0, 1]
    with pytest.raises(ValueError, match="needs offset=None"):
        SwitchedLibrary(surfaces=[(None, 0.5)]).fit(np.zeros((2, 2)))
