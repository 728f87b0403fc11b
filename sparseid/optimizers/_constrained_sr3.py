"""SR3 with linear equality constraints on the coefficients, on sufficient statistics."""

from typing import ClassVar

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import nnls

from sparseid._params import Bool, Check
from sparseid.optimizers._sr3 import SR3

__all__ = ["ConstrainedSR3"]


def _check_constraint(owner, name, value):
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    ndim = 2 if name == "constraint_lhs" else 1
    if arr is None or arr.ndim != ndim or not np.isfinite(arr).all():
        raise ValueError(
            f"{type(owner).__name__}: {name} must be None or a finite {ndim}-D array, "
            f"got {value!r}."
        )
    if name == "constraint_rhs":
        lhs = owner.constraint_lhs
        if (lhs is None) or np.shape(lhs)[0] != arr.shape[0]:
            rows = None if lhs is None else np.shape(lhs)[0]
            raise ValueError(
                f"{type(owner).__name__}: constraint_rhs has {arr.shape[0]} entries but "
                f"constraint_lhs has {rows} rows; give both, with one entry per row."
            )
    return value


class ConstrainedSR3(SR3):
    """SR3 whose relaxed coefficients satisfy linear constraints ``C xi = d`` (or ``<= d``).

    As :class:`SR3`, except that the ``w``-update solves the equality-constrained problem
    ``min 0.5 ||y - X w||^2 + 0.5 ||w - u||^2 / nu`` subject to ``C vec(w) = d`` through its
    KKT system on the sufficient statistics [1]_: the unconstrained solution is corrected by
    ``H^-1 C^T lambda`` with ``(C H^-1 C^T) lambda = C w0 - d`` and
    ``H = X^T X + I / nu`` applied through the factor of :class:`SR3`. ``vec(w)`` stacks the
    coefficients target by target, ``coef_.ravel()``: entry ``i * n_features + j`` is the
    coefficient of term ``j`` in target ``i``; the constraints are on coefficients in units of
    ``X`` also when ``normalize_columns`` is true. ``coef_full_`` (the relaxed coefficients)
    satisfies the constraints; the sparse ``coef_`` does so when the thresholding keeps the
    constrained terms. With ``inequality_constraints=True`` the constraints are
    ``C vec(w) <= d`` and the update is the projection of ``w0`` onto them in the metric of
    ``H``, whose dual is a non-negative least-squares problem (``scipy.optimize.nnls``).

    Parameters
    ----------
    threshold, nu, regularizer, thresholds, max_iter, tol, normalize_columns
        As for :class:`SR3`.
    constraint_lhs : array-like of shape (n_constraints, n_targets * n_features), default=None
        ``C``; without it the model is :class:`SR3`.
    constraint_rhs : array-like of shape (n_constraints,), default=None
        ``d``.
    unbias : bool, default=False
        Refit the final support by ordinary least squares (only without constraints, since
        the refit would not keep them).
    inequality_constraints : bool, default=False
        Read the constraints as ``C vec(w) <= d`` instead of ``C vec(w) = d``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
        Sparse coefficients ``u``.
    coef_full_ : ndarray of shape (n_targets, n_features)
        Relaxed coefficients ``w``, which satisfy the constraints.
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
    .. [1] K. Champion, P. Zheng, A. Y. Aravkin, S. L. Brunton and J. N. Kutz, "A unified
       sparse optimization framework to learn parsimonious physics-informed models from
       data", IEEE Access 8, 169259-169271 (2020).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import ConstrainedSR3
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ [2.0, 0.0, -0.5] + 0.1 * rng.normal(size=200)
    >>> opt = ConstrainedSR3(constraint_lhs=[[1.0, 0.0, 1.0]], constraint_rhs=[1.5])
    >>> coef = opt.fit(X, y).coef_full_
    >>> round(float(coef[0, 0] + coef[0, 2]), 12)
    1.5
    """

    _parameter_rules: ClassVar = {
        **SR3._parameter_rules,
        "constraint_lhs": Check(_check_constraint, "None or an (m, n_targets * n_features) array"),
        "constraint_rhs": Check(_check_constraint, "None or an (m,) array"),
        "inequality_constraints": Bool(),
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
        constraint_lhs=None,
        constraint_rhs=None,
        inequality_constraints=False,
    ):
        super().__init__(
            threshold=threshold,
            nu=nu,
            regularizer=regularizer,
            thresholds=thresholds,
            max_iter=max_iter,
            tol=tol,
            normalize_columns=normalize_columns,
            unbias=unbias,
        )
        self.constraint_lhs = constraint_lhs
        self.constraint_rhs = constraint_rhs
        self.inequality_constraints = inequality_constraints

    def _check_params(self):
        values = super()._check_params()
        if self.constraint_lhs is not None and self.constraint_rhs is None:
            raise ValueError(f"{type(self).__name__}: constraint_lhs needs constraint_rhs.")
        if self.constraint_lhs is not None and self.unbias:
            raise ValueError(
                f"{type(self).__name__}: unbias=True would refit without the constraints; "
                "set unbias=False when constraint_lhs is given."
            )
        return values

    def _relaxed_update(self, m, b, unit):
        plain = super()._relaxed_update(m, b, unit)
        if self.constraint_lhs is None:
            return plain
        p, k = b.shape
        lhs = np.asarray(self.constraint_lhs, dtype=np.float64)
        rhs = np.asarray(self.constraint_rhs, dtype=np.float64)
        if lhs.shape[1] != k * p:
            raise self._error(
                f"constraint_lhs has {lhs.shape[1]} columns but the data have "
                f"n_targets * n_features = {k} * {p} = {k * p} coefficients."
            )
        # Working coefficients are c = xi * unit, so C xi = (C / unit) c.
        blocks = (lhs / np.tile(unit, k)).reshape(len(lhs), k, p)
        r = plain.r
        # With H = R^T R per target, C H^-1 C^T = S^T S for S = [R^-T C_i^T]_i.
        s = np.concatenate([solve_triangular(r, blk.T, trans="T") for blk in blocks.swapaxes(0, 1)])
        qs, rs = np.linalg.qr(s)
        if np.abs(np.diag(rs)).min() <= 1e-12 * np.abs(np.diag(rs)).max():
            raise self._error("constraint_lhs has linearly dependent rows (on the data's terms).")
        # H^-1 C^T = R^-1 S (per target), so w = w0 - R^-1 S lambda.
        correction = [solve_triangular(r, s[i * p : (i + 1) * p]) for i in range(k)]

        def update(u):
            w0 = plain(u)
            gap = np.einsum("mkp,pk->m", blocks, w0) - rhs
            if self.inequality_constraints:
                # The projection (in the metric of H) onto {C w <= d} has the dual
                # min_{lambda >= 0} ||S lambda - t||^2 with S^T t = C w0 - d: a
                # non-negative least-squares problem.
                lam = nnls(s, qs @ solve_triangular(rs, gap, trans="T"))[0]
            else:
                lam = solve_triangular(rs, solve_triangular(rs, gap, trans="T"))
            return w0 - np.stack([c @ lam for c in correction], axis=1)

        update.r = r
        return update
