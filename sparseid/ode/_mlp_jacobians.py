"""Jacobians of an :class:`~sparseid.ode.MLP` and its parameter integral around a narrow state.

What the interpolated adjoint's step matrices (:mod:`._adjoint_maps`) need: the input
Jacobians at many points from the activations' derivatives, and Σ_k v_kᵀ ∂f/∂θ(z_k) arranged so
that no (points × width) array is written.
"""

import numpy as np

from ._workspace import flat_buffer

__all__ = ["input_jacobians", "weighted_param_grad"]

_ROWS = 2048


def input_jacobians(mlp, params, factors, workspace=None):
    """Transposed Jacobians (∂f/∂z)ᵀ at the points of :meth:`MLP.vjp_factors`' ``factors``.

    Returns ``JT`` of shape ``(n_in, n_out, n)``, the points last:
    ``JT[i, o, k] = ∂f_o/∂z_i`` at point k. One hidden layer costs one product
    ``Cᵀ σ'(u)ᵀ`` with ``C[h, (i, o)] = W_1[h, i] W_2[o, h]``.
    """
    n = len(factors[0])
    (W1, _), (W_out, _) = params[0], params[-1]
    n_in, n_out = W1.shape[1], W_out.shape[0]
    if len(params) == 2:
        C = (W1[:, :, None] * W_out.T[:, None, :]).reshape(len(W1), n_in * n_out)
        out = flat_buffer(workspace, "jacobians", (n_in * n_out, n), factors[0].dtype)
        return np.matmul(C.T, factors[0].T, out=out).reshape(n_in, n_out, n)
    G = factors[0][:, None, :] * W1.T[None]  # (n, n_in, width of layer 1)
    for layer in range(1, len(params) - 1):
        W = params[layer][0]
        G = (G.reshape(-1, W.shape[1]) @ W.T).reshape(n, n_in, -1)
        G *= factors[layer][:, None, :]
    J = (G.reshape(-1, W_out.shape[1]) @ W_out.T).reshape(n, n_in * n_out)
    return np.ascontiguousarray(J.T).reshape(n_in, n_out, n)


def weighted_param_grad(mlp, params, cache, factors, VT, out):
    """Add Σ_k v_kᵀ ∂f/∂θ(z_k) over the points of ``cache`` to ``out``; ``VT`` is (n_out, n).

    For one hidden layer of a slope-free activation the product is arranged around the
    narrow state: with δ = (V W_2) ∘ σ', ∂/∂W_1 = δᵀ z is Σ_o W_2[o] ∘ (σ'ᵀ (V_o z)), one
    product of σ'ᵀ with the n × n_out (n_in + 1) array of V_o z_i (and V_o for the bias),
    so no n × width array is written.
    """
    if len(params) != 2 or mlp.slope_slices:
        deltas = mlp.vjp(params, cache, VT.T, need_input=False)[1]
        return mlp.param_grad([cache], [deltas], out)
    z, h = cache[0], cache[1]
    (w1, shape1, b1), (w2, shape2, b2) = mlp.slices
    n_out, width = shape2
    n_in = shape1[1]
    Q = np.zeros((n_out * (n_in + 1), width), z.dtype)
    # in chunks of rows: small temporaries stay in cache and cost no page faults
    for lo in range(0, len(z), _ROWS):
        rows = slice(lo, lo + _ROWS)
        zT = np.ones((n_in + 1, len(z[rows])), z.dtype)
        zT[:n_in] = z[rows].T
        PT = (VT[:, None, rows] * zT[None]).reshape(len(Q), -1)
        Q += PT @ factors[0][rows]
    G = np.einsum("oh,oih->hi", params[1][0], Q.reshape(n_out, n_in + 1, width))
    out[w1] += G[:, :n_in].ravel()
    out[b1] += G[:, n_in]
    out[w2] += (VT @ h).ravel()
    out[b2] += VT.sum(axis=1)
    return out
