"""Sparse relaxed regularised regression (SR3) on sufficient statistics."""

import warnings
from typing import ClassVar

import numpy as np
from scipy.linalg import solve_triangular

from sparseid._params import Bool, Check, Choice, Integer, Real
from sparseid.exceptions import ConvergenceWarning
from sparseid.optimizers._base import BaseOptimizer
from sparseid.optimizers._compressed_problem import coefficients_on_support, working_problem

__all__ = ["SR3"]


def _check_thresholds(owner, name, value):
    if value is None:
        if owner.regularizer == "weighted_l1":
            raise ValueError(
                f"{type(owner).__name__}: {name} must be given (an array of shape "
                "(n_targets, n_features)) when regularizer='weighted_l1'."
            )
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 2 or not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError(
            f"{type(owner).__name__}: {name} must be a 2-D array of finite non-negative "
            f"weights of shape (n_targets, n_features), got {value!r}."
        )
    return value


class SR3(BaseOptimizer):
    """Sparse relaxed regularised regression (SR3).

    Minimises, per target, ``0.5 ||y - X w||^2 + 0.5 ||w - u||^2 / nu + R(u)`` over the
    relaxed coefficients ``w`` and the sparse ones ``u`` by alternating exact updates
    [1]_ [2]_: the ``w``-update solves ``(X^T X + I / nu) w = X^T y + u / nu``, the
    ``u``-update is the proximal operator of ``R`` with step ``nu``:

    - ``"l0"``: hard thresholding, ``u = w`` where ``|w| > threshold``, else 0
      (``R(u) = threshold^2 / (2 nu) ||u||_0``);
    - ``"l1"``: soft thresholding by ``threshold * nu`` (``R(u) = threshold ||u||_1 / 2``);
    - ``"weighted_l1"``: soft thresholding by ``thresholds[i, j] * nu``.

    Iteration starts from the least-squares coefficients and stops when
    ``||u_k - u_{k-1}||_F / nu < tol``. On the sufficient statistics the ``w``-update is one
    triangular solve with the QR factor of ``[R; I / sqrt(nu)]``, computed once: each
    iteration costs O(p^2) whatever the number of samples.

    The parameters map onto PySINDy 2.1's ``SR3`` as ``relax_coeff_nu = nu``,
    ``regularizer = regularizer``, and ``reg_weight_lam = threshold**2 / (2 * nu)`` for
    ``"l0"`` (PySINDy's ``SR3.calculate_l0_weight``), ``threshold`` for ``"l1"`` and
    ``thresholds`` for ``"weighted_l1"``; the other defaults are PySINDy's, so
    ``SR3()`` equals PySINDy's ``SR3()``.

    Parameters
    ----------
    threshold : float, default=0.1
        Hard threshold (``"l0"``) or penalty weight (``"l1"``), on the normalised columns
        when ``normalize_columns`` is true.
    nu : float, default=1.0
        Relaxation: how far ``w`` may stray from ``u``; must be positive.
    regularizer : {"l0", "l1", "weighted_l1"}, default="l0"
        Penalty ``R`` of the sparse coefficients.
    thresholds : array-like of shape (n_targets, n_features), default=None
        Per-coefficient weights of ``"weighted_l1"`` (required for it, ignored otherwise).
    max_iter : int, default=30
        Largest number of iterations; without convergence a
        :class:`~sparseid.exceptions.ConvergenceWarning` is raised.
    tol : float, default=1e-5
        Convergence tolerance on ``||u_k - u_{k-1}||_F / nu``.
    normalize_columns : bool, default=False
        Work on the library columns scaled to unit norm; ``coef_`` is in units of ``X``.
    unbias : bool, default=False
        Refit the final support by ordinary least squares.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Sparse coefficients ``u``.
    coef_full_ : ndarray of shape (n_targets, n_features)
        Relaxed coefficients ``w`` of the last iteration.
    support_ : ndarray of bool, shape (n_targets, n_features)
        Nonzero pattern of ``coef_``.
    n_iter_ : int
        Number of iterations run.
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
    .. [1] P. Zheng, T. Askham, S. L. Brunton, J. N. Kutz and A. Y. Aravkin, "A unified
       framework for sparse relaxed regularized regression: SR3", IEEE Access 7, 1404-1423
       (2019).
    .. [2] K. Champion, P. Zheng, A. Y. Aravkin, S. L. Brunton and J. N. Kutz, "A unified
       sparse optimization framework to learn parsimonious physics-informed models from
       data", IEEE Access 8, 169259-169271 (2020).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import SR3
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = X @ [2.0, 0.0, -0.5, 0.0]
    >>> SR3(threshold=0.1, unbias=True).fit(X, y).coef_.round(6)
    array([[ 2. ,  0. , -0.5,  0. ]])
    """

    # Fitted diagnostics a saved model keeps (see sparseid.models._persistence).
    _json_fitted: ClassVar = {"support_": "bools", "n_iter_": "int", "coef_full_": "float"}

    _parameter_rules: ClassVar = {
        "threshold": Real(minimum=0),
        "nu": Real(minimum=0, closed="right"),
        "regularizer": Choice(("l0", "l1", "weighted_l1")),
        "thresholds": Check(_check_thresholds, "None or an (n_targets, n_features) array"),
        "max_iter": Integer(minimum=1),
        "tol": Real(minimum=0, closed="right"),
        "normalize_columns": Bool(),
        "unbias": Bool(),
    }

    def __init__(
        self,
        threshold=0.1,
        nu=1.0,
        regularizer="l0",
        thresholds=None,
        max_iter=30,
        tol=1e-5,
        normalize_columns=False,
        unbias=False,
    ):
        self.threshold = threshold
        self.nu = nu
        self.regularizer = regularizer
        self.thresholds = thresholds
        self.max_iter = max_iter
        self.tol = tol
        self.normalize_columns = normalize_columns
        self.unbias = unbias

    def _prox(self, w):
        if self.regularizer == "l0":
            return w * (np.abs(w) > self.threshold)
        shrink = self.threshold * self.nu
        if self.regularizer == "weighted_l1":
            shrink = np.asarray(self.thresholds, dtype=np.float64).T * self.nu
        return np.sign(w) * np.maximum(np.abs(w) - shrink, 0.0)

    def _relaxed_update(self, m, b, unit):
        """The map ``u -> w`` solving ``(M^T M + I / nu) w = M^T b + u / nu``."""
        # It is the least-squares problem [M; I/sqrt(nu)] w ~ [b; u/sqrt(nu)]: one QR of the
        # stacked matrix serves every iteration, and each costs one triangular solve.
        p = m.shape[1]
        root = np.sqrt(self.nu)
        q, r = np.linalg.qr(np.vstack([m, np.eye(p) / root]))
        fixed = q[:p].T @ b
        moving = q[p:].T / root

        def update(u):
            return solve_triangular(r, fixed + moving @ u, check_finite=False)

        update.r = r
        return update

    def _fit_statistics(self, stats):
        m, b, _, unit = working_problem(stats, self.normalize_columns)
        p, k = b.shape
        if self.regularizer == "weighted_l1":
            shape = np.shape(self.thresholds)
            if shape != (k, p):
                raise self._error(
                    f"thresholds has shape {shape} but the data need (n_targets, n_features) "
                    f"= ({k}, {p})."
                )
        u = np.linalg.lstsq(m, b, rcond=None)[0]
        update = self._relaxed_update(m, b, unit)
        w = u
        converged = False
        n_iter = 0
        for _ in range(self.max_iter):
            n_iter += 1
            w = update(u)
            new = self._prox(w)
            step = np.linalg.norm(new - u) / self.nu
            u = new
            if step < self.tol:
                converged = True
                break
        if not converged:
            warnings.warn(
                f"{type(self).__name__} did not converge after max_iter={self.max_iter} iterations "
                f"(last change {step:.2e} >= tol={self.tol}); raise max_iter or tol.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.coef_, _ = coefficients_on_support(
            stats, u.T, unit, self.unbias, self._feature_names()
        )
        self.coef_full_ = (w / unit[:, None]).T
        self.support_ = self.coef_ != 0
        self.n_iter_ = n_iter
        return self
