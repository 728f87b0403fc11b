"""Runge–Kutta steps of the linear adjoint equation as precomputed matrices.

The adjoint equation of the interpolated adjoint, da/ds = L(s) a with L = -Δt (∂f/∂z(z(s)))ᵀ,
is linear in a, and z(s) is known before the backward sweep. One explicit Runge–Kutta step of
it is therefore a linear map of its start value: the stages are a_i = R_i a_0 with

    R_1 = I,   R_i = I + h Σ_{j<i} A_ij L_j R_j,

the new value (first same as last) is a_1 = R_s a_0, and the error estimate is
h Σ_i e_i L_i R_i a_0. For a state of a few dimensions these d × d matrices are cheap, and
computed for every row and every observation interval at once (a few batched products) they
leave the sequential sweep one matrix–vector product per interval, instead of one network
vector–Jacobian product per stage. The same matrices give the stage values a_i for the
parameter integral after the sweep, again in one batched product per stage.
"""

import numpy as np

__all__ = ["MAX_MAP_DIM", "apply_maps", "step_maps"]

#: Largest state dimension for which the matrices pay (their cost grows as d³ per row).
MAX_MAP_DIM = 8

# Layout: a batch of n matrices is an array of shape (p, d, n), row index first and the batch
# last, so every numpy call below runs over long contiguous rows; (n, d, d) made the tiny
# innermost loops cost more than the arithmetic.


def apply_maps(M, a, out=None):
    """Column-wise products of a batch of matrices with vectors: M (p, d, n), a (d, n) → (p, n)."""
    out = np.multiply(M[:, 0], a[0], out=out)
    for k in range(1, M.shape[1]):
        out += M[:, k] * a[k]
    return out


def _bmm(X, Y):
    """Batched product of square matrices in the layout (d, d, n)."""
    out = np.empty_like(X)
    for j in range(Y.shape[1]):
        np.multiply(X[:, 0], Y[0, j], out=out[:, j])
        for k in range(1, X.shape[1]):
            out[:, j] += X[:, k] * Y[k, j]
    return out


def step_maps(tableau, JT, scale, h, keep):
    """The matrices of one step of ``tableau`` for the linear equation da/ds = scale · JT a.

    Parameters
    ----------
    tableau : ButcherTableau
        First same as last, with an error estimate.
    JT : sequence of s ndarrays of shape (d, d, n)
        ``JT[i]`` the transposed Jacobian (∂f/∂z)ᵀ at stage i's point, for n rows.
    scale : float or ndarray of shape (n,)
        The factor of the right-hand side (``-Δt`` of the interval, per row or shared).
    h : float
        Step size.
    keep : sequence of int
        Stages whose R_i to return (those with a quadrature weight).

    Returns
    -------
    step : ndarray of shape (2 d, d, n)
        The new value's map R_s stacked over the error estimate's map.
    R : dict
        ``R[i]`` of shape (d, d, n) for i in ``keep`` (``None`` for the first stage, I).
    """
    s = tableau.n_stages
    A, e = tableau.A, tableau.error
    d = JT[0].shape[0]
    L = [J * scale for J in JT]
    Q = [L[0]]  # Q_i = L_i R_i
    R = {0: None}
    E = (h * e[0]) * L[0]
    for i in range(1, s):
        Ri = None
        for j in range(i):
            if A[i, j] != 0.0:
                if Ri is None:
                    Ri = (h * A[i, j]) * Q[j]
                else:
                    Ri += (h * A[i, j]) * Q[j]
        if Ri is None:
            Ri = np.zeros_like(L[0])
        Ri.reshape(d * d, -1)[:: d + 1] += 1.0  # + I
        if i in keep:
            R[i] = Ri
        Q.append(_bmm(L[i], Ri))
        if e[i] != 0.0:
            E += (h * e[i]) * Q[i]
    return np.concatenate([Ri, E]), R
