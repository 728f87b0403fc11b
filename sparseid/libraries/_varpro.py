"""Variable projection: the unknown inner constants of library terms (``tanh(c x)``'s ``c``).

The model is ``y ≈ Θ(x; p) ξ`` with ``ξ`` linear and ``p`` the inner constants of some terms.
For fixed ``p`` the best ``ξ`` is a (sparse) linear fit, so the residual is a function of ``p``
alone, which is minimised instead of the joint problem [1]_ [2]_: first on a coarse grid of each
constant (with the model's own sparse optimizer at each point, from the sufficient statistics
of ``Θ(x; p)``), then by ``scipy.optimize.least_squares`` on the residual of the least-squares
fit on the support found there, until the support no longer changes.

The unknown constants are the library parameters left as None (see
:class:`~sparseid.libraries.ParametricLibrary`), found anywhere inside composed libraries by
their nested parameter names (``libraries__1__rate``).

References
----------
.. [1] G. H. Golub and V. Pereyra, "The differentiation of pseudo-inverses and nonlinear least
   squares problems whose variables separate", SIAM Journal on Numerical Analysis 10 (2),
   413-432 (1973).
.. [2] G. H. Golub and V. Pereyra, "Separable nonlinear least squares: the variable projection
   method and its applications", Inverse Problems 19 (2), R1-R26 (2003).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import clone

from ._compose import _ComposedLibrary

__all__ = ["fit_inner_parameters", "free_parameters"]

# Rounds of "refine on a support, refit sparsely" before the support must have settled.
_MAX_ROUNDS = 4


def free_parameters(library, X, prefix=""):
    """The unknown inner constants of ``library`` and of every library inside it.

    Parameters
    ----------
    library : BaseLibrary
        An unfitted library.
    X : ndarray of shape (n_samples, n_inputs)
        The library's input, which sets the scale of the coarse grids.

    Returns
    -------
    list of (str, ndarray, float)
        Nested parameter name, coarse grid and starting value of each unknown constant.
    """
    if isinstance(library, _ComposedLibrary):
        found = []
        for i, part in enumerate(library.libraries):
            found += free_parameters(part, X, f"{prefix}libraries__{i}__")
        return found
    hook = getattr(library, "_free_parameters", None)
    return [] if hook is None else [(prefix + n, g, s) for n, g, s in hook(X)]


class _Problem:
    """The library, data and optimizer; the sparse fit and the projected residual at ``p``."""

    def __init__(self, library, Z, Y, optimizer, names):
        self.library, self.Z, self.Y = library, Z, Y
        self.optimizer, self.names = optimizer, names

    def library_at(self, values):
        return clone(self.library).set_params(**dict(zip(self.names, map(float, values))))

    def theta(self, values):
        with np.errstate(over="ignore", invalid="ignore"):
            theta = self.library_at(values).fit_transform(self.Z, check_input=False)
        return theta if np.all(np.isfinite(theta)) else None

    def sparse_fit(self, values):
        """Residual sum of squares of the optimizer's fit at ``values``, and its support."""
        from ..optimizers import BaseOptimizer, SufficientStatistics

        theta = self.theta(values)
        if theta is None:
            return np.inf, None
        optimizer = clone(self.optimizer)
        with warnings.catch_warnings():
            # Trial constants make collinear or vanishing columns (tanh(c x) ~ c x for a
            # small c); that is a bad trial point, not something to report.
            warnings.simplefilter("ignore")
            try:
                stats = SufficientStatistics.from_arrays(theta, self.Y)
                if isinstance(optimizer, BaseOptimizer):
                    coef = optimizer.fit_statistics(stats).coef_
                else:
                    y = self.Y if self.Y.shape[1] > 1 else self.Y[:, 0]
                    coef = optimizer.fit(theta, y).coef_
            except (ValueError, np.linalg.LinAlgError):
                return np.inf, None
        coef = np.asarray(coef, dtype=np.float64).reshape(self.Y.shape[1], -1)
        rss = float(np.sum(stats.rss(coef)))
        return (rss if np.isfinite(rss) else np.inf), coef != 0

    def residual(self, values, support):
        """Residual of the least-squares fit on ``support`` (n_targets, n_terms), flattened."""
        theta = self.theta(values)
        if theta is None:
            return np.full(self.Y.size, 1e100)
        parts = []
        for i, cols in enumerate(support):
            y = self.Y[:, i]
            if cols.any():
                a = theta[:, cols]
                y = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
            parts.append(y)
        return np.concatenate(parts)


def _grid_search(problem, free):
    """Coordinate-wise coarse grid search; returns the best values, their residual and support."""
    values = np.array([start for _, _, start in free], dtype=np.float64)
    best = problem.sparse_fit(values)
    for _ in range(2 if len(free) > 1 else 1):
        for k, (_, grid, _) in enumerate(free):
            for v in grid:
                trial = values.copy()
                trial[k] = v
                result = problem.sparse_fit(trial)
                if result[0] < best[0]:
                    values, best = trial, result
    return values, best


def fit_inner_parameters(library, Z, Y, optimizer):
    """Find the unknown inner constants of ``library`` by variable projection.

    Parameters
    ----------
    library : BaseLibrary
        An unfitted library, possibly with unknown (None) inner constants.
    Z : ndarray of shape (n_samples, n_inputs)
        Library inputs (validated float64).
    Y : ndarray of shape (n_samples, n_targets)
        Targets.
    optimizer : regressor
        The (unfitted) optimizer of the linear coefficients.

    Returns
    -------
    library : BaseLibrary
        ``library`` itself when nothing is unknown, else a clone holding the found constants.
    found : dict
        Nested parameter name to the constant found (empty when nothing is unknown).

    Raises
    ------
    ValueError
        When no trial value gives a finite fit.
    """
    free = free_parameters(library, Z)
    if not free:
        return library, {}
    from threadpoolctl import threadpool_limits

    # Hundreds of small factorisations: threads of the BLAS only add overhead to each.
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(library, Z, Y, optimizer, free)


def _fit(library, Z, Y, optimizer, free):
    from scipy.optimize import least_squares

    names = [name for name, _, _ in free]
    problem = _Problem(library, Z, Y, optimizer, names)
    values, (rss, support) = _grid_search(problem, free)
    if support is None:
        raise ValueError(
            f"no trial value of the unknown library constant(s) {names} gives a finite fit"
        )
    for _ in range(_MAX_ROUNDS):
        refined = least_squares(
            problem.residual,
            values,
            args=(support,),
            x_scale="jac",
            xtol=1e-15,
            ftol=1e-15,
            gtol=1e-15,
            max_nfev=200 * len(values),
        ).x
        new_rss, new_support = problem.sparse_fit(refined)
        if new_support is None or new_rss > rss:
            break  # the sparse fit at the refined point is no better: keep what we had
        values, rss = refined, new_rss
        if np.array_equal(new_support, support):
            break
        support = new_support
    found = {name: float(v) for name, v in zip(names, values)}
    return problem.library_at(values), found
