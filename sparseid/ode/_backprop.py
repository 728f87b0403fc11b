"""Reverse-mode differentiation through the recorded steps of a Runge–Kutta solve.

Discretise-then-optimise: the gradient is the exact gradient of the computation the forward
solver performed — its stages, its update and its dense-output interpolation — with the
accepted step sizes held constant (as torchdiffeq's backpropagation does: the step-size
controller is not differentiated). The parameter gradient of all stages is formed at the end
by one matrix product per layer.
"""

import numpy as np

from ._engine import GridDense, RowDense

__all__ = ["backprop_gradient"]


# overflow is detected (non-finite error norm or state) and reported, not warned about
@np.errstate(over="ignore", invalid="ignore")
def backprop_gradient(field, record, Ybar, *, return_input_grad=False):
    """Gradient of a scalar loss with respect to the parameters of the vector field.

    Parameters
    ----------
    field : BoundMLP
        The vector field used in the forward solve (same parameters).
    record : SolveRecord
        From :func:`~sparseid.ode.solve` with ``record=True`` (any solver).
    Ybar : ndarray of shape (m, batch, d)
        ∂L/∂Y for the returned observations ``Y``.
    return_input_grad : bool, default=False
        Also return ∂L/∂y0.

    Returns
    -------
    grad : ndarray of shape (n_params,)
    y0_grad : ndarray of shape (batch, d)
        Only when ``return_input_grad``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP, backprop_gradient, solve
    >>> mlp = MLP((2, 8, 2))
    >>> field = mlp.bind(mlp.init_params(np.random.default_rng(0)))
    >>> Y, rec, _ = solve(field, np.ones((3, 2)), np.array([0.1, 0.2]), record=True)
    >>> backprop_gradient(field, rec, 2 * Y).shape
    (42,)
    """
    tab = record.tableau
    b, fsal, s = tab.b, tab.fsal, tab.n_stages
    AT = np.ascontiguousarray(tab.A.T)  # AT[k, i] = A[i, k]: what stage k feeds into stage i
    steps = record.steps
    shape, dtype = steps[0].y0.shape, steps[0].K.dtype
    n_flat = steps[0].y0.size
    ones_s = np.ones(s - 1, dtype)
    caches_used = []
    deltas_used = []
    ybar = np.zeros(shape, dtype)
    carry = None  # ∂L/∂k1 of the following step (first same as last: it is this step's k7)
    for index in range(len(steps) - 1, -1, -1):
        h, _, _, caches, dense, end_obs = steps[index]  # a Step
        first = index == 0
        # h Aᵀ once per step (a per-row step multiplies the sums instead)
        scalar_h = np.ndim(h) == 0
        hAT = h * AT if scalar_h else AT
        Kbar = np.zeros((s, *shape), dtype)
        Kbar2 = Kbar.reshape(s, n_flat)
        # ∂L/∂(input of stage i), stage by stage: Kbar[k] pulls Σ_{i>k} A[i, k] h GZ[i]
        GZ = np.empty((s, *shape), dtype)  # rows 1..s-1 are written before they are read
        GZ2 = GZ.reshape(s, n_flat)
        if end_obs >= 0:
            ybar = ybar + Ybar[end_obs]
        # with first-same-as-last, y0 reaches y1 only through the last stage's input
        ybar0 = np.zeros(shape, dtype) if fsal else ybar.copy()
        if isinstance(dense, GridDense):
            j0, j1, W = dense
            block = Ybar[j0:j1].reshape(j1 - j0, n_flat)
            np.dot(h * W.T, block, out=Kbar2)
            ybar0 += (np.ones(j1 - j0, dtype) @ block).reshape(shape)
        elif isinstance(dense, RowDense):
            rows, cols, W = dense
            Yb = Ybar[cols, rows]
            np.add.at(Kbar.transpose(1, 0, 2), rows, h * W[:, :, None] * Yb[:, None, :])
            np.add.at(ybar0, rows, Yb)
        if fsal:
            if carry is not None:
                Kbar[s - 1] += carry
            extra_last = ybar  # y1 is the input of the last stage
        else:
            # y1 = y0 + h Σ b_i k_i
            hy = h * ybar
            Kbar2 += np.outer(b, hy.ravel())
            extra_last = None
        for i in range(s - 1, 0, -1):
            if i < s - 1:
                if scalar_h:
                    Kbar2[i] += np.dot(hAT[i, i + 1 :], GZ2[i + 1 :])
                else:
                    Kbar[i] += h * np.dot(AT[i, i + 1 :], GZ2[i + 1 :]).reshape(shape)
            gz, deltas = field.vjp(caches[i], Kbar[i])
            caches_used.append(caches[i])
            deltas_used.append(deltas)
            GZ[i] = gz
            if i == s - 1 and extra_last is not None:
                GZ[i] += extra_last
        if scalar_h:
            Kbar2[0] += np.dot(hAT[0, 1:], GZ2[1:])
        else:
            Kbar[0] += h * np.dot(AT[0, 1:], GZ2[1:]).reshape(shape)
        ybar0 += np.dot(ones_s, GZ2[1:]).reshape(shape)
        if fsal and not first:
            carry = Kbar[0]
        else:
            need = return_input_grad or not first
            gz, deltas = field.vjp(caches[0], Kbar[0], need_input=need)
            caches_used.append(caches[0])
            deltas_used.append(deltas)
            if need:
                ybar0 += gz
        ybar = ybar0
    grad = field.param_grad(caches_used, deltas_used)
    if return_input_grad:
        return grad, ybar
    return grad
