"""Explicit Runge–Kutta methods as data: a Butcher tableau and what the engine derives from it.

A solver is nothing but a :class:`ButcherTableau`; the one integration engine
(:mod:`sparseid.ode._engine`), both gradients and the step-size controller read everything they
need from it. Adding a method is one small file holding its coefficients.
"""

from __future__ import annotations

import copy

import numpy as np

__all__ = ["ButcherTableau"]

_POWERS = np.arange(1, 5)


def _hermite_dense(b, n_stages):
    """Cubic Hermite dense output of a first-same-as-last method, as weights of the stages.

    With y1 = y0 + h Σ b_i k_i and the last stage k_s = f(y1), the cubic through (y0, f(y0))
    and (y1, f(y1)) is y0 + h Σ_i k_i (P[i] · [θ, θ², θ³, θ⁴]).
    """
    P = np.zeros((n_stages, 4))
    P += np.outer(b, [0.0, 3.0, -2.0, 0.0])
    P[0] += [1.0, -2.0, 1.0, 0.0]
    P[-1] += [0.0, -1.0, 1.0, 0.0]
    return P


class ButcherTableau:
    """The coefficients of an explicit Runge–Kutta method.

    Parameters
    ----------
    name : str
        The solver's name (``"dopri5"``, ``"rk4"``, ...).
    A : array-like of shape (s, s)
        Strictly lower-triangular stage coefficients.
    b : array-like of shape (s,)
        Weights of the solution.
    order : int
        Order of the solution.
    error : array-like of shape (s,), optional
        ``b - b̂``: weights of the local error estimate (the difference between the solution and
        its embedded lower-order companion). Methods with one are adaptive.
    error_order : int, optional
        Order of the embedded solution (sets the step controller's exponent).
    dense : array-like of shape (s, 4), optional
        Continuous extension ``y(t0 + θh) = y0 + h Σ_i k_i (dense[i] · [θ, θ², θ³, θ⁴])``. An
        adaptive first-same-as-last method without one gets the cubic Hermite interpolant.
    fsal : bool, default=False
        First same as last: the last stage is evaluated at the new state, so it is the next
        step's first stage.

    Attributes
    ----------
    n_stages : int
    c : ndarray of shape (s,)
        The stage times (row sums of ``A``).
    adaptive : bool
        Whether the method has an error estimate (and dense output).
    single : list of tuple or None
        For each stage fed by exactly one earlier stage, ``(k, a)``; the engine then forms the
        stage input with one product.

    Examples
    --------
    >>> import numpy as np
    >>> heun = ButcherTableau("heun", [[0, 0], [1, 0]], [0.5, 0.5], order=2)
    >>> heun.n_stages, heun.c.tolist(), heun.adaptive
    (2, [0.0, 1.0], False)
    """

    def __init__(self, name, A, b, *, order, error=None, error_order=None, dense=None, fsal=False):
        self.name = str(name)
        self.A = np.asarray(A, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)
        self.n_stages = len(self.b)
        if self.A.shape != (self.n_stages, self.n_stages) or np.any(np.triu(self.A) != 0):
            raise ValueError(f"{name}: A must be strictly lower triangular of shape (s, s)")
        self.c = self.A.sum(axis=1)
        self.order = int(order)
        self.fsal = bool(fsal)
        if self.fsal and not np.allclose(self.A[-1], self.b, rtol=0, atol=1e-15):
            raise ValueError(f"{name}: a first-same-as-last method has its last row of A equal b")
        self.error = None if error is None else np.asarray(error, dtype=np.float64)
        self.adaptive = self.error is not None
        self.error_order = None if error_order is None else int(error_order)
        if self.adaptive and self.error_order is None:
            raise ValueError(f"{name}: an adaptive method needs its error_order")
        if dense is None and self.adaptive and self.fsal:
            dense = _hermite_dense(self.b, self.n_stages)
        self.dense = None if dense is None else np.asarray(dense, dtype=np.float64)
        if self.adaptive and self.dense is None:
            raise ValueError(f"{name}: an adaptive method needs dense output (or to be FSAL)")
        self.single = [
            (int(np.flatnonzero(row)[0]), float(row[np.flatnonzero(row)[0]]))
            if np.count_nonzero(row) == 1
            else None
            for row in self.A
        ]

    def as_dtype(self, dtype):
        """This method with its coefficients in ``dtype`` (itself for float64; cached).

        The engine integrates float32 states with float32 coefficients, so no product
        promotes the stages back to float64.
        """
        dtype = np.dtype(dtype)
        if dtype == self.A.dtype:
            return self
        cache = self.__dict__.setdefault("_cast", {})
        if dtype not in cache:
            other = copy.copy(self)
            for name in ("A", "b", "c", "error", "dense"):
                value = getattr(self, name)
                setattr(other, name, None if value is None else value.astype(dtype))
            other._cast = {}
            cache[dtype] = other
        return cache[dtype]

    @property
    def controller_exponent(self):
        """Exponent of the error ratio in the step-size update, -1 / (error_order + 1)."""
        return -1.0 / (self.error_order + 1)

    def dense_weights(self, theta):
        """Weights W of shape (len(theta), s) with y(t0 + θh) = y0 + h W @ K."""
        return (theta[:, None] ** _POWERS).astype(self.dense.dtype, copy=False) @ self.dense.T

    def __repr__(self):
        return f"ButcherTableau({self.name!r}, stages={self.n_stages}, order={self.order})"
