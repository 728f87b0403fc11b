"""sparseid for PySINDy's users: the same script runs with either package, and PySINDy's
optimizers, libraries and fitted models plug into sparseid.

pysindy is a test dependency only; sparseid recognises its objects by their interface.
"""

import pickle
import re
import warnings

import numpy as np
import pytest

import sparseid
from sparseid.systems import make_lorenz

ps_real = pytest.importorskip("pysindy")

DT = 0.002
NAMES = ["x", "y", "z"]


@pytest.fixture(scope="module")
def lorenz():
    x1 = make_lorenz(n_samples=4000, dt=DT, x0=(-8.0, 8.0, 27.0)).to_numpy()
    x2 = make_lorenz(n_samples=3000, dt=DT, x0=(5.0, -3.0, 20.0)).to_numpy()
    return x1, x2


def user_script(ps, x1, x2):
    """A PySINDy user's script, written once; ``ps`` is ``pysindy`` or ``sparseid``.

    It is written in the intersection of the two APIs: ``t`` by name (sparseid refuses it by
    position) and CustomLibrary's functions and names by position (PySINDy calls the first
    parameter ``library_functions``, sparseid ``functions``).
    """
    out = {}
    libraries = {
        "poly": ps.PolynomialLibrary(degree=2),
        "poly+fourier": ps.PolynomialLibrary(degree=2) + ps.FourierLibrary(n_frequencies=1),
        "id+custom": ps.IdentityLibrary()
        + ps.CustomLibrary([lambda a, b: a * b], [lambda a, b: a + " " + b]),
    }
    for name, library in libraries.items():
        model = ps.SINDy(
            feature_library=library,
            optimizer=ps.STLSQ(threshold=0.1, alpha=0.05),
            differentiation_method=ps.FiniteDifference(order=2),
        )
        model.fit([x1, x2], t=DT, feature_names=NAMES)
        model.print()
        out[name] = {
            "coef": model.coefficients(),
            "equations": model.equations(3),
            "complexity": model.complexity,
            "names": model.get_feature_names(),
            "score": model.score(x1, t=DT),
            "predict": model.predict([x1, x2]),
            "simulate": model.simulate(x1[0], np.arange(0.0, 1.0, DT)),
        }
    # t as arrays, one per trajectory, and given derivatives
    t1, t2 = DT * np.arange(len(x1)), 1.0 + DT * np.arange(len(x2))
    model = ps.SINDy(differentiation_method=ps.FiniteDifference(order=2))
    out["t arrays"] = model.fit([x1, x2], t=[t1, t2]).coefficients()
    x_dot = ps.FiniteDifference(order=2)(x1, t1)
    out["x_dot"] = ps.SINDy().fit(x1, t=DT, x_dot=x_dot).coefficients()
    # control input
    u = np.sin(t1)[:, None]
    model = ps.SINDy(differentiation_method=ps.FiniteDifference(order=2))
    out["u"] = model.fit(x1, t=DT, u=u).coefficients()
    return out


def _normalise_equation(text):
    # PySINDy writes "a x + -b y" and "sin(1 x)"; sparseid "a x - b y" and "sin(x)".
    text = re.sub(r"\s+", " ", text.strip()).replace("+ -", "- ")
    return re.sub(r"(sin|cos)\(1 ", r"\1(", text)


def test_user_script_same_results(lorenz, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySINDy's own deprecation / convergence warnings
        theirs = user_script(ps_real, *lorenz)
    printed_theirs = capsys.readouterr().out
    ours = user_script(sparseid, *lorenz)
    printed_ours = capsys.readouterr().out
    assert printed_ours.count("\n") == printed_theirs.count("\n") == 9
    for key in ("t arrays", "x_dot", "u"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-3, atol=1e-8)
    for name in ("poly", "poly+fourier", "id+custom"):
        a, b = theirs[name], ours[name]
        np.testing.assert_allclose(b["coef"], a["coef"], rtol=1e-3, atol=1e-8)
        assert [_normalise_equation(e) for e in b["names"]] == [
            _normalise_equation(e) for e in a["names"]
        ]
        assert [_normalise_equation(e) for e in b["equations"]] == [
            _normalise_equation(e) for e in a["equations"]
        ]
        assert b["complexity"] == a["complexity"] == 7
        assert b["score"] == pytest.approx(a["score"], rel=1e-9)
        assert isinstance(b["predict"], list) and len(b["predict"]) == 2
        for p, q in zip(b["predict"], a["predict"]):
            np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(b["simulate"], a["simulate"], rtol=1e-6, atol=1e-6)


def test_top_level_names():
    same = {
        "SINDy": sparseid.models.SINDy,
        "STLSQ": sparseid.optimizers.STLSQ,
        "SR3": sparseid.optimizers.SR3,
        "SSR": sparseid.optimizers.SSR,
        "FROLS": sparseid.optimizers.FROLS,
        "ConstrainedSR3": sparseid.optimizers.ConstrainedSR3,
        "PolynomialLibrary": sparseid.libraries.PolynomialLibrary,
        "FourierLibrary": sparseid.libraries.FourierLibrary,
        "CustomLibrary": sparseid.libraries.CustomLibrary,
        "IdentityLibrary": sparseid.libraries.IdentityLibrary,
        "ConcatLibrary": sparseid.libraries.ConcatLibrary,
        "TensoredLibrary": sparseid.libraries.TensoredLibrary,
        "FiniteDifference": sparseid.differentiation.FiniteDifference,
    }
    for name, obj in same.items():
        assert getattr(sparseid, name) is obj
        assert name in sparseid.__all__
        if name != "ConstrainedSR3":  # PySINDy exports it only when cvxpy is installed
            assert hasattr(ps_real, name)  # PySINDy's name for the same concept
    assert callable(sparseid.from_pysindy)
    # Same name, different method: deliberately not aliased.
    for name in ("SmoothedFiniteDifference", "SpectralDerivative"):
        assert not hasattr(sparseid, name)
    assert sorted(sparseid.__all__) == sorted(set(sparseid.__all__))
    for name in sparseid.__all__:
        assert hasattr(sparseid, name)


def test_differentiate(lorenz):
    x1, x2 = lorenz
    model = sparseid.SINDy(differentiation_method=sparseid.FiniteDifference()).fit(x1, t=DT)
    expected = ps_real.FiniteDifference(order=2)(x1, t=DT)
    np.testing.assert_allclose(model.differentiate(x1, t=DT), expected, rtol=1e-9, atol=1e-9)
    both = model.differentiate([x1, x2], t=DT)
    assert isinstance(both, list) and [len(d) for d in both] == [len(x1), len(x2)]
    with pytest.raises(ValueError, match="t"):
        model.differentiate(x1)


def test_positional_t_is_refused_with_advice(lorenz):
    x1, _ = lorenz
    with pytest.raises(TypeError, match="by name"):
        sparseid.SINDy().fit(x1, DT)
    with pytest.raises(TypeError, match=r"fit\(X, t=t\)"):
        sparseid.SINDy().fit(x1, DT * np.arange(len(x1)))


def _pysindy_optimizers():
    ps = ps_real
    return {
        "STLSQ": lambda: ps.STLSQ(threshold=0.1),
        "SR3": lambda: ps.SR3(reg_weight_lam=0.1),
        "SSR": lambda: ps.SSR(),
        "FROLS": lambda: ps.FROLS(),
        "EnsembleOptimizer(STLSQ)": lambda: ps.EnsembleOptimizer(ps.STLSQ(), bagging=True),
    }


@pytest.mark.parametrize("name", list(_pysindy_optimizers()))
def test_pysindy_optimizer_in_our_sindy(lorenz, name):
    x1, x2 = lorenz
    make = _pysindy_optimizers()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(0)  # noqa: NPY002 - EnsembleOptimizer draws from numpy's global generator
        ours = sparseid.SINDy(
            optimizer=make(), differentiation_method=sparseid.FiniteDifference()
        ).fit([x1, x2], t=DT)
        np.random.seed(0)  # noqa: NPY002
        theirs = ps_real.SINDy(
            optimizer=make(), differentiation_method=ps_real.FiniteDifference()
        ).fit([x1, x2], t=DT)
    np.testing.assert_allclose(ours.coef_, theirs.coefficients(), rtol=1e-3, atol=1e-6)
    # the Lorenz x-equation: -10 x + 10 y
    np.testing.assert_allclose(ours.coef_[0, 1:3], [-10.0, 10.0], rtol=2e-3)
    assert ours.simulate(x1[0], np.arange(0.0, 0.5, DT)).shape == (250, 3)


def _pysindy_libraries():
    ps = ps_real
    return {
        "polynomial": lambda: ps.PolynomialLibrary(degree=2),
        "identity": lambda: ps.IdentityLibrary(),
        "polynomial+fourier": lambda: (
            ps.PolynomialLibrary(degree=2) + ps.FourierLibrary(n_frequencies=2)
        ),
        "identity+custom": lambda: (
            ps.IdentityLibrary()
            + ps.CustomLibrary(
                [lambda a: a**3, lambda a, b: a * b],
                [lambda a: f"{a}^3", lambda a, b: f"{a} {b}"],
                include_bias=True,
            )
        ),
        "polynomial*fourier": lambda: (
            ps.PolynomialLibrary(degree=1) * ps.FourierLibrary(n_frequencies=1)
        ),
    }


@pytest.mark.parametrize("name", list(_pysindy_libraries()))
def test_pysindy_library_in_our_sindy(lorenz, name):
    x1, x2 = lorenz
    make = _pysindy_libraries()[name]
    ours = sparseid.SINDy(
        feature_library=make(), differentiation_method=sparseid.FiniteDifference()
    ).fit([x1, x2], t=DT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ps_real.SINDy(
            feature_library=make(), differentiation_method=ps_real.FiniteDifference()
        ).fit([x1, x2], t=DT)
    assert isinstance(ours.feature_library_, sparseid.libraries.BaseLibrary)
    np.testing.assert_allclose(ours.coef_, theirs.coefficients(), rtol=1e-3, atol=1e-8)
    # PySINDy also names the product of 1 and a term "1 term"; sparseid names it "term".
    assert [_normalise_equation(n) for n in ours.get_feature_names()] == [
        re.sub(r"^1 ", "", _normalise_equation(n)) for n in theirs.get_feature_names()
    ]


def _untranslatable_libraries():
    ps = ps_real
    return {
        "GeneralizedLibrary": lambda: ps.GeneralizedLibrary(
            [ps.PolynomialLibrary(degree=2), ps.FourierLibrary()],
            inputs_per_library=[[0, 1, 2], [2]],
        ),
        "PolynomialLibrary(include_interaction=False)": lambda: (
            ps.PolynomialLibrary(degree=2, include_interaction=False)
            + ps.CustomLibrary([_product], [_product_name])
        ),
    }


def _product(a, b):  # module level, so that the model pickles
    return a * b


def _product_name(a, b):
    return f"{a} {b}"


@pytest.mark.parametrize("name", list(_untranslatable_libraries()))
def test_untranslatable_pysindy_library_through_transform(lorenz, name):
    x1, x2 = lorenz
    make = _untranslatable_libraries()[name]
    ours = sparseid.SINDy(
        feature_library=make(), differentiation_method=sparseid.FiniteDifference()
    ).fit([x1, x2], t=DT, feature_names=NAMES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ps_real.SINDy(
            feature_library=make(), differentiation_method=ps_real.FiniteDifference()
        ).fit([x1, x2], t=DT, feature_names=NAMES)
    assert not isinstance(ours.feature_library_, sparseid.libraries.BaseLibrary)
    np.testing.assert_allclose(ours.coef_, theirs.coefficients(), rtol=1e-3, atol=1e-8)
    assert ours.get_feature_names() == theirs.get_feature_names()
    assert [_normalise_equation(e) for e in ours.equations()] == [
        _normalise_equation(e) for e in theirs.equations()
    ]
    np.testing.assert_allclose(ours.predict(x1), theirs.predict(x1), rtol=1e-6, atol=1e-6)
    t = np.arange(0.0, 0.2, DT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = theirs.simulate(x1[0], t)
    np.testing.assert_allclose(ours.simulate(x1[0], t), expected, rtol=1e-6, atol=1e-6)
    assert np.array_equal(pickle.loads(pickle.dumps(ours)).predict(x1), ours.predict(x1))
    with pytest.raises(TypeError, match="known only through its transform"):
        ours.to_sympy()
    with pytest.raises(TypeError, match="has no sparseid equivalent"):
        sparseid.from_pysindy(theirs)


@pytest.mark.parametrize("name", list(_pysindy_libraries()))
def test_from_pysindy(lorenz, name, tmp_path):
    x1, x2 = lorenz
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ps_real.SINDy(
            feature_library=_pysindy_libraries()[name](),
            differentiation_method=ps_real.FiniteDifference(),
        ).fit([x1, x2], t=DT, feature_names=NAMES)
    ours = sparseid.from_pysindy(theirs, x=[x1, x2])
    assert np.array_equal(ours.coef_, theirs.coefficients())
    assert ours.get_feature_names() == theirs.get_feature_names()
    assert ours.variable_names_ == NAMES
    np.testing.assert_allclose(ours.predict(x1), theirs.predict(x1), rtol=1e-10, atol=1e-9)
    t = np.arange(0.0, 0.5, DT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = theirs.simulate(x1[0], t)  # LSODA, rtol = atol = 1e-12
    np.testing.assert_allclose(ours.simulate(x1[0], t), expected, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(
        ours.simulate(x1[0], t, method="DOP853"), expected, rtol=1e-8, atol=1e-8
    )
    if "custom" in name:  # user functions have no JSON form
        with pytest.raises(TypeError, match="pickle"):
            ours.save(tmp_path / "model.json")
        return
    ours.save(tmp_path / "model.json")
    loaded = sparseid.load_model(tmp_path / "model.json")
    assert np.array_equal(loaded.coef_, theirs.coefficients())
    np.testing.assert_allclose(loaded.simulate(x1[0], t), expected, rtol=1e-8, atol=1e-8)


def test_from_pysindy_true_coefficients(lorenz):
    """A PySINDy model holding the exact Lorenz coefficients simulates like make_lorenz."""
    x1, _ = lorenz
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ps_real.SINDy(differentiation_method=ps_real.FiniteDifference()).fit(x1, t=DT)
    true = np.zeros((3, 10))
    true[0, [1, 2]] = [-10.0, 10.0]
    true[1, [1, 2, 6]] = [28.0, -1.0, -1.0]
    true[2, [3, 5]] = [-8.0 / 3.0, 1.0]
    theirs.optimizer.coef_ = true
    ours = sparseid.from_pysindy(theirs)  # no x: no blow-up box
    sim = ours.simulate(x1[0], DT * np.arange(250), method="DOP853")
    np.testing.assert_allclose(sim, x1[:250], rtol=1e-8, atol=1e-8)


def test_from_pysindy_refuses_others():
    with pytest.raises(TypeError, match=r"fitted pysindy\.SINDy"):
        sparseid.from_pysindy(sparseid.SINDy())
