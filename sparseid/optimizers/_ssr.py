"""Stepwise sparse regression (SSR) on sufficient statistics."""

from typing import ClassVar

import numpy as np

from sparseid._params import Bool, Choice, Integer, Real
from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._compressed_problem import (
    coefficients_on_support,
    ridge,
    working_problem,
)

__all__ = ["SSR"]


def best_step(errors, kappa):
    """Index of the chosen model along a path of total errors (PySINDy 2.1's rule).

    With ``kappa`` the smallest penalised error; without, the step after which the error
    grows most, by ratio: the "elbow" of the error curve.
    """
    errors = np.asarray(errors, dtype=np.float64)
    if kappa is not None:
        return int(np.argmin(errors))
    rev = errors[::-1]
    if np.any(rev == 0):
        return len(errors) - 1 - int(np.argmin(rev))
    return len(errors) - 2 - int(np.argmax(rev[:-1] / rev[1:]))


class SSR(BaseOptimizer):
    """Stepwise sparse regression: remove one term per target per step, keep the best model.

    Starting from the ridge fit on every term, each step removes one term of every target
    that has more than one (``criteria="coefficient_value"``: the smallest coefficient;
    ``"model_residual"``: the term whose removal leaves the smallest residual) and refits
    the rest by ridge regression [1]_. Among the models of the path, the one returned is
    the minimiser of ``RSS + kappa * cond(X) * nnz`` when ``kappa`` is given, otherwise the
    model after which the total residual sum of squares grows by the largest factor. All
    solves act on the p x p factor of the sufficient statistics. Parameters mean what they
    mean in PySINDy 2.1's ``SSR``, and give the same coefficients.

    Parameters
    ----------
    alpha : float, default=0.05
        Ridge penalty of every refit (on the normalised columns when ``normalize_columns``).
    max_iter : int, default=20
        Largest number of removal steps.
    criteria : {"coefficient_value", "model_residual"}, default="coefficient_value"
        Which term each step removes.
    kappa : float, default=None
        Weight of the sparsity penalty ``kappa * cond(X) * nnz`` used to choose along the path.
    normalize_columns : bool, default=False
        Work on the library columns scaled to unit norm; ``coef_`` is in units of ``X``.
    unbias : bool, default=True
        Refit the chosen support by ordinary least squares.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Coefficients of the chosen model.
    support_ : ndarray of bool, shape (n_targets, n_features)
        Nonzero pattern of ``coef_``.
    history_ : list of ndarray
        Coefficients (in the working units) after each step, the first being the full fit.
    err_history_ : ndarray of shape (n_steps + 1,)
        Total (penalised) residual sum of squares along the path.
    n_iter_ : int
        Number of removal steps run.
    coef_stderr_ : ndarray of shape (n_targets, n_features)
        Ordinary least-squares standard error of each nonzero coefficient, 0 elsewhere.
    stats_ : SufficientStatistics
        The statistics the model was fitted from.
    n_features_in_ : int
        Number of library columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.

    References
    ----------
    .. [1] L. Boninsegna, F. Nüske and C. Clementi, "Sparse learning of stochastic dynamical
       equations", The Journal of Chemical Physics 148, 241723 (2018).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import SSR
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = X @ [2.0, 0.0, -0.5, 0.0] + 0.01 * rng.normal(size=200)
    >>> SSR(alpha=0.0).fit(X, y).coef_.round(2)
    array([[ 2. ,  0. , -0.5,  0. ]])
    """

    # Fitted diagnostics a saved model keeps (see sparseid.models._persistence).
    _json_fitted: ClassVar = {
        "support_": "bools",
        "n_iter_": "int",
        "history_": "float_arrays",
        "err_history_": "float",
    }

    _parameter_rules: ClassVar = {
        "alpha": Real(minimum=0),
        "max_iter": Integer(minimum=1),
        "criteria": Choice(("coefficient_value", "model_residual")),
        "kappa": Real(minimum=0, allow_none=True),
        "normalize_columns": Bool(),
        "unbias": Bool(),
    }

    def __init__(
        self,
        alpha=0.05,
        max_iter=20,
        criteria="coefficient_value",
        kappa=None,
        normalize_columns=False,
        unbias=True,
    ):
        self.alpha = alpha
        self.max_iter = max_iter
        self.criteria = criteria
        self.kappa = kappa
        self.normalize_columns = normalize_columns
        self.unbias = unbias

    def _fit_statistics(self, stats):
        m, b, ee, unit = working_problem(stats, self.normalize_columns)
        p, k = b.shape
        penalty = 0.0 if self.kappa is None else self.kappa * np.linalg.cond(m)

        def rss(coef, i):
            gap = b[:, i] - m @ coef
            return gap @ gap + ee[i]

        def total(coef):
            return sum(rss(coef[i], i) for i in range(k)) + penalty * np.count_nonzero(coef)

        coef = ridge(m, b, self.alpha).T
        active = np.ones((k, p), dtype=bool)
        history, errors = [coef.copy()], [total(coef)]
        n_iter = 0
        for _ in range(self.max_iter):
            n_iter += 1
            for i in range(k):
                if self.criteria == "coefficient_value":
                    nonzero = np.flatnonzero(coef[i])
                    if nonzero.size == 0:
                        continue
                    drop = nonzero[np.argmin(np.abs(coef[i, nonzero]))]
                else:
                    cols = np.flatnonzero(active[i])
                    if cols.size < 2:
                        continue
                    err = [
                        rss(self._refit(m, b[:, i], p, np.delete(cols, j)), i)
                        for j in range(cols.size)
                    ]
                    drop = cols[int(np.argmin(err))]
                coef[i, drop] = 0.0
                active[i, drop] = False
                coef[i] = self._refit(m, b[:, i], p, np.flatnonzero(active[i]))
            history.append(coef.copy())
            errors.append(total(coef))
            if np.all(active.sum(axis=1) <= 1):
                break
        chosen = history[best_step(errors, self.kappa)]
        self.coef_, _ = coefficients_on_support(
            stats, chosen, unit, self.unbias, self._feature_names()
        )
        self.support_ = self.coef_ != 0
        self.history_ = history
        self.err_history_ = np.array(errors)
        self.n_iter_ = n_iter
        return self

    def _refit(self, m, b, p, cols):
        coef = np.zeros(p)
        coef[cols] = ridge(m[:, cols], b, self.alpha)
        return coef
