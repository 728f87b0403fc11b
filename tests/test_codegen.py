"""model.to_source(): Python, C and Julia source of the learned right-hand side."""

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from sparseid import LinearModel, NeuralODE, SINDy
from sparseid.libraries import CustomLibrary, FourierLibrary, PolynomialLibrary
from sparseid.optimizers import LeastSquares

pytest.importorskip("sympy")

COMPILER = shutil.which("cc") or shutil.which("gcc")


@pytest.fixture(scope="module")
def lorenz(lorenz_samples):
    t, x, _ = lorenz_samples(2000)
    return SINDy().fit(x, t=t, feature_names=["x", "y", "z"])


@pytest.fixture(scope="module")
def mixed():
    """Dense ridge fit to random targets: every polynomial, Fourier and custom term active.

    (The ridge keeps the coefficients moderate: a plain fit of these nearly collinear
    columns cancels huge coefficients, amplifying the last-bit differences between libm
    and numpy.)
    """
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 2.0, size=(200, 2))
    library = (
        PolynomialLibrary(2)
        + FourierLibrary(2)
        + CustomLibrary([np.exp, np.tanh, np.sqrt, np.arctan])
        + PolynomialLibrary(1, include_bias=False) * FourierLibrary(1)
    )
    model = SINDy(feature_library=library, optimizer=LeastSquares(alpha=1e-3))
    return model.fit(X, rng.normal(size=X.shape))


@pytest.fixture(scope="module")
def controlled():
    rng = np.random.default_rng(1)
    X, U = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    Y = np.c_[-X[:, 0] + X[:, 1] * U[:, 0], -2 * X[:, 1] + U[:, 0] - U[:, 1] ** 2]
    return SINDy().fit(X, Y, u=U)


def _python_functions(model):
    source = model.to_source("python")
    code = [line for line in source.splitlines() if line and not line.startswith("#")]
    assert [line for line in code if "import" in line] == ["import numpy"]
    assert "sparseid" not in "\n".join(code)
    namespace = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace["rhs"], namespace["jacobian"]


def _compile_c(model, tmp_path):
    if COMPILER is None:
        pytest.skip("no C compiler")
    (tmp_path / "rhs.h").write_text(model.to_source("c", header=True))
    (tmp_path / "rhs.c").write_text('#include "rhs.h"\n' + model.to_source("c"))
    library = tmp_path / "librhs.so"
    command = [COMPILER, "-O2", "-ffp-contract=off", "-shared", "-fPIC", "-o", str(library)]
    subprocess.run([*command, str(tmp_path / "rhs.c"), "-lm"], check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))
    pointer = ctypes.POINTER(ctypes.c_double)
    for name in ("rhs", "jacobian"):
        getattr(lib, name).argtypes = [ctypes.c_double, pointer, pointer, pointer]
    d, m = model.n_features_in_, model.n_control_features_

    def call(name, size, x, u):
        out = np.empty(size)
        x, u = np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(u, dtype=float)
        args = [a.ctypes.data_as(pointer) for a in (x, u if m else np.zeros(1), out)]
        getattr(lib, name)(0.0, *args)
        return out

    rhs = lambda x, u=None: call("rhs", d, x, u)  # noqa: E731
    jac = lambda x, u=None: call("jacobian", d * d, x, u).reshape(d, d)  # noqa: E731
    return rhs, jac


def _states(model, n=20, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 2.0, size=(n, model.n_features_in_))
    U = rng.normal(size=(n, model.n_control_features_)) if model.n_control_features_ else None
    return X, U


@pytest.mark.parametrize("name", ["lorenz", "mixed", "controlled"])
@pytest.mark.parametrize("language", ["python", "c"])
def test_generated_source_agrees_with_predict(name, language, request, tmp_path):
    model = request.getfixturevalue(name)
    if language == "python":
        rhs, jac = _python_functions(model)
        rhs_of = lambda x, u: rhs(0.0, x, u)  # noqa: E731
        jac_of = lambda x, u: jac(0.0, x, u)  # noqa: E731
    else:
        rhs_of, jac_of = _compile_c(model, tmp_path)
    X, U = _states(model)
    expected = model.predict(X, u=U) if U is not None else model.predict(X)
    got = np.array([rhs_of(x, None if U is None else U[k]) for k, x in enumerate(X)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    field = model.vector_field()
    for k in range(3):
        u = None if U is None else U[k]
        np.testing.assert_allclose(
            jac_of(X[k], u), field.jacobian(0.0, X[k], u), rtol=1e-12, atol=1e-12
        )


def test_julia_source_structure(controlled, lorenz):
    source = controlled.to_source("julia")
    lines = source.splitlines()
    assert "function rhs!(dx, x, p, t)" in lines and "function jacobian!(J, x, p, t)" in lines
    assert "    u = p isa Function ? p(t) : p" in lines
    assert sum(line.startswith("    dx[") for line in lines) == 2
    assert sum(line.startswith("    J[") for line in lines) == 4
    assert "x[0]" not in source and "u[0]" not in source  # one-based
    assert lines.count("end") == 2
    assert "#   u[1] = u0" in lines
    dx1 = next(line for line in lorenz.to_source("julia").splitlines() if "dx[1] =" in line)
    coef = lorenz.coef_[0].tolist()
    assert dx1 == f"    dx[1] = {coef[1]!r}*(x[1]) + {coef[2]!r}*(x[2])"


def test_linear_model_and_maps(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 2))
    model = LinearModel(fit_intercept=True).fit(X, X @ [[0.0, 1.0], [-1.0, 0.0]] + 0.25)
    rhs, jac = _python_functions(model)
    np.testing.assert_allclose(rhs(0.0, X[0]), model.predict(X[:1])[0], rtol=1e-12)
    np.testing.assert_allclose(jac(0.0, X[0]), model.matrix_, rtol=1e-12)
    x = 0.5 ** np.arange(10.0)
    step = SINDy(discrete_time=True).fit(x.reshape(-1, 1))
    rhs, _ = _python_functions(step)
    np.testing.assert_allclose(rhs(0, np.array([8.0])), step.predict([[8.0]])[0], rtol=1e-12)


def test_neural_ode_source(tmp_path):
    t = np.linspace(0, 3, 100)
    X = np.c_[np.cos(t), np.sin(t)]
    for activation in ("tanh", "softplus", "relu"):
        model = NeuralODE(
            hidden_layer_sizes=(6, 5),
            activation=activation,
            scale_inputs=True,
            max_iter=3,
            batch_size=10,
            random_state=0,
        ).fit(X, t=t)
        Z, _ = _states(model, n=5)
        field = model.vector_field()
        implementations = [_python_functions(model)]
        if COMPILER is not None:
            directory = tmp_path / activation
            directory.mkdir()
            c_rhs, c_jac = _compile_c(model, directory)
            implementations.append((lambda t, x, u, f=c_rhs: f(x), lambda t, x, u, f=c_jac: f(x)))
        for rhs, jac in implementations:
            got = np.array([rhs(0.0, z, None) for z in Z])
            np.testing.assert_allclose(got, model.predict(Z), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(
                jac(0.0, Z[0], None), field.jacobian(0.0, Z[0]), rtol=1e-12, atol=1e-12
            )
        julia = model.to_source("julia")
        assert "function rhs!(dx, x, p, t)" in julia and "const LAYERS = [" in julia


def test_neural_ode_source_with_linear_part(tmp_path):
    t = np.linspace(0, 3, 100)
    X = np.c_[np.cos(t), np.sin(t)]
    model = NeuralODE(
        hidden_layer_sizes=(6,), scale_inputs=True, linear_part=True, max_iter=3, batch_size=10
    ).fit(X, t=t)
    Z, _ = _states(model, n=5)
    field = model.vector_field()
    implementations = [_python_functions(model)]
    if COMPILER is not None:
        c_rhs, c_jac = _compile_c(model, tmp_path)
        implementations.append((lambda t, x, u: c_rhs(x), lambda t, x, u: c_jac(x)))
    for rhs, jac in implementations:
        got = np.array([rhs(0.0, z, None) for z in Z])
        np.testing.assert_allclose(got, model.predict(Z), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            jac(0.0, Z[0], None), field.jacobian(0.0, Z[0]), rtol=1e-12, atol=1e-12
        )
    julia = model.to_source("julia")
    assert "const LINEAR = [" in julia and ".+ LINEAR * (x .- MEAN)" in julia


def test_unprintable_custom_function_is_named(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 2))
    library = PolynomialLibrary(1) + CustomLibrary([lambda a: a**3], ["cube({})"])
    model = SINDy(feature_library=library, optimizer=LeastSquares()).fit(X, X**3)
    for language in ("python", "c", "julia"):
        with pytest.raises(ValueError, match=r"term 'cube\(x0\)' applies the Python function"):
            model.to_source(language)


def test_bad_arguments(lorenz):
    with pytest.raises(ValueError, match=r"language='fortran' must be one of"):
        lorenz.to_source("fortran")
    with pytest.raises(ValueError, match="header=True is for language='c'"):
        lorenz.to_source("python", header=True)
