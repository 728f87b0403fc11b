"""The covariance of the weak-form residual and the whitening it gives (WENDy's weighting).

For one target ``i`` the weak-form residual is ``r = G xi_i - b_i`` with ``G = Phi W Theta(x)``
and ``b_i = -Phi' W x_i``. Noise ``eps`` in the states moves it, to first order, by
``Phi W (J_i eps) + Phi' W eps_i`` where ``J_i`` is the Jacobian of ``Theta(x) xi_i`` at each
sample. With white noise of standard deviation ``sigma_l`` in state ``l`` the covariance is
``C_i = sum_l sigma_l^2 A_il A_il^T`` with ``A_il = Phi W diag(J_il) + [l = i] Phi' W``:
banded, since test functions far apart do not overlap. Multiplying the weak equations by
``L_i^-1`` (``C_i = L_i L_i^T``) makes their errors uncorrelated with equal variance, so
least squares on the whitened equations is the generalised least-squares estimate [1]_.
"""

import numpy as np
from scipy import linalg, sparse

__all__ = ["state_jacobian", "whiten", "whiten_joint"]

# Relative ridge on the covariance: keeps the Cholesky factorisation well defined when the
# noise estimate is (near) zero in some state.
_RIDGE = 1e-10


def state_jacobian(evaluate, Z, n_states, coef):
    """``J[m, i, l]``: derivative of ``Theta(z) coef_i`` in state ``l`` at each row of ``Z``.

    Central differences of ``evaluate(Z) @ coef.T`` (any library); the relative error
    (~1e-8) is far below what a covariance weight needs.
    """
    k = coef.shape[0]
    jac = np.zeros((len(Z), k, n_states))
    active = np.flatnonzero(np.any(coef != 0, axis=0))
    if active.size == 0:
        return jac
    for ell in range(n_states):
        step = 1e-6 * (1.0 + np.abs(Z[:, ell]))
        plus, minus = Z.copy(), Z.copy()
        plus[:, ell] += step
        minus[:, ell] -= step
        diff = (evaluate(plus)[:, active] - evaluate(minus)[:, active]) @ coef[:, active].T
        jac[:, :, ell] = diff / (2 * step[:, None])
    return jac


def library_derivatives(evaluate, Z, n_states):
    """``D[m, j, l]``: derivative of library column ``j`` in state ``l`` at each row of ``Z``."""
    cols = []
    for ell in range(n_states):
        step = 1e-6 * (1.0 + np.abs(Z[:, ell]))
        plus, minus = Z.copy(), Z.copy()
        plus[:, ell] += step
        minus[:, ell] -= step
        cols.append((evaluate(plus) - evaluate(minus)) / (2 * step[:, None]))
    return np.stack(cols, axis=2)


def _banded_lower(c):
    """Lower banded storage ``ab[i - j, j] = c[i, j]`` of a symmetric sparse matrix."""
    c = sparse.coo_array(sparse.tril(c))
    band = int((c.row - c.col).max()) if c.nnz else 0
    ab = np.zeros((band + 1, c.shape[0]))
    ab[c.row - c.col, c.col] = c.data
    return ab


def whiten(phi, dphi, jac_i, sigma, i, G, b, dtheta=None):
    """Whitened ``(L^-1 G, L^-1 b)`` for target ``i`` of one piece (see the module docstring).

    Parameters
    ----------
    phi, dphi : sparse (K, n)
        Quadrature matrices of the test functions and their derivatives.
    jac_i : ndarray of shape (n, d)
        Jacobian of target ``i``'s current right-hand side in each state, at each sample.
    sigma : ndarray of shape (d,)
        Noise standard deviation of each state.
    i : int
        The target (which state's derivative).
    G : ndarray of shape (K, p)
        Weak library.
    b : ndarray of shape (K,)
        Weak target.
    dtheta : ndarray of shape (n, p, d), optional
        Derivative of each library column in each state at each sample: with it, also the
        bias terms of the whitened normal equations (see :func:`bias_terms`).

    Returns
    -------
    Gw, bw : ndarray
        The whitened equations.
    bias : tuple of ndarray or None
        ``(E[dG^T dG], E[dG^T db])`` of the whitened equations, or None.
    """
    cov = None
    for ell, s in enumerate(sigma):
        if s == 0:
            continue
        a = phi @ sparse.diags_array(jac_i[:, ell])
        if ell == i:
            a = a + dphi
        term = (s * s) * (a @ a.T)
        cov = term if cov is None else cov + term
    if cov is None:  # no measurable noise anywhere: ordinary least squares
        return G, b, None
    ab = _banded_lower(cov)
    top = ab[0].max()
    if not (np.isfinite(ab).all() and top > 0):
        return G, b, None  # no usable covariance: ordinary least squares
    factor = None
    for ridge in (_RIDGE, 1e3 * _RIDGE, 1e6 * _RIDGE):
        trial = ab.copy()
        trial[0] += ridge * top
        try:
            factor = linalg.cholesky_banded(trial, lower=True, check_finite=False)
            break
        except linalg.LinAlgError:
            continue
    if factor is None:  # pragma: no cover - a covariance this degenerate was not met
        return G, b, None
    band = factor.shape[0] - 1
    rhs = np.column_stack([G, b])
    out = linalg.solve_banded((band, 0), factor, rhs, check_finite=False)
    bias = None
    if dtheta is not None:
        wphi = linalg.solve_banded((band, 0), factor, phi.toarray(), check_finite=False)
        wdphi = linalg.solve_banded((band, 0), factor, dphi.toarray(), check_finite=False)
        bias = bias_terms(wphi, wdphi, dtheta, sigma, i)
    return out[:, :-1], out[:, -1], bias


def bias_terms(wphi, wdphi, dtheta, sigma, i):
    """Expected noise products of the whitened weak equations (errors in the library).

    With ``dG = L^-1 Phi W (dTheta eps)`` and ``db = -L^-1 Phi' W eps_i`` (first order in the
    noise ``eps``), ``E[dG^T dG]_jk = sum_l sigma_l^2 sum_m dTheta_jl dTheta_kl a_m`` and
    ``E[dG^T db]_j = -sigma_i^2 sum_m dTheta_ji c_m``, where ``a_m`` and ``c_m`` are the column
    products of ``L^-1 Phi W`` with itself and with ``L^-1 Phi' W``. Subtracting them from the
    normal equations removes the attenuation that noise in the library columns causes
    (corrected least squares for errors in variables).
    """
    a = np.einsum("km,km->m", wphi, wphi)
    c = np.einsum("km,km->m", wphi, wdphi)
    p = dtheta.shape[1]
    gg = np.zeros((p, p))
    for ell, s in enumerate(sigma):
        if s > 0:
            d = dtheta[:, :, ell]
            gg += (s * s) * (d.T @ (d * a[:, None]))
    gb = -(sigma[i] ** 2) * (dtheta[:, :, i].T @ c)
    return gg, gb


def _banded_factor(cov):
    """Lower banded Cholesky factor of a sparse symmetric covariance (or None when unusable)."""
    ab = _banded_lower(cov)
    top = ab[0].max() if ab.size else 0.0
    if not (np.isfinite(ab).all() and top > 0):
        return None
    for ridge in (_RIDGE, 1e3 * _RIDGE, 1e6 * _RIDGE):
        trial = ab.copy()
        trial[0] += ridge * top
        try:
            return linalg.cholesky_banded(trial, lower=True, check_finite=False)
        except linalg.LinAlgError:
            continue
    return None  # pragma: no cover - a covariance this degenerate was not met


def whiten_joint(phi, dphi, jac, sigma, G, B):
    """Whitened weak equations of all targets together, with their joint covariance.

    The noise of state ``l`` enters the residual of every target ``i`` (through
    ``A_il = Phi W diag(J_il) + [l = i] Phi' W``), so the residuals of different targets are
    correlated: ``Cov(r_i, r_j) = sum_l sigma_l^2 A_il A_jl^T``. WENDy whitens the stacked
    residual of all targets with this joint covariance [1]_. The equations are interleaved
    (test function ``k``, then target ``i``: row ``k d + i``), which keeps the joint covariance
    banded, so its Cholesky factor ``L`` is banded too.

    Parameters
    ----------
    phi, dphi : sparse (K, n)
    jac : ndarray of shape (n, d, d)
        ``jac[m, i, l]``: derivative of target ``i``'s right-hand side in state ``l``.
    sigma : ndarray of shape (d,)
    G : ndarray of shape (K, p)
    B : ndarray of shape (K, d)

    Returns
    -------
    X : list of d ndarrays of shape (d K, p) or None
        ``L^-1`` times the design of target ``i`` (``G`` in the rows of target ``i``, zero
        elsewhere); None when there is no usable covariance (no measurable noise).
    y : ndarray of shape (d K,)
        ``L^-1`` times the interleaved weak targets.

    References
    ----------
    .. [1] D. M. Bortz, D. A. Messenger and V. Dukic, "Direct estimation of parameters in ODE
       models using WENDy", Bulletin of Mathematical Biology 85, 110 (2023).
    """
    k, d = B.shape
    p = G.shape[1]
    if not np.any(sigma > 0):
        return None, None
    a = [
        [phi @ sparse.diags_array(jac[:, i, ell]) + (dphi if ell == i else 0) for ell in range(d)]
        for i in range(d)
    ]
    blocks = [[None] * d for _ in range(d)]
    for i in range(d):
        for j in range(i, d):
            c = sum((s * s) * (a[i][ell] @ a[j][ell].T) for ell, s in enumerate(sigma) if s > 0)
            blocks[i][j] = c if j != i else (c + c.T) / 2
            if j != i:
                blocks[j][i] = c.T
    cov = sparse.block_array(blocks, format="csr")
    order = (np.arange(k)[:, None] + k * np.arange(d)[None, :]).reshape(-1)  # interleave
    cov = cov[order][:, order]
    factor = _banded_factor(cov)
    if factor is None:
        return None, None
    rhs = np.zeros((d * k, d * p + 1))
    for i in range(d):
        rhs[i::d, i * p : (i + 1) * p] = G
    rhs[:, -1] = B.reshape(-1)
    out = linalg.solve_banded((factor.shape[0] - 1, 0), factor, rhs, check_finite=False)
    return [out[:, i * p : (i + 1) * p] for i in range(d)], out[:, -1]
