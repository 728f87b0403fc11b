"""Tests of composed libraries (``+``, ``*``) and of saving libraries (JSON, pickle)."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from sparseid.libraries import (
    ConcatLibrary,
    CustomLibrary,
    FourierLibrary,
    IdentityLibrary,
    PolynomialLibrary,
    PowerTerm,
    ProductTerm,
    TensoredLibrary,
    library_from_dict,
)

RNG = np.random.default_rng(1)
X2 = RNG.standard_normal((30, 2))


# Independent references, written with numpy alone: the columns of each single library, a sum
# as the concatenation and a product as the products of all pairs (first factor outermost),
# each without the columns equal to an earlier one (on random data only equal terms give equal
# columns).
def _poly1(X, bias=True):
    return ([np.ones(len(X))] if bias else []) + [X[:, j] for j in range(X.shape[1])]


def _fourier(X, sin=True, cos=True):
    kinds = [f for f, on in ((np.sin, sin), (np.cos, cos)) if on]
    return [f(X[:, j]) for j in range(X.shape[1]) for f in kinds]


def _identity(X):
    return [X[:, j] for j in range(X.shape[1])]


def _distinct(columns):
    kept = []
    for column in columns:
        if not any(np.allclose(column, k, rtol=1e-13, atol=0) for k in kept):
            kept.append(column)
    return kept


def _concat(*parts):
    return _distinct([column for part in parts for column in part])


def _tensor(*factors):
    columns = [np.ones(len(factors[0][0]))]
    for factor in factors:
        columns = [a * b for a in columns for b in factor]
    return _distinct(columns)


def _assert_columns(out, columns):
    np.testing.assert_allclose(out, np.column_stack(columns), rtol=1e-13, atol=1e-15)


def test_concat_removes_duplicate_terms_and_keeps_first_place():
    lib = (PolynomialLibrary(degree=2) + PolynomialLibrary(degree=1) + FourierLibrary()).fit(X2)
    assert isinstance(lib, ConcatLibrary) and len(lib.libraries) == 3  # flattened
    names = lib.get_feature_names_out(["x", "y"]).tolist()
    assert names == ["1", "x", "y", "x^2", "x y", "y^2", "sin(x)", "cos(x)", "sin(y)", "cos(y)"]
    poly = PolynomialFeatures(2).fit_transform(X2)
    fourier = [np.sin(X2[:, 0]), np.cos(X2[:, 0]), np.sin(X2[:, 1]), np.cos(X2[:, 1])]
    expected = np.column_stack([poly, *fourier])
    np.testing.assert_allclose(lib.transform(X2), expected, rtol=1e-12)


def test_concat_two_constants():
    lib = (PolynomialLibrary(degree=1) + CustomLibrary([np.exp], include_bias=True)).fit(X2)
    assert lib.get_feature_names_out().tolist() == ["1", "x0", "x1", "exp(x0)", "exp(x1)"]
    custom = [np.ones(len(X2)), np.exp(X2[:, 0]), np.exp(X2[:, 1])]
    _assert_columns(lib.transform(X2), _concat(_poly1(X2), custom))
    assert len(_concat(_poly1(X2), custom)) == 5


def test_tensor_simplifies_powers_and_constants():
    lib = (PolynomialLibrary(degree=1) * PolynomialLibrary(degree=1)).fit(X2)
    # x * x is x^2 and 1 * x is x, so the product equals the degree-2 polynomial library.
    assert lib.terms_ == PolynomialLibrary(degree=2).fit(X2).terms_
    np.testing.assert_allclose(lib.transform(X2), PolynomialFeatures(2).fit_transform(X2))

    mixed = (PolynomialLibrary(degree=1) * FourierLibrary()).fit(X2)
    names = mixed.get_feature_names_out(["x", "y"]).tolist()
    assert names[:4] == ["sin(x)", "cos(x)", "sin(y)", "cos(y)"]
    assert names[4:6] == ["x sin(x)", "x cos(x)"] and len(names) == 3 * 4
    assert isinstance(mixed.terms_[-1], ProductTerm)
    _assert_columns(mixed.transform(X2), _tensor(_poly1(X2), _fourier(X2)))
    x, y = X2.T
    np.testing.assert_allclose(mixed.transform(X2)[:, 4], x * np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(mixed.transform(X2)[:, 11], y * np.cos(y), rtol=1e-15)


def test_tensor_of_a_library_with_itself_drops_reordered_products():
    lib = (FourierLibrary() * FourierLibrary()).fit(X2[:, :1])
    # sin*sin, sin*cos, cos*cos: cos*sin equals sin*cos and is dropped.
    assert lib.get_feature_names_out(["x"]).tolist() == [
        "sin(x) sin(x)",
        "sin(x) cos(x)",
        "cos(x) cos(x)",
    ]
    x = X2[:, 0]
    expected = np.column_stack([np.sin(x) ** 2, np.sin(x) * np.cos(x), np.cos(x) ** 2])
    np.testing.assert_allclose(lib.transform(X2[:, :1]), expected, rtol=1e-12)


def test_three_factor_tensor_and_nesting():
    lib = PolynomialLibrary(1, include_bias=False) * IdentityLibrary() * FourierLibrary()
    assert isinstance(lib, TensoredLibrary) and len(lib.libraries) == 3
    lib.fit(X2)
    expected = _tensor(_poly1(X2, bias=False), _identity(X2), _fourier(X2))
    assert len(expected) == 3 * 4  # x0², x0 x1, x1² times the four sines and cosines
    _assert_columns(lib.transform(X2), expected)
    assert "x0^2 sin(x0)" in lib.get_feature_names_out()

    nested = (PolynomialLibrary(1) + FourierLibrary()) * IdentityLibrary() + IdentityLibrary()
    assert repr(nested) == (
        "(PolynomialLibrary(degree=1) + FourierLibrary()) * IdentityLibrary() + IdentityLibrary()"
    )
    nested.fit(X2)
    inner = _concat(_poly1(X2), _fourier(X2))
    _assert_columns(nested.transform(X2), _concat(_tensor(inner, _identity(X2)), _identity(X2)))
    names = nested.get_feature_names_out()
    assert len(set(names)) == len(names) == nested.n_output_features_


def test_clone_params_and_fit_do_not_touch_parts():
    poly, fourier = PolynomialLibrary(degree=2), FourierLibrary()
    lib = poly + fourier
    params = lib.get_params(deep=True)
    assert params["libraries__0__degree"] == 2 and params["libraries__1"] is fourier
    lib.fit(X2)
    assert not hasattr(poly, "terms_")  # parts are cloned in fit
    copy = clone(lib)
    assert copy.libraries[0] is not poly and copy.libraries[0].get_params() == poly.get_params()
    assert not hasattr(copy, "terms_")
    copy.set_params(libraries__0__degree=3, libraries__1__n_frequencies=2)
    assert copy.libraries[0].degree == 3 and copy.libraries[1].n_frequencies == 2
    assert poly.degree == 2
    assert copy.fit(X2).n_output_features_ == 10 + 8
    with pytest.raises(ValueError, match="Invalid parameter 'nonsense'"):
        copy.set_params(nonsense=1)


def test_composed_in_pipeline_with_pandas_output():
    df = pd.DataFrame(X2, columns=["u", "v"])
    lib = (PolynomialLibrary(1) * FourierLibrary(include_cos=False)).set_output(transform="pandas")
    out = make_pipeline(lib).fit(df).transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.columns[:3].tolist() == ["sin(u)", "sin(v)", "u sin(u)"]


def test_composition_errors():
    with pytest.raises(TypeError, match=r"ConcatLibrary: libraries\[1\]=3 is not a sparseid"):
        ConcatLibrary([PolynomialLibrary(), 3]).fit(X2)
    with pytest.raises(TypeError, match=r"TensoredLibrary: libraries=.*non-empty list"):
        TensoredLibrary([]).fit(X2)
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+"):
        PolynomialLibrary() + 3
    with pytest.raises(ValueError, match="PolynomialLibrary: degree=-2"):
        (PolynomialLibrary(degree=-2) + FourierLibrary()).fit(X2)
    lib = (PolynomialLibrary() * FourierLibrary()).fit(X2)
    with pytest.raises(ValueError, match="X has 3 features, but TensoredLibrary is expecting 2"):
        lib.transform(np.zeros((3, 3)))


# --- saving ------------------------------------------------------------------------------------
SAVABLE = [
    PolynomialLibrary(degree=3, include_bias=False),
    PolynomialLibrary(degree=2, interaction_only=True),
    FourierLibrary(n_frequencies=3, include_cos=False),
    IdentityLibrary(),
    PolynomialLibrary(2) + FourierLibrary(2),
    (PolynomialLibrary(1) + FourierLibrary()) * IdentityLibrary() + IdentityLibrary(),
]


@pytest.mark.parametrize("library", SAVABLE, ids=repr)
def test_json_round_trip_gives_identical_transform(library):
    X = RNG.standard_normal((50, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    fitted = clone(library).fit(df)
    text = json.dumps(fitted.to_dict())
    loaded = library_from_dict(json.loads(text), n_features_in=3, feature_names_in=["a", "b", "c"])
    assert loaded.n_features_in_ == 3 and loaded.feature_names_in_.tolist() == ["a", "b", "c"]
    assert loaded.terms_ == fitted.terms_
    np.testing.assert_array_equal(loaded.transform(df), fitted.transform(df))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(loaded.transform(X), fitted.transform(df))
    assert loaded.get_feature_names_out().tolist() == fitted.get_feature_names_out().tolist()
    unfitted = library_from_dict(json.loads(text))
    assert not hasattr(unfitted, "terms_") and repr(unfitted) == repr(library)


def test_custom_library_refuses_json_but_pickles():
    lib = CustomLibrary([np.exp, np.sin]).fit(X2)
    with pytest.raises(TypeError, match=r"CustomLibrary cannot be saved as JSON .* use pickle"):
        lib.to_dict()
    with pytest.raises(TypeError, match="use pickle"):
        (PolynomialLibrary() + lib).to_dict()
    again = pickle.loads(pickle.dumps(lib))
    np.testing.assert_array_equal(again.transform(X2), lib.transform(X2))


@pytest.mark.parametrize(
    "d, match",
    [
        ({"class": "Nope", "params": {}}, "unknown class 'Nope'"),
        ({"params": {}}, "not a library description"),
        ({"class": "ConcatLibrary", "params": {"libraries": [{"x": 1}]}}, r"libraries\[0\]"),
    ],
)
def test_library_from_dict_errors(d, match):
    with pytest.raises(ValueError, match="library_from_dict: .*" + match):
        library_from_dict(d)


def test_library_from_dict_checks_names():
    d = PolynomialLibrary().to_dict()
    with pytest.raises(ValueError, match="feature_names_in has 2 names for 3 inputs"):
        library_from_dict(d, n_features_in=3, feature_names_in=["a", "b"])
    with pytest.raises(ValueError, match="needs n_features_in"):
        library_from_dict(d, feature_names_in=["a"])
    assert library_from_dict(d, n_features_in=2).terms_[-1] == PowerTerm((0, 2))
