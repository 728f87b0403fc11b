"""Reference dynamical systems: right-hand sides, true coefficients and data generators.

Each system is a small frozen dataclass with its parameters, a right-hand side ``rhs(t, x)``
vectorised over rows of ``x``, a ``jacobian(t, x)``, and ``true_coefficients`` in the term
names of sparseid's polynomial library. The ``make_*`` functions generate sampled trajectories
as DataFrames indexed by time, in the style of scikit-learn's ``make_*`` generators.

References
----------
.. [1] E. N. Lorenz, "Deterministic nonperiodic flow", Journal of the Atmospheric Sciences
   20 (2), 130-141 (1963).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp
from scipy.linalg import expm
from sklearn.utils import check_random_state

from ._maps import SigmoidMap
from ._piecewise import CoulombFriction, PiecewiseLinearFlow, ReluFlow, SeparatingFlow

__all__ = [
    "CoulombFriction",
    "Lorenz",
    "PiecewiseLinearFlow",
    "ReluFlow",
    "RotatingLinear",
    "SeparatingFlow",
    "SigmoidMap",
    "make_lorenz",
    "make_rotating_linear",
    "polynomial_term_names",
]


def polynomial_term_names(names, degree=2, include_bias=True):
    """Names of the monomials up to ``degree``, in the order of the polynomial library.

    Parameters
    ----------
    names : sequence of str
        Variable names.
    degree : int
        Highest total degree.
    include_bias : bool
        Whether the constant term ``1`` comes first.

    Returns
    -------
    list of str

    Examples
    --------
    >>> polynomial_term_names(["x", "y"], 2)
    ['1', 'x', 'y', 'x^2', 'x y', 'y^2']
    """
    terms = ["1"] if include_bias else []
    for k in range(1, degree + 1):
        for combo in combinations_with_replacement(range(len(names)), k):
            powers = {i: combo.count(i) for i in sorted(set(combo))}
            terms.append(
                " ".join(names[i] if p == 1 else f"{names[i]}^{p}" for i, p in powers.items())
            )
    return terms


def _coefficient_frame(terms, variables, feature_names):
    """Rows = targets, columns = feature names; ``terms`` maps target -> {term: value}."""
    columns = list(feature_names) if feature_names is not None else polynomial_term_names(variables)
    frame = pd.DataFrame(0.0, index=list(variables), columns=columns)
    for target, row in terms.items():
        for term, value in row.items():
            if term not in frame.columns:
                raise ValueError(
                    f"the true term {term!r} of d{target}/dt is not among the feature names "
                    f"{columns}; use a library that contains it"
                )
            frame.loc[target, term] = value
    return frame


def _rows(x, d, name):
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] != d or x.ndim > 2:
        raise ValueError(f"{name}: x must have shape ({d},) or (m, {d}), got {x.shape}")
    return x


@dataclass(frozen=True)
class Lorenz:
    """The Lorenz system dx/dt = σ(y − x), dy/dt = x(ρ − z) − y, dz/dt = xy − βz.

    Parameters
    ----------
    sigma, rho, beta : float
        The classic chaotic values 10, 28 and 8/3 by default.

    Examples
    --------
    >>> Lorenz().rhs(0.0, [1.0, 1.0, 1.0])
    array([ 0.        , 26.        , -1.66666667])
    """

    sigma: float = 10.0
    rho: float = 28.0
    beta: float = 8.0 / 3.0
    variables: tuple = field(default=("x", "y", "z"), init=False)

    def rhs(self, t, x):
        """Right-hand side at state(s) ``x`` of shape (3,) or (m, 3)."""
        x = _rows(x, 3, "Lorenz.rhs")
        a, b, c = x[..., 0], x[..., 1], x[..., 2]
        return np.stack(
            [self.sigma * (b - a), a * (self.rho - c) - b, a * b - self.beta * c], axis=-1
        )

    def jacobian(self, t, x):
        """Jacobian ∂f/∂x at a single state, shape (3, 3)."""
        a, b, c = _rows(x, 3, "Lorenz.jacobian")
        return np.array(
            [[-self.sigma, self.sigma, 0.0], [self.rho - c, -1.0, -a], [b, a, -self.beta]]
        )

    def true_coefficients(self, feature_names=None):
        """True coefficients as a DataFrame (rows: x, y, z; columns: library terms).

        Parameters
        ----------
        feature_names : list of str, optional
            The library's term names; by default the degree-2 polynomial terms.
        """
        terms = {
            "x": {"x": -self.sigma, "y": self.sigma},
            "y": {"x": self.rho, "y": -1.0, "x z": -1.0},
            "z": {"x y": 1.0, "z": -self.beta},
        }
        return _coefficient_frame(terms, self.variables, feature_names)


@dataclass(frozen=True)
class RotatingLinear:
    """The linear system dx/dt = A x with a decaying rotation, A = [[-0.1, -1], [1, -0.1]].

    This is the example of MathWorks' neural-ODE tutorial and of the lecture this project
    started from.

    Parameters
    ----------
    matrix : tuple of tuples
        The 2×2 matrix A.

    Examples
    --------
    >>> RotatingLinear().rhs(0.0, [2.0, 0.0])
    array([-0.2,  2. ])
    """

    matrix: tuple = ((-0.1, -1.0), (1.0, -0.1))
    variables: tuple = field(default=("x", "y"), init=False)

    @property
    def A(self):
        return np.array(self.matrix, dtype=np.float64)

    def rhs(self, t, x):
        """Right-hand side A x at state(s) ``x`` of shape (2,) or (m, 2)."""
        return _rows(x, 2, "RotatingLinear.rhs") @ self.A.T

    def jacobian(self, t, x):
        """The constant Jacobian A."""
        return self.A

    def solution(self, t, x0):
        """Exact solution x(t) = expm(A t) x0 at the times ``t``, shape (len(t), 2).

        Through the eigen-decomposition A = V diag(λ) V⁻¹ when V is well conditioned (exact to
        rounding, and a thousand times faster than one matrix exponential per time), else
        through ``scipy.linalg.expm``.
        """
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        x0 = np.asarray(x0, dtype=np.float64)
        eigenvalues, vectors = np.linalg.eig(self.A)
        if np.linalg.cond(vectors) < 1e6:
            weights = vectors * np.linalg.solve(vectors, x0.astype(complex))
            return (weights @ np.exp(np.outer(eigenvalues, t))).real.T
        return expm(t[:, None, None] * self.A) @ x0

    def true_coefficients(self, feature_names=None):
        """True coefficients as a DataFrame (rows: x, y; columns: library terms)."""
        A = self.A
        terms = {
            v: {w: A[i, j] for j, w in enumerate(self.variables) if A[i, j] != 0.0}
            for i, v in enumerate(self.variables)
        }
        return _coefficient_frame(terms, self.variables, feature_names)


def _check_n_samples(n_samples):
    """``n_samples`` as an int; a ValueError unless it is a whole number >= 2."""
    if int(n_samples) != n_samples or n_samples < 2:
        raise ValueError(f"n_samples must be an integer ≥ 2, got {n_samples!r}")
    return int(n_samples)


def _add_noise(values, noise, random_state):
    if noise < 0 or not np.isfinite(noise):
        raise ValueError(f"noise must be a non-negative fraction of each column's std, got {noise}")
    if noise == 0:
        return values
    rng = check_random_state(random_state)
    return values + noise * values.std(axis=0) * rng.standard_normal(values.shape)


def _frame(t, values, variables):
    return pd.DataFrame(values, index=pd.Index(t, name="t"), columns=list(variables))


def make_lorenz(
    n_samples=10_000,
    dt=0.002,
    x0=(-8.0, 8.0, 27.0),
    *,
    noise=0.0,
    random_state=None,
    system=None,
    rtol=1e-12,
    atol=1e-12,
):
    """Sample a Lorenz trajectory.

    Integrates with ``scipy.integrate.solve_ivp`` (DOP853) at tight tolerances and samples at
    ``t = 0, dt, 2 dt, ...``.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    dt : float
        Sampling step.
    x0 : array-like of shape (3,)
        Initial state.
    noise : float
        Standard deviation of added Gaussian noise, as a fraction of each column's std.
    random_state : int, RandomState instance or None
        Seed of the noise.
    system : Lorenz, optional
        Parameters of the system (default: σ=10, ρ=28, β=8/3).
    rtol, atol : float
        Integration tolerances.

    Returns
    -------
    DataFrame of shape (n_samples, 3)
        Columns ``x, y, z``, indexed by time ``t``.

    Examples
    --------
    >>> make_lorenz(5, dt=0.01).shape
    (5, 3)
    """
    system = Lorenz() if system is None else system
    n_samples = _check_n_samples(n_samples)
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt!r}")
    t = np.arange(n_samples) * float(dt)
    sol = solve_ivp(
        system.rhs,
        (t[0], t[-1]),
        np.asarray(x0, dtype=np.float64),
        method="DOP853",
        t_eval=t,
        rtol=rtol,
        atol=atol,
    )
    if not sol.success:  # pragma: no cover - only for extreme parameters
        raise RuntimeError(f"make_lorenz: integration failed: {sol.message}")
    values = _add_noise(sol.y.T, noise, random_state)
    return _frame(t, values, system.variables)


def make_rotating_linear(
    n_samples=2000,
    t_end=15.0,
    x0=(2.0, 0.0),
    *,
    noise=0.0,
    random_state=None,
    system=None,
):
    """Sample the rotating-linear system exactly, from the matrix exponential.

    Parameters
    ----------
    n_samples : int
        Number of equally spaced samples on ``[0, t_end]`` (both ends included).
    t_end : float
        Final time.
    x0 : array-like of shape (2,)
        Initial state.
    noise : float
        Standard deviation of added Gaussian noise, as a fraction of each column's std.
    random_state : int, RandomState instance or None
        Seed of the noise.
    system : RotatingLinear, optional
        The system (default: A = [[-0.1, -1], [1, -0.1]]).

    Returns
    -------
    DataFrame of shape (n_samples, 2)
        Columns ``x, y``, indexed by time ``t``.

    Examples
    --------
    >>> make_rotating_linear(3, t_end=1.0).index.tolist()
    [0.0, 0.5, 1.0]
    """
    system = RotatingLinear() if system is None else system
    n_samples = _check_n_samples(n_samples)
    t = np.linspace(0.0, float(t_end), n_samples)
    values = _add_noise(system.solution(t, x0), noise, random_state)
    return _frame(t, values, system.variables)
