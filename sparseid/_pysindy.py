"""Bridges for PySINDy's users: PySINDy objects inside sparseid, recognised by interface.

sparseid never imports pysindy. A PySINDy feature library (anything with ``fit``,
``transform`` and ``get_feature_names`` that is not a sparseid library) is translated into the
equivalent sparseid library, so the model keeps sparseid's compiled simulation, equations and
JSON; a library without an equivalent is evaluated through its own ``transform``
(:func:`transform_rhs`: slower, no Jacobian, no JSON or sympy), and :func:`from_pysindy`
refuses it with a TypeError that names it and the alternative.
A PySINDy optimizer needs no bridge: any regressor with ``fit(Θ, y)`` and ``coef_`` works.

Known differences from PySINDy (on purpose): ``t`` must be given by name (``fit(x, t=dt)``;
PySINDy also accepts it by position); Fourier terms are named ``sin(x)`` rather than
``sin(1 x)``; equations are written ``a x - b y`` rather than ``a x + -b y``. PySINDy's
``SmoothedFiniteDifference`` and ``SpectralDerivative`` have no alias (see ``sparseid``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["from_pysindy", "is_foreign_library", "transform_rhs", "translate_library"]

_SUPPORTED = (
    "PolynomialLibrary, IdentityLibrary, FourierLibrary, CustomLibrary, and their "
    "concatenations (+) and tensor products (*) over all inputs"
)


def is_foreign_library(library):
    """Whether ``library`` looks like a feature library that is not one of sparseid's."""
    from .libraries import BaseLibrary

    return not isinstance(library, BaseLibrary) and all(
        callable(getattr(library, name, None)) for name in ("fit", "transform", "get_feature_names")
    )


def _unsupported(library, why=""):
    return TypeError(
        f"the PySINDy library {type(library).__name__} has no sparseid equivalent{why}; "
        f"supported: {_SUPPORTED}. Build the library from sparseid.libraries (for example "
        "sparseid.CustomLibrary with your functions) instead"
    )


def translate_library(library):
    """The sparseid library equivalent to a PySINDy library (unfitted), or a TypeError."""
    from . import libraries as lib

    name = type(library).__name__
    if name == "IdentityLibrary" or (
        name == "PolynomialLibrary" and getattr(library, "include_interaction", True) is False
    ):
        if name == "IdentityLibrary" or library.degree == 1:
            bias = bool(getattr(library, "include_bias", False))
            ident = lib.IdentityLibrary()
            return lib.PolynomialLibrary(degree=1, include_bias=True) if bias else ident
        raise _unsupported(library, " with include_interaction=False")
    if name == "PolynomialLibrary":
        return lib.PolynomialLibrary(
            degree=int(library.degree),
            include_bias=bool(library.include_bias),
            interaction_only=bool(library.interaction_only),
        )
    if name == "FourierLibrary":
        return lib.FourierLibrary(
            n_frequencies=int(library.n_frequencies),
            include_sin=bool(library.include_sin),
            include_cos=bool(library.include_cos),
        )
    if name == "CustomLibrary":
        return lib.CustomLibrary(
            list(library.functions),
            function_names=None if library.function_names is None else list(library.function_names),
            interaction_only=bool(library.interaction_only),
            include_bias=bool(library.include_bias),
        )
    if name in ("ConcatLibrary", "TensoredLibrary"):
        parts = [translate_library(part) for part in library.libraries]
        if name == "ConcatLibrary":
            return lib.ConcatLibrary(parts)
        inputs = getattr(library, "inputs_per_library", None)
        # PySINDy fills inputs_per_library with every input when fitted without it.
        if inputs is not None and not all(
            list(np.ravel(row)) == list(range(len(np.ravel(row)))) for row in inputs
        ):
            raise _unsupported(library, " with inputs_per_library selecting some inputs")
        return lib.TensoredLibrary(parts)
    raise _unsupported(library)


def transform_rhs(library, coef):
    """Right-hand sides evaluated through a foreign library's ``transform`` (no code generated).

    Every call transforms the states (a NumPy round trip through the other package), so
    simulation is much slower than with a sparseid library, and there is no Jacobian.
    """
    from .libraries import CompiledRHS

    coef = np.asarray(coef, dtype=np.float64)
    active = np.flatnonzero(np.any(coef != 0, axis=0))
    weights = np.ascontiguousarray(coef[:, active].T)

    def rhs_batch(Z):
        theta = np.asarray(library.transform(np.asarray(Z, dtype=np.float64)), dtype=np.float64)
        return theta[:, active] @ weights

    def rhs(z):
        return rhs_batch(np.asarray(z, dtype=np.float64).reshape(1, -1))[0]

    source = f"# evaluated through {type(library).__name__}.transform (no generated code)\n"
    return CompiledRHS(rhs, rhs_batch, None, source, active)


def from_pysindy(model, x=None):
    """A fitted sparseid :class:`~sparseid.SINDy` with the coefficients of a fitted PySINDy model.

    The PySINDy library is translated into the equivalent sparseid library (see
    :func:`translate_library`); the translation is checked by evaluating both libraries on
    probe states, so the coefficients keep PySINDy's term order and values exactly. The result
    has sparseid's compiled ``simulate``, ``save`` and the tools of :mod:`sparseid.dynamics`.

    Parameters
    ----------
    model : fitted pysindy.SINDy
        Without control inputs and not discrete-time.
    x : array-like of shape (n, d) or list of them, optional
        The training states. They set the training range that ``simulate`` uses to detect a
        blow-up; without them no blow-up box applies (PySINDy keeps no such range).

    Returns
    -------
    SINDy
        A fitted model. It has no ``optimizer_`` (sparseid did not fit it), and its
        ``optimizer`` parameter is a placeholder: refitting uses sparseid's ``LeastSquares``.

    Raises
    ------
    TypeError
        If the model's library has no sparseid equivalent (the message names it) or the object
        is not a fitted PySINDy model.
    """
    from .models import SINDy

    for attr in ("feature_library", "optimizer", "n_features_in_"):
        if not hasattr(model, attr):
            raise TypeError(
                f"from_pysindy: expected a fitted pysindy.SINDy model, got "
                f"{type(model).__name__} without {attr!r}"
            )
    if getattr(model, "n_control_features_", 0):
        raise TypeError("from_pysindy: models with control inputs u are not supported yet")
    if getattr(model, "discrete_time", False):
        raise TypeError("from_pysindy: discrete-time models are not supported yet")
    foreign = model.feature_library
    ours = translate_library(foreign)
    d = int(model.n_features_in_)
    coef = np.array(model.optimizer.coef_, dtype=np.float64, ndmin=2)
    names = list(getattr(model, "feature_names", None) or [f"x{i}" for i in range(d)])
    rng = np.random.default_rng(0)
    n_terms = ours.fit(np.zeros((1, d))).n_output_features_
    probe = rng.uniform(-2.0, 2.0, size=(2 * n_terms + 16, d))
    theirs = np.asarray(foreign.transform(probe), dtype=np.float64)
    mine = ours.transform(probe)
    if theirs.shape != mine.shape or not np.allclose(theirs, mine, rtol=1e-12, atol=1e-12):
        raise _unsupported(foreign, " (its terms differ from the translation's)")
    if coef.shape != (d, mine.shape[1]):
        raise TypeError(
            f"from_pysindy: coefficients of shape {coef.shape} do not match the {d} states and "
            f"{mine.shape[1]} library terms"
        )
    # Fit on a tiny exact problem to set every attribute, then install PySINDy's coefficients.
    from .optimizers import LeastSquares

    t = np.arange(probe.shape[0], dtype=np.float64)
    sindy = SINDy(feature_library=ours, optimizer=LeastSquares())
    sindy.fit(probe, t=t, x_dot=mine @ coef.T, feature_names=names)
    sindy.target_names_ = sindy._derivative_names()
    sindy._targets_1d = False
    sindy.coef_ = coef.copy()
    sindy.coef_stderr_ = None
    if hasattr(model, "get_feature_names"):  # PySINDy's own names (e.g. ``sin(1 x)``)
        sindy.feature_names_ = [str(n) for n in model.get_feature_names()]
    # Not fitted by sparseid: no optimizer_ (as in models saved by format version 1).
    del sindy.optimizer_
    sindy._compile_rhs()
    if x is None:
        sindy.training_range_ = np.tile([[-1e150], [1e150]], (1, d))
    else:
        states = [np.asarray(xi, dtype=np.float64) for xi in (x if isinstance(x, list) else [x])]
        stacked = np.concatenate([xi.reshape(len(xi), -1) for xi in states])
        if stacked.shape[1] != d:
            raise ValueError(f"from_pysindy: x has {stacked.shape[1]} columns, the model {d}")
        sindy.training_range_ = np.array([stacked.min(axis=0), stacked.max(axis=0)])
    return sindy
