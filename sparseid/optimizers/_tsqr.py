"""Blocked tall-skinny QR (TSQR) of ``[theta | y]`` with a CholeskyQR2 kernel per row block.

The reduction behind :class:`~sparseid.optimizers.SufficientStatistics`: each row block is
factored by CholeskyQR2 (BLAS-3 passes over a block that stays in cache; the first
Cholesky factor usually comes from every 8th row only, so a block costs about two passes), or
by Householder QR when it is too ill-conditioned for that; the small block factors are then
stacked and re-triangularised. Factors are tuples ``(R, Q^T y, residual Gram, squared column
norms, d)`` where ``R`` is the factor of the block divided column-wise by ``d``.

References
----------
.. [1] J. Demmel, L. Grigori, M. Hoemmen and J. Langou, "Communication-optimal parallel and
   sequential QR and LU factorizations", SIAM Journal on Scientific Computing 34 (1),
   A206-A239 (2012).
.. [2] Y. Yamamoto, Y. Nakatsukasa, Y. Yanagisawa and T. Fukaya, "Roundoff error analysis of
   the CholeskyQR2 algorithm", Electronic Transactions on Numerical Analysis 44, 306-326
   (2015).
"""

import numpy as np
from scipy.linalg import blas, lapack, qr, solve_triangular

__all__ = ["block_factor", "householder_factor", "merge_factors"]

# CholeskyQR2 is accurate while the scaled block's condition number stays well below
# eps**-0.5 ~ 7e7 (Yamamoto et al. 2015); beyond that a block goes through Householder QR.
_CHOLQR_MIN_RCOND = 1e-7
# Rows of a long block that estimate its Gram matrix for the first CholeskyQR pass.
_STRIDE = 8


def householder_factor(a_scaled, y):
    """R factor of ``[a_scaled | y]`` by Householder QR, split into (R, Q^T y, residual Gram)."""
    p = a_scaled.shape[1]
    r_aug = qr(np.hstack([a_scaled, y]), mode="r", check_finite=False)[0]
    full = np.zeros((p + y.shape[1], p + y.shape[1]))
    full[: r_aug.shape[0]] = r_aug[: p + y.shape[1]]
    tail = full[p:, p:]
    return full[:p, :p], full[:p, p:], tail.T @ tail


def _cholesky_qr2(a, y, gram, check_orthogonality):
    """CholeskyQR2 of a block from an estimate of its Gram matrix; None where unsuitable.

    Returns (R of a / d, Q^T y, residual Gram, d) with d the column scaling used.
    """
    d = np.sqrt(np.diag(gram))
    if not np.all(d > 0):
        return None
    r1, info = lapack.dpotrf(gram / np.outer(d, d), lower=0, clean=1)
    if info != 0 or lapack.dtrcon(r1, norm="1", uplo="U")[0] <= _CHOLQR_MIN_RCOND:
        return None
    # Q1 = a R1^-1 is nearly orthogonal and a second Gram of Q1 fixes the rest. Multiplying
    # by an explicit triangular inverse (trmm) is twice as fast as trsm and as accurate here,
    # since the second pass absorbs the error of Q1. y rides along as extra rows of
    # [a | y]^T (identity block), so the same syrk also gives Q1^T y.
    p, k = a.shape[1], y.shape[1]
    work = np.empty((p + k, len(a)), order="F")
    work[:p] = a.T
    work[p:] = y.T
    precond = np.eye(p + k)
    precond[:p, :p] = lapack.dtrtri(r1 * d, lower=0)[0]
    work = blas.dtrmm(1.0, precond, work, side=0, lower=0, trans_a=1, overwrite_b=1)
    gram2 = blas.dsyrk(1.0, work)
    q1_gram = gram2[:p, :p]
    if check_orthogonality:
        # With an estimated Gram matrix, accept only a Q1 with cond(Q1) <= 2, so that the
        # second pass alone reaches full accuracy. A non-finite entry the sampled rows missed
        # shows here first: the exact path then carries it to the check of from_arrays.
        if not np.isfinite(q1_gram).all():
            return None
        eig = np.linalg.eigvalsh(q1_gram, UPLO="U")
        if not eig[0] > eig[-1] / 4:
            return None
    r2, info = lapack.dpotrf(q1_gram, lower=0, clean=1)
    if info != 0:
        return None
    r = r2 @ r1
    qty = solve_triangular(r2, gram2[:p, p:], trans="T", check_finite=False)
    beta = solve_triangular(r, qty, check_finite=False) / d[:, None]
    # The residual is formed explicitly: y'y - c'c would cancel when the fit is exact.
    resid = y - a @ beta
    return r, qty, resid.T @ resid, d


def block_factor(a, y):
    """Factor one row block; returns (R of a / d, Q^T y, residual Gram, column norms², d)."""
    n, p = a.shape
    if n >= 16 * _STRIDE * p:
        # A Gram matrix estimated from every _STRIDE-th row is usually a good enough first
        # preconditioner, and saves most of the first of CholeskyQR2's three passes.
        sample = a[::_STRIDE]
        out = _cholesky_qr2(a, y, blas.dsyrk(n / len(sample), sample.T), True)
        if out is not None:
            r, qty, res, d = out
            return r, qty, res, np.einsum("ij,ij->j", r, r) * d**2, d
    gram = blas.dsyrk(1.0, a.T)  # upper triangle of a^T a
    sq = np.diag(gram).copy()
    nonzero = sq > 0
    if not nonzero.all() and nonzero.any():
        # Zero columns would break the Cholesky kernel; their rows and columns of R are zero.
        r_nz, qty_nz, res, _, d_nz = block_factor(np.ascontiguousarray(a[:, nonzero]), y)
        r = np.zeros((p, p))
        r[np.ix_(nonzero, nonzero)] = r_nz
        qty = np.zeros((p, y.shape[1]))
        qty[nonzero] = qty_nz
        d = np.ones(p)
        d[nonzero] = d_nz
        return r, qty, res, sq, d
    out = _cholesky_qr2(a, y, gram, False)
    if out is not None:
        r, qty, res, d = out
        return r, qty, res, sq, d
    d = np.sqrt(sq)
    d[d == 0] = 1.0
    r, qty, res = householder_factor(a / d, y)
    return r, qty, res, sq, d


def merge_factors(factors, scale=None):
    """Stack block factors (each in its own scaling) and re-triangularise them."""
    sq = sum(f[3] for f in factors)
    if scale is None:
        scale = np.sqrt(sq)
        scale[scale == 0] = 1.0
    if len(factors) == 1:
        r, qty, res, _, block_scale = factors[0]
        return r * (block_scale / scale), qty, res, sq, scale
    stacked = np.vstack([f[0] * (f[4] / scale) for f in factors])
    qty = np.vstack([f[1] for f in factors])
    r, qty, tail = householder_factor(stacked, qty)
    return r, qty, sum(f[2] for f in factors) + tail, sq, scale
