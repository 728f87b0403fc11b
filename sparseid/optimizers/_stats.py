"""Sufficient statistics of a linear least-squares problem: a QR factor of the scaled library.

Everything a sparse regression needs from ``(theta, y)`` fits in a few small matrices: the
upper-triangular factor ``R`` of a thin QR of the column-scaled library, ``Q^T y``, and the
cross-product of the full least-squares residual. Each solve on a support then costs O(p^3)
instead of O(n p^2), and statistics of separate chunks add up exactly.
"""

import itertools
import warnings

import numpy as np
from scipy.linalg import lapack, solve_triangular

from sparseid.exceptions import IllConditionedWarning
from sparseid.optimizers._tsqr import block_factor, merge_factors

__all__ = ["SufficientStatistics"]

# Merge pending block factors once this many have accumulated, so memory stays O(p^2).
_MERGE_EVERY = 64
# A support whose scaled factor has a smaller reciprocal condition number is reported.
_WARN_RCOND = 1e-12


class SufficientStatistics:
    """Sufficient statistics of ``min ||y - theta @ coef.T||`` for any support and ridge penalty.

    Holds the upper-triangular factor ``R`` of a thin QR of ``theta / scale``, ``Q^T y``, the
    cross-product of the full least-squares residual and the sample count. Built in one pass
    by a blocked tall-skinny QR (TSQR) with a CholeskyQR2 kernel per block, which falls back to
    Householder QR for blocks too ill-conditioned for it (see ``_tsqr.py``). Statistics of
    disjoint row sets add with ``+`` to the statistics of the stacked rows.

    Parameters
    ----------
    r : ndarray of shape (n_features, n_features)
        Upper-triangular factor of the scaled library.
    qty : ndarray of shape (n_features, n_targets)
        ``Q^T y``.
    residual_gram : ndarray of shape (n_targets, n_targets)
        ``e^T e`` for the residual ``e`` of the full least-squares fit.
    sq_norms : ndarray of shape (n_features,)
        Squared column norms of the unscaled library.
    scale : ndarray of shape (n_features,)
        Column scaling of the factor: ``R`` belongs to ``theta / scale``.
    n_samples : int
        Number of rows summarised.

    Attributes
    ----------
    n_samples, n_features, n_targets : int
        Sizes of the summarised problem.
    column_norms : ndarray of shape (n_features,)
        Euclidean norm of each library column.
    yty : ndarray of shape (n_targets, n_targets)
        ``y^T y``.

    References
    ----------
    .. [1] J. Demmel, L. Grigori, M. Hoemmen and J. Langou, "Communication-optimal parallel and
       sequential QR and LU factorizations", SIAM Journal on Scientific Computing 34 (1),
       A206-A239 (2012).
    .. [2] Y. Yamamoto, Y. Nakatsukasa, Y. Yanagisawa and T. Fukaya, "Roundoff error analysis
       of the CholeskyQR2 algorithm", Electronic Transactions on Numerical Analysis 44,
       306-326 (2015).

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.optimizers import SufficientStatistics
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.normal(size=(100, 3))
    >>> y = theta @ [[1.0], [0.0], [-2.0]]
    >>> stats = SufficientStatistics.from_arrays(theta[:50], y[:50])
    >>> stats = stats + SufficientStatistics.from_arrays(theta[50:], y[50:])
    >>> np.round(stats.solve(), 12) + 0.0
    array([[ 1.,  0., -2.]])
    """

    def __init__(self, r, qty, residual_gram, sq_norms, scale, n_samples):
        self.r = r
        self.qty = qty
        self.residual_gram = residual_gram
        self.sq_norms = sq_norms
        self.scale = scale
        self.n_samples = int(n_samples)

    @classmethod
    def from_arrays(cls, theta, y, *, scale=None, block_size=8192):
        """Summarise ``theta`` and ``y`` in one pass over row blocks.

        Parameters
        ----------
        theta : array-like of shape (n_samples, n_features)
            Library matrix (float64; C-ordered input avoids a copy per block).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        scale : array-like of shape (n_features,), default=None
            Positive column scaling of the stored factor; default: the column norms.
        block_size : int, default=8192
            Rows per block of the tall-skinny QR.

        Returns
        -------
        stats : SufficientStatistics
        """
        theta = np.asarray(theta, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        y = y.reshape(len(y), -1)
        n = theta.shape[0]
        # Evenly sized blocks, so no tiny remainder block is left for the slow fallback.
        n_blocks = max(1, n // block_size)
        bounds = np.linspace(0, n, n_blocks + 1).round().astype(int)
        blocks = ((theta[lo:hi], y[lo:hi]) for lo, hi in itertools.pairwise(bounds))
        return cls.from_blocks(blocks, scale=scale, name="from_arrays")

    @classmethod
    def from_blocks(cls, blocks, *, scale=None, name="from_blocks"):
        """Summarise the stacked rows of ``(theta, y)`` blocks given one at a time.

        The block loop of :meth:`from_arrays`, for blocks that are made on the fly (a streamed
        fit never holds the whole library): each block is factored and dropped, so memory stays
        O(p^2) whatever the number of rows. Blocks of a few thousand rows are fastest.

        Parameters
        ----------
        blocks : iterable of (theta, y)
            Row blocks, ``theta`` of shape (n_i, n_features) and ``y`` of shape (n_i,) or
            (n_i, n_targets), float64.
        scale : array-like of shape (n_features,), default=None
            As in :meth:`from_arrays`.
        name : str, default="from_blocks"
            The method named in error messages.

        Returns
        -------
        stats : SufficientStatistics

        Examples
        --------
        >>> import numpy as np
        >>> from sparseid.optimizers import SufficientStatistics
        >>> theta = np.random.default_rng(0).normal(size=(100, 3))
        >>> blocks = ((theta[i : i + 30], theta[i : i + 30, :1]) for i in range(0, 100, 30))
        >>> SufficientStatistics.from_blocks(blocks).n_samples
        100
        """
        pending, merged, n = [], [], 0
        for theta, y in blocks:
            y = y.reshape(len(y), -1)
            pending.append(block_factor(theta, y))
            n += len(theta)
            if len(pending) == _MERGE_EVERY:
                merged = [merge_factors(merged + pending)]
                pending = []
        if not pending and not merged:
            raise ValueError(f"SufficientStatistics.{name}: no rows were given")
        if scale is not None:
            scale = np.array(scale, dtype=np.float64).reshape(-1)
        r, qty, res, sq, scale = merge_factors(merged + pending, scale)
        if not (np.isfinite(r).all() and np.isfinite(qty).all() and np.isfinite(res).all()):
            raise ValueError(
                f"SufficientStatistics.{name}: theta or y contains NaN or infinity "
                "(or values so large that their squares overflow)."
            )
        return cls(r, qty, res, sq, scale, n)

    @property
    def n_features(self):
        return self.r.shape[1]

    @property
    def n_targets(self):
        return self.qty.shape[1]

    @property
    def column_norms(self):
        return np.sqrt(self.sq_norms)

    @property
    def yty(self):
        return self.qty.T @ self.qty + self.residual_gram

    @property
    def zero_columns(self):
        """Indices of library columns that are identically zero."""
        return np.flatnonzero(self.sq_norms == 0)

    def rescaled(self, scale):
        """The same statistics with ``R`` expressed for another column scaling (exact)."""
        scale = np.asarray(scale, dtype=np.float64)
        r = self.r * (self.scale / scale)
        return type(self)(r, self.qty, self.residual_gram, self.sq_norms, scale, self.n_samples)

    def __add__(self, other):
        if not isinstance(other, SufficientStatistics):
            return NotImplemented
        if other.n_features != self.n_features or other.n_targets != self.n_targets:
            raise ValueError(
                "SufficientStatistics: cannot add statistics of shape "
                f"(p={self.n_features}, k={self.n_targets}) and "
                f"(p={other.n_features}, k={other.n_targets})."
            )
        parts = [(s.r, s.qty, s.residual_gram, s.sq_norms, s.scale) for s in (self, other)]
        keep = self.scale if np.array_equal(self.scale, other.scale) else None
        r, qty, res, sq, scale = merge_factors(parts, keep)
        return type(self)(r, qty, res, sq, scale, self.n_samples + other.n_samples)

    def __radd__(self, other):
        # Lets ``sum(list_of_statistics)`` start from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def _supports(self, support):
        p, k = self.n_features, self.n_targets
        if support is None:
            return np.ones((k, p), dtype=bool)
        support = np.asarray(support, dtype=bool)
        return np.broadcast_to(support, (k, p)) if support.ndim == 1 else support

    def _factor(self, cols, alpha, weights):
        """Triangular factor and rotated right-hand sides of the (ridge) problem on ``cols``."""
        a = self.r[:, cols]
        if alpha > 0:
            penalty = np.sqrt(alpha) * (weights[cols] / self.scale[cols])
            a = np.vstack([a, np.diag(penalty)])
        q, r = np.linalg.qr(a)
        return q[: self.n_features], r

    def solve(self, support=None, alpha=0.0, *, penalty_weights=None, feature_names=None):
        """Least-squares coefficients (n_targets, n_features), in the units of ``theta``.

        Minimises ``||y_i - theta[:, S_i] xi||^2 + alpha ||w[S_i] * xi||^2`` per target ``i``,
        with ``w = penalty_weights`` (default ones: the ridge of the unscaled library).
        Coefficients off the support and of zero columns are 0. Collinear columns on a
        support raise an :class:`~sparseid.exceptions.IllConditionedWarning` naming them and
        give the minimum-norm solution.
        """
        supports = self._supports(support) & (self.sq_norms > 0)
        weights = np.ones(self.n_features) if penalty_weights is None else penalty_weights
        coef = np.zeros((self.n_targets, self.n_features))
        cache = {}
        for i, sup in enumerate(supports):
            cols = np.flatnonzero(sup)
            if cols.size == 0:
                continue
            key = cols.tobytes()
            if key not in cache:
                cache[key] = self._factor(cols, alpha, weights)
            q, r = cache[key]
            rhs = q.T @ self.qty[:, i]
            if lapack.dtrcon(r, norm="1", uplo="U")[0] > _WARN_RCOND:
                eta = solve_triangular(r, rhs, check_finite=False)
            else:
                self._warn_collinear(r, cols, feature_names)
                eta = np.linalg.lstsq(r, rhs, rcond=None)[0]
            coef[i, cols] = eta / self.scale[cols]
        return coef

    def _warn_collinear(self, r, cols, feature_names):
        _, sv, vt = np.linalg.svd(r)
        weak = np.abs(vt[-1]) > 0.1 * np.abs(vt[-1]).max()
        names = (
            cols[weak].tolist()
            if feature_names is None
            else np.asarray(feature_names)[cols[weak]].tolist()
        )
        warnings.warn(
            f"Library columns {names} are (nearly) collinear: the reciprocal condition "
            f"number of the scaled regression matrix is {sv[-1] / sv[0]:.1e}; their "
            "coefficients are poorly determined (minimum-norm solution used). Remove one of "
            "them or add a ridge penalty.",
            IllConditionedWarning,
            stacklevel=3,
        )

    def rss(self, coef):
        """Residual sum of squares ``||y_i - theta @ coef[i]||^2`` of each target, shape (k,)."""
        coef = np.asarray(coef, dtype=np.float64).reshape(self.n_targets, self.n_features)
        fit_gap = self.qty - self.r @ (coef * self.scale).T
        return np.einsum("ij,ij->j", fit_gap, fit_gap) + np.diag(self.residual_gram)

    def residual_sum_of_squares(self, support=None, alpha=0.0):
        """Residual sum of squares of each target after a fit on ``support``, shape (k,)."""
        return self.rss(self.solve(support, alpha))

    def stderr(self, coef):
        """Ordinary least-squares standard errors of ``coef`` on its support, 0 elsewhere.

        ``sigma^2 (R_S^T R_S)^-1`` with ``sigma^2 = RSS / (n - |S|)``, per target; ``inf``
        where the coefficients are undetermined (collinear support, or no residual degrees
        of freedom).
        """
        coef = np.asarray(coef, dtype=np.float64).reshape(self.n_targets, self.n_features)
        rss = self.rss(coef)
        out = np.zeros_like(coef)
        for i, row in enumerate(coef):
            cols = np.flatnonzero(row != 0)
            if cols.size == 0:
                continue
            r = np.linalg.qr(self.r[:, cols], mode="r")
            dof = self.n_samples - cols.size
            if dof <= 0 or lapack.dtrcon(r, norm="1", uplo="U")[0] <= _WARN_RCOND:
                out[i, cols] = np.inf
                continue
            rinv = solve_triangular(r, np.eye(cols.size), check_finite=False)
            variance = rss[i] / dof * np.einsum("ij,ij->i", rinv, rinv)
            out[i, cols] = np.sqrt(variance) / self.scale[cols]
        return out
