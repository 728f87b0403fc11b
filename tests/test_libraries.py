"""Tests of the single libraries: term counts, order, names, values, pandas output, errors."""

from itertools import combinations, combinations_with_replacement
from math import comb

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import PolynomialFeatures

from sparseid.libraries import (
    CustomLibrary,
    FourierLibrary,
    FourierTerm,
    FunctionTerm,
    IdentityLibrary,
    PolynomialLibrary,
    PowerTerm,
)

RNG = np.random.default_rng(0)
X3 = RNG.standard_normal((40, 3))


def _reference(library, X):
    """Straightforward column-by-column evaluation of the fitted terms."""
    return np.column_stack([term.evaluate(X) for term in library.terms_])


# --- PolynomialLibrary -------------------------------------------------------------------------
@pytest.mark.parametrize("n_features", [1, 2, 3, 5])
@pytest.mark.parametrize("degree", [0, 1, 2, 3, 4])
def test_polynomial_counts_match_formulas(n_features, degree):
    X = RNG.standard_normal((7, n_features))
    full = PolynomialLibrary(degree=degree).fit(X)
    assert full.n_output_features_ == comb(n_features + degree, degree)
    assert len(full.terms_) == full.n_output_features_
    if degree > 0:
        no_bias = PolynomialLibrary(degree=degree, include_bias=False).fit(X)
        assert no_bias.n_output_features_ == comb(n_features + degree, degree) - 1
    inter = PolynomialLibrary(degree=degree, interaction_only=True).fit(X)
    assert inter.n_output_features_ == sum(comb(n_features, k) for k in range(degree + 1))
    names = full.get_feature_names_out()
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("n_features", [1, 2, 3, 4])
@pytest.mark.parametrize(
    "degree, include_bias",
    # Degree 0 without the bias has no terms: tested among the errors.
    [(d, b) for d in (0, 1, 2, 3, 5) for b in (True, False) if d > 0 or b],
)
@pytest.mark.parametrize("interaction_only", [False, True])
def test_polynomial_matches_sklearn(n_features, degree, include_bias, interaction_only):
    X = RNG.standard_normal((301, n_features))
    params = dict(degree=degree, include_bias=include_bias, interaction_only=interaction_only)
    ours = PolynomialLibrary(**params).fit(X)
    ref = PolynomialFeatures(**params).fit(X)
    # Same columns in the same order, with the same names (scikit-learn writes `x0^2 x1` too).
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.transform(X), _reference(ours, X), rtol=1e-12, atol=1e-12)


def test_polynomial_many_blocks_of_rows():
    # More rows than one working block, and a row count that is not a multiple of it.
    X = RNG.standard_normal((70001, 2))
    lib = PolynomialLibrary(degree=3).fit(X)
    np.testing.assert_allclose(lib.transform(X), PolynomialFeatures(3).fit_transform(X), rtol=1e-12)


def test_polynomial_names_with_input_names():
    lib = PolynomialLibrary(degree=3).fit(X3)
    names = lib.get_feature_names_out(["x", "y", "z"]).tolist()
    assert names[:10] == ["1", "x", "y", "z", "x^2", "x y", "x z", "y^2", "y z", "z^2"]
    assert names[10:13] == ["x^3", "x^2 y", "x^2 z"]
    assert lib.terms_[11] == PowerTerm((2, 1, 0))


# --- FourierLibrary ----------------------------------------------------------------------------
@pytest.mark.parametrize("n_features", [1, 3])
@pytest.mark.parametrize("n_frequencies", [1, 2, 4])
@pytest.mark.parametrize("kinds", [(True, True), (True, False), (False, True)])
def test_fourier_counts_order_and_values(n_features, n_frequencies, kinds):
    X = RNG.standard_normal((50, n_features)) * 3
    lib = FourierLibrary(n_frequencies, include_sin=kinds[0], include_cos=kinds[1]).fit(X)
    assert lib.n_output_features_ == n_frequencies * n_features * sum(kinds)
    # Direct loop in PySINDy's order: frequency, input, sine then cosine.
    columns, names = [], []
    for k in range(1, n_frequencies + 1):
        for j in range(n_features):
            for kind, on in (("sin", kinds[0]), ("cos", kinds[1])):
                if on:
                    columns.append(getattr(np, kind)(k * X[:, j]))
                    names.append(f"{kind}(x{j})" if k == 1 else f"{kind}({k} x{j})")
    np.testing.assert_allclose(lib.transform(X), np.column_stack(columns), rtol=1e-12, atol=1e-14)
    assert lib.get_feature_names_out().tolist() == names


def test_fourier_matches_pysindy_order():
    ps = pytest.importorskip("pysindy")
    X = RNG.standard_normal((30, 2))
    ref = ps.FourierLibrary(n_frequencies=3).fit(X)
    ours = FourierLibrary(n_frequencies=3).fit(X)
    np.testing.assert_allclose(ours.transform(X), np.asarray(ref.transform(X)), rtol=1e-12)
    theirs = [name.replace("(1 ", "(") for name in ref.get_feature_names()]
    assert ours.get_feature_names_out().tolist() == theirs


# --- IdentityLibrary ---------------------------------------------------------------------------
def test_identity():
    lib = IdentityLibrary().fit(X3)
    out = lib.transform(X3)
    np.testing.assert_array_equal(out, X3)
    assert out is not X3 and not np.shares_memory(out, X3)
    assert lib.get_feature_names_out().tolist() == ["x0", "x1", "x2"]


# --- CustomLibrary -----------------------------------------------------------------------------
def _product(x, y):
    return x * y


def _triple(x, y, z):
    return x + y * z


@pytest.mark.parametrize("n_features", [1, 2, 3, 4])
@pytest.mark.parametrize("interaction_only", [True, False])
def test_custom_counts_and_values(n_features, interaction_only):
    X = RNG.standard_normal((25, n_features))
    functions = [np.exp, _product, _triple]
    lib = CustomLibrary(functions, interaction_only=interaction_only).fit(X)
    count = comb if interaction_only else (lambda n, k: comb(n + k - 1, k))
    assert lib.n_output_features_ == sum(count(n_features, a) for a in (1, 2, 3))
    choose = combinations if interaction_only else combinations_with_replacement
    expected = [
        f(*[X[:, j] for j in c])
        for f, a in zip(functions, (1, 2, 3))
        for c in choose(range(n_features), a)
    ]
    np.testing.assert_allclose(lib.transform(X), np.column_stack(expected), rtol=1e-12)


def test_custom_names_callables_strings_and_defaults():
    X = RNG.standard_normal((5, 2))
    lib = CustomLibrary(
        [np.exp, lambda x: x**2, _product],
        function_names=[lambda x: "exp(" + x + ")", "{}^2", lambda x, y: x + "*" + y],
        include_bias=True,
    ).fit(X)
    assert lib.get_feature_names_out(["a", "b"]).tolist() == [
        "1",
        "exp(a)",
        "exp(b)",
        "a^2",
        "b^2",
        "a*b",
    ]
    default = CustomLibrary([np.exp, lambda x: x, _product]).fit(X)
    assert default.get_feature_names_out().tolist() == [
        "exp(x0)",
        "exp(x1)",
        "f1(x0)",
        "f1(x1)",
        "_product(x0,x1)",
    ]
    np.testing.assert_array_equal(lib.transform(X)[:, 0], 1.0)


def test_custom_matches_pysindy():
    ps = pytest.importorskip("pysindy")
    X = RNG.standard_normal((30, 3))
    functions = [lambda x: np.exp(x), lambda x, y: np.sin(x + y)]
    names = [lambda x: "exp(" + x + ")", lambda x, y: "sin(" + x + "," + y + ")"]
    ref = ps.CustomLibrary(library_functions=functions, function_names=names).fit(X)
    ours = CustomLibrary(functions, names).fit(X)
    np.testing.assert_allclose(ours.transform(X), np.asarray(ref.transform(X)), rtol=1e-12)
    assert ours.get_feature_names_out().tolist() == ref.get_feature_names()


def test_custom_bad_outputs():
    X = RNG.standard_normal((10, 2))
    with pytest.raises(ValueError, match=r"CustomLibrary: function f0\(x0\) returned shape \(\)"):
        CustomLibrary([lambda x: 1.0]).fit_transform(X)
    with pytest.raises(ValueError, match=r"returned shape \(10, 2\)"):
        CustomLibrary([lambda x: np.column_stack([x, x])]).fit_transform(X)
    with pytest.raises(ValueError, match=r"function log\(x\d\) returned \d+ NaN or infinite"):
        CustomLibrary([np.log]).fit_transform(-np.abs(X))
    with pytest.raises(ValueError, match=r"reciprocal.*NaN or infinite values \(first at row 3\)"):
        Z = np.ones((5, 1))
        Z[3] = 0.0
        CustomLibrary([lambda x: 1 / x], ["reciprocal({})"]).fit_transform(Z)
    with pytest.raises(TypeError, match="non-real"):
        CustomLibrary([lambda x: x.astype(complex)]).fit_transform(X)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(functions=[]), TypeError, "functions=.*non-empty list"),
        (dict(functions=np.exp), TypeError, "functions=.*non-empty list"),
        (dict(functions=[np.exp, 3]), TypeError, r"functions\[1\]=3 is not callable"),
        (dict(functions=[lambda *a: a[0]]), TypeError, r"functions\[0\].*\*args"),
        (dict(functions=[lambda: 1.0]), TypeError, r"functions\[0\].*takes no input"),
        (
            dict(functions=[np.exp], function_names=["a", "b"]),
            ValueError,
            "function_names must .* one entry per",
        ),
        (dict(functions=[np.exp], function_names=[3]), TypeError, r"function_names\[0\]=3"),
        (dict(functions=[np.exp], include_bias="yes"), TypeError, "include_bias='yes'"),
    ],
)
def test_custom_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match="CustomLibrary: " + match):
        CustomLibrary(**kwargs).fit(X3)


# --- shared behaviour --------------------------------------------------------------------------
ALL_LIBRARIES = [
    PolynomialLibrary(degree=3),
    FourierLibrary(n_frequencies=2),
    IdentityLibrary(),
    CustomLibrary([np.tanh, _product]),
]


# Written without the package: what each library of ALL_LIBRARIES computes on X3.
INDEPENDENT = {
    "PolynomialLibrary": lambda X: PolynomialFeatures(3).fit_transform(X),
    "FourierLibrary": lambda X: np.column_stack(
        [f(k * X[:, j]) for k in (1, 2) for j in range(3) for f in (np.sin, np.cos)]
    ),
    "IdentityLibrary": lambda X: X,
    "CustomLibrary": lambda X: np.column_stack(
        [np.tanh(X), X[:, 0] * X[:, 1], X[:, 0] * X[:, 2], X[:, 1] * X[:, 2]]
    ),
}


@pytest.mark.parametrize("library", ALL_LIBRARIES, ids=lambda lib: type(lib).__name__)
def test_transform_matches_term_reference_and_names_unique(library):
    lib = library.fit(X3)
    np.testing.assert_allclose(lib.transform(X3), _reference(lib, X3), rtol=1e-12, atol=1e-14)
    expected = INDEPENDENT[type(library).__name__](X3)
    np.testing.assert_allclose(lib.transform(X3), expected, rtol=1e-13, atol=1e-15)
    names = lib.get_feature_names_out()
    assert names.dtype == object and len(set(names)) == len(names) == lib.n_output_features_


@pytest.mark.parametrize("library", ALL_LIBRARIES, ids=lambda lib: type(lib).__name__)
def test_pandas_input_and_output(library):
    df = pd.DataFrame(X3, columns=["x", "y", "z"], index=pd.RangeIndex(100, 140))
    lib = library.set_output(transform="pandas").fit(df)
    assert lib.feature_names_in_.tolist() == ["x", "y", "z"]
    out = lib.transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == lib.get_feature_names_out().tolist()
    assert out.index.equals(df.index)
    np.testing.assert_allclose(out.to_numpy(), _reference(lib, X3), rtol=1e-12, atol=1e-14)
    # The DataFrame's column names are the default input names.
    fresh = type(library)(**library.get_params()).fit(X3)
    assert (
        lib.get_feature_names_out().tolist()
        == fresh.get_feature_names_out(["x", "y", "z"]).tolist()
    )
    assert lib.get_feature_names_out().tolist() != fresh.get_feature_names_out().tolist()
    library.set_output(transform="default")
    # Refitting on an array forgets the names.
    assert not hasattr(library.fit(X3), "feature_names_in_")


@pytest.mark.parametrize("library", ALL_LIBRARIES, ids=lambda lib: type(lib).__name__)
def test_bad_data(library):
    name = type(library).__name__
    lib = library.fit(X3)
    with pytest.raises(ValueError, match=f"X has 2 features, but {name} is expecting 3"):
        lib.transform(X3[:, :2])
    for bad in (np.nan, np.inf):
        Z = X3.copy()
        Z[4, 1] = bad
        with pytest.raises(ValueError, match=name):
            lib.transform(Z)
        with pytest.raises(ValueError, match=name):
            type(library)(**library.get_params()).fit(Z)
    with pytest.raises(ValueError, match=f"{name}: invalid X: could not convert"):
        lib.transform(np.array([["a", "b", "c"]], dtype=object))
    with pytest.raises(ValueError, match=name):
        lib.transform(np.zeros(3))


@pytest.mark.parametrize(
    "library, error, match",
    [
        (PolynomialLibrary(degree=-1), ValueError, "PolynomialLibrary: degree=-1 must be >= 0"),
        (PolynomialLibrary(degree=2.5), TypeError, "PolynomialLibrary: degree=2.5 must be an int"),
        (PolynomialLibrary(degree=True), TypeError, "PolynomialLibrary: degree=True must be an"),
        (PolynomialLibrary(degree="2"), TypeError, "PolynomialLibrary: degree='2' must be an"),
        (PolynomialLibrary(include_bias=None), TypeError, "include_bias=None must be a bool"),
        (PolynomialLibrary(0, include_bias=False), ValueError, "PolynomialLibrary: these param"),
        (FourierLibrary(n_frequencies=0), ValueError, "FourierLibrary: n_frequencies=0 must be"),
        (FourierLibrary(n_frequencies=1.0), TypeError, "FourierLibrary: n_frequencies=1.0 must"),
        (FourierLibrary(include_sin=False, include_cos=False), ValueError, "cannot both be Fal"),
    ],
)
def test_bad_parameters(library, error, match):
    with pytest.raises(error, match=match):
        library.fit(X3)


def test_numpy_integer_degree_and_readonly_input():
    X = X3.copy()
    X.setflags(write=False)
    lib = PolynomialLibrary(degree=np.int64(2)).fit(X)
    np.testing.assert_allclose(lib.transform(X), PolynomialFeatures(2).fit_transform(X))
    np.testing.assert_allclose(
        PolynomialLibrary().fit_transform(X3.astype(np.float32)),
        PolynomialFeatures().fit_transform(X3.astype(np.float32).astype(np.float64)),
    )


def test_unfitted_transform_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="This PolynomialLibrary instance is not fitted"):
        PolynomialLibrary().transform(X3)
    with pytest.raises(NotFittedError, match="This FourierLibrary instance is not fitted"):
        FourierLibrary().get_feature_names_out()


def test_terms_are_hashable_records():
    lib = PolynomialLibrary(2).fit(X3) + FourierLibrary()
    terms = lib.fit(X3).terms_
    assert len(set(terms)) == len(terms)
    assert FourierTerm("sin", 1, 2) == FourierTerm("sin", 1, 2)
    assert hash(FunctionTerm(np.exp, (0,))) == hash(FunctionTerm(np.exp, (0,)))
    with pytest.raises(AttributeError, match="exponents"):
        terms[0].exponents = (1, 1, 1)


def test_trusted_input_skips_validation_only():
    # check_input=False (the models' path: X validated once, in sparseid._data) gives the same
    # terms and still records, then checks, the number and names of the inputs.
    lib = PolynomialLibrary(2) * FourierLibrary() + PolynomialLibrary(1)
    checked = lib.fit_transform(X3)
    trusted = lib.fit_transform(X3, check_input=False)
    np.testing.assert_array_equal(trusted, checked)
    assert lib.n_features_in_ == 3 and not hasattr(lib, "feature_names_in_")
    np.testing.assert_array_equal(lib.transform(X3[:5], check_input=False), checked[:5])
    with pytest.raises(ValueError, match="X has 2 features"):
        lib.transform(X3[:, :2], check_input=False)
