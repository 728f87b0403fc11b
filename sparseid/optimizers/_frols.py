"""Forward regression with orthogonal least squares (FROLS) on sufficient statistics."""

from typing import ClassVar

import numpy as np

from sparseid._params import Bool, Integer, Real
from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._compressed_problem import (
    coefficients_on_support,
    ridge,
    working_problem,
)

__all__ = ["FROLS"]


# A column whose part orthogonal to the selected terms is this small, relative to its norm,
# lies in their span (to rounding) and is not a candidate.
_DEPENDENT = 1e-12


def _normed_cov(a, b):
    return (a @ b) / (a @ a)


class FROLS(BaseOptimizer):
    """Forward regression with orthogonal least squares: add the best term per step.

    For each target, each step orthogonalises every unselected column against the terms
    selected so far (modified Gram-Schmidt) and adds the one with the largest error reduction
    ratio ``ERR = <w, y>^2 / (||w||^2 ||y||^2)`` [1]_ [2]_. The coefficients of the first ``i``
    terms solve the ridge problem ``min ||A c - g||^2 + alpha ||c||^2`` in the orthogonal
    basis (``A`` the unit triangular change of basis, ``g`` the orthogonal coefficients).
    All inner products are taken in the coordinates of the sufficient statistics' factor,
    where they equal those of the n x p library exactly.

    The model returned for each target is, as in PySINDy 2.1's ``FROLS`` (whose
    coefficients this reproduces), the step ``i <= max_iter`` minimising
    ``loss[i, k] = sum_{k' <= k} ERR[i, k'] + kappa * cond(X) * (i + 1)``, where
    ``ERR[i, k']`` is the error reduction of the term selected at step ``i`` for target
    ``k'`` and the model of step ``i`` holds the first ``i`` selected terms. (PySINDy sums
    the ratios over targets, not over steps; that rule is kept for agreement.)

    Parameters
    ----------
    max_iter : int, default=10
        Largest number of terms considered per target.
    alpha : float, default=0.05
        Ridge penalty of the coefficients in the orthogonal basis.
    kappa : float, default=None
        Weight of the sparsity penalty ``kappa * cond(X)`` per term (0 when None).
    normalize_columns : bool, default=False
        Work on the library columns scaled to unit norm; ``coef_`` is in units of ``X``.
    unbias : bool, default=True
        Refit the chosen support by ordinary least squares.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Coefficients of the chosen models.
    support_ : ndarray of bool, shape (n_targets, n_features)
        Nonzero pattern of ``coef_``.
    order_ : ndarray of int, shape (n_targets, n_steps)
        Library columns in the order they were selected, per target; -1 after the path
        ended because every remaining column lies in the span of the selected ones (zero
        columns are never selected; PySINDy raises on them).
    n_iter_ : int
        Number of selection steps run, ``min(n_features, max_iter + 1)``.
    err_ : ndarray of shape (n_steps, n_targets)
        Error reduction ratio of the term selected at each step.
    loss_ : ndarray of shape (n_features, n_targets)
        The loss the model of each step was chosen by.
    history_ : list of ndarray
        Coefficients (working units) of the model of each step.
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
    .. [1] S. Chen, S. A. Billings and W. Luo, "Orthogonal least squares methods and their
       application to non-linear system identification", International Journal of Control
       50 (5), 1873-1896 (1989).
    .. [2] S. A. Billings, "Nonlinear System Identification: NARMAX Methods in the Time,
       Frequency, and Spatio-Temporal Domains", Wiley (2013).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import FROLS
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = X @ [2.0, 0.0, -0.5, 0.0]
    >>> FROLS(kappa=1e-3).fit(X, y).coef_.round(6)
    array([[ 2. ,  0. , -0.5,  0. ]])
    """

    # Fitted diagnostics a saved model keeps (see sparseid.models._persistence).
    _json_fitted: ClassVar = {
        "support_": "bools",
        "n_iter_": "int",
        "order_": "ints",
        "err_": "float",
        "loss_": "float",
        "history_": "float_arrays",
    }

    _parameter_rules: ClassVar = {
        "max_iter": Integer(minimum=1),
        "alpha": Real(minimum=0),
        "kappa": Real(minimum=0, allow_none=True),
        "normalize_columns": Bool(),
        "unbias": Bool(),
    }

    def __init__(self, max_iter=10, alpha=0.05, kappa=None, normalize_columns=False, unbias=True):
        self.max_iter = max_iter
        self.alpha = alpha
        self.kappa = kappa
        self.normalize_columns = normalize_columns
        self.unbias = unbias

    def _fit_statistics(self, stats):
        m, b, ee, unit = working_problem(stats, self.normalize_columns)
        p, k = b.shape
        penalty = 0.0 if self.kappa is None else self.kappa * np.linalg.cond(m)
        n_steps = min(p, self.max_iter + 1)
        err = np.zeros((p, k))
        order = np.zeros((k, n_steps), dtype=int)
        history = np.zeros((n_steps, k, p))
        for t in range(k):
            order[t], err[:n_steps, t], history[:, t] = self._path(
                m, b[:, t], b[:, t] @ b[:, t] + ee[t], n_steps
            )
        loss = np.cumsum(err, axis=1) + penalty * np.arange(1, p + 1)[:, None]
        best = np.argmin(loss[: self.max_iter + 1], axis=0)
        chosen = history[best, np.arange(k)]
        self.coef_, _ = coefficients_on_support(
            stats, chosen, unit, self.unbias, self._feature_names()
        )
        self.support_ = self.coef_ != 0
        self.order_ = order
        self.err_ = err[:n_steps]
        self.loss_ = loss
        self.history_ = list(history)
        self.n_iter_ = n_steps
        return self

    def _path(self, m, y, yy, n_steps):
        p = m.shape[1]
        basis = np.zeros((p, n_steps))
        a = np.zeros((n_steps, n_steps))
        g = np.zeros(n_steps)
        order = np.full(n_steps, -1)
        ratios = np.zeros(n_steps)
        coefs = np.zeros((n_steps, p))
        n_sel = 0
        for i in range(n_steps):
            used = min(i, n_sel)
            if used:
                c = ridge(a[:used, :used], g[:used], self.alpha)
                coefs[i, order[:used]] = np.where(np.abs(c) < 1e-10, 0.0, c)
            if n_sel < i:
                continue  # no independent column was left: the path has ended
            scores = np.full(p, -np.inf)
            gains = np.zeros(p)
            candidates = np.zeros((p, p))
            for j in range(p):
                if j in order[:i]:
                    continue
                w = m[:, j].copy()
                for r in range(i):
                    w -= _normed_cov(basis[:, r], w) * basis[:, r]
                # A column in the span of the selected ones (or zero) cannot be selected.
                if w @ w <= _DEPENDENT**2 * (m[:, j] @ m[:, j]):
                    continue
                candidates[:, j] = w
                gains[j] = _normed_cov(w, y)
                scores[j] = gains[j] ** 2 * (w @ w) / yy if yy > 0 else 0.0
            if not np.isfinite(scores).any():
                continue
            order[i] = int(np.argmax(scores))
            ratios[i], g[i] = scores[order[i]], gains[order[i]]
            for r in range(i):
                a[r, i] = _normed_cov(basis[:, r], m[:, order[i]])
            a[i, i] = 1.0
            basis[:, i] = candidates[:, order[i]]
            n_sel += 1
        return order, ratios, coefs
