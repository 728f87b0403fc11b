"""The interpolated adjoint: the forward solve's dense output stands in for z(t) backwards.

The backsolve adjoint (:func:`~sparseid.ode.adjoint_gradient`) integrates z backwards with the
adjoint a, so every stage needs a network evaluation at a state known only when the stage is
reached. Here z(t) comes from the continuous extension of the forward solve instead, and only
a (and the parameter integral) is integrated backwards: da/dt = -aᵀ ∂f/∂z(z(t)), a linear
equation whose coefficients are known in advance. That has three consequences:

* no reconstruction error of z (the backward z of a backsolve drifts from the forward one), and
  the error norm covers a only;
* the network's hidden activations at the stage points of a whole-interval step of every
  observation interval can be computed *before* the sweep, in one batched pass over a block of
  intervals, so the sequential sweep is left with one vector–Jacobian product per stage;
* the parameter integral ∫ aᵀ ∂f/∂θ dt, linear in the weighted stage values of a, is formed at
  the end of a block by one batched vector–Jacobian product and one product per layer.

A step that is not a whole interval (rejected, or an interval needing several steps) evaluates
its stage points on demand, so the step-size control is the usual one. Memory: the forward
solve's steps and stages, O(n_steps × n_stages × batch × d) (as for backpropagation's record,
but without the network caches), plus the prefetched activations of one block of intervals,
at most about ``block_rows`` rows of each layer's width.

References
----------
.. [1] T. Daulbaev, A. Katrutsa, L. Markeeva, J. Gusak, A. Cichocki and I. Oseledets,
   "Interpolation technique to speed up gradients propagation in neural ODEs", NeurIPS 2020.
.. [2] S. Kim, W. Ji, S. Deng, Y. Ma and C. Rackauckas, "Stiff neural ordinary differential
   equations", Chaos 31, 093122, 2021 (the interpolating adjoint of DiffEqSensitivity).
"""

from functools import partial

import numpy as np

from ._adjoint_blocks import Block
from ._adjoint_maps import MAX_MAP_DIM, apply_maps
from ._bosh3 import BOSH3
from ._dopri5 import DOPRI5
from ._engine import backward_interval, step_factor, working_dtype

__all__ = ["dense_states", "interpolated_adjoint_gradient"]

#: Below this rtol the backward solve uses Dormand–Prince instead of Bogacki–Shampine.
TIGHT_RTOL = 1e-4


def dense_states(record, t):
    """States of a recorded adaptive solve at times ``t`` from its continuous extension.

    Parameters
    ----------
    record : SolveRecord
        From :func:`~sparseid.ode.solve` with ``record="dense"`` (or ``True``), adaptive solver.
    t : ndarray of shape (P,) or (P, batch)
        Times (relative to the start) shared by all rows, or one per row.

    Returns
    -------
    Z : ndarray of shape (P, batch, d)

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import dense_states, solve
    >>> field = lambda z, out=None: (-z if out is None else np.negative(z, out=out), None)
    >>> Y, record, _ = solve(field, np.ones((1, 1)), np.array([1.0]), rtol=1e-8,
    ...                      atol=1e-10, record="dense")
    >>> Z = dense_states(record, np.array([0.25, 0.5]))
    >>> Z.shape, bool(np.allclose(Z[:, 0, 0], np.exp([-0.25, -0.5]), atol=1e-7))
    ((2, 1, 1), True)
    """
    tab, steps = record.tableau, record.steps
    s = tab.n_stages
    h = np.array([float(step.h) for step in steps])
    t_end = np.cumsum(h)  # the engine's t + h, summed in the same order
    t_start = np.concatenate(([0.0], t_end[:-1]))
    # an observation in (t_k, t_k + h_k] belongs to step k, as in the forward solve
    k = np.minimum(np.searchsorted(t_end, t, side="left"), len(steps) - 1)
    y0 = steps[0].y0
    Z = np.empty((*t.shape, y0.shape[1]) if t.ndim == 2 else (len(t), *y0.shape), y0.dtype)
    for kk in np.unique(k):
        step = steps[kk]
        if t.ndim == 1:
            sel = np.flatnonzero(k == kk)
            W = tab.dense_weights((t[sel] - t_start[kk]) / step.h)
            block = np.dot(step.h * W, step.K.reshape(s, -1)).reshape(len(sel), *y0.shape)
            block += step.y0
            Z[sel] = block
        else:
            p, rows = np.nonzero(k == kk)
            W = tab.dense_weights((t[p, rows] - t_start[kk]) / step.h)
            Z[p, rows] = step.y0[rows] + step.h * np.einsum("ni,ind->nd", W, step.K[:, rows])
    return Z


def _snap(c):
    """Stage times with the rounding of A's row sums removed (so c = 1 is exactly 1)."""
    c = np.asarray(c, dtype=np.float64).copy()
    c[np.abs(c) < 1e-12] = 0.0
    c[np.abs(c - 1.0) < 1e-12] = 1.0
    return c


# overflow is detected (non-finite error norm or state) and reported, not warned about
@np.errstate(over="ignore", invalid="ignore")
def interpolated_adjoint_gradient(
    field,
    record,
    Y,
    Ybar,
    t_obs,
    *,
    tableau=None,
    rtol=1e-3,
    atol=1e-6,
    max_steps=100_000,
    return_input_grad=False,
    block_rows=16_384,
    linear_maps=None,
):
    """Gradient of a loss of the observed states by the interpolated adjoint method.

    Parameters
    ----------
    field : BoundMLP
        The vector field (same parameters as the forward solve); it needs ``hidden(z)``,
        ``vjp`` and ``param_grad``.
    record : SolveRecord
        Of the forward solve, from :func:`~sparseid.ode.solve` with ``record="dense"`` and an
        adaptive solver: its continuous extension gives z(t).
    Y : ndarray of shape (m, batch, d)
        The forward solve's states at the observations.
    Ybar : ndarray of shape (m, batch, d)
        ∂L/∂Y at the observations.
    t_obs : ndarray of shape (m,) or (batch, m)
        The observation times of the forward solve (relative to its start, time 0).
    tableau : ButcherTableau, optional
        Adaptive first-same-as-last method of the backward solve of a. By default
        Bogacki–Shampine 3(2) (three new stages a step) for ``rtol`` ≥ 1e-4, where one step
        per observation interval is typical and its order is enough, and Dormand–Prince 5(4)
        for tighter tolerances, where fewer steps of higher order are cheaper.
    rtol, atol : float
        Tolerances of the backward solve; the error norm covers a only.
    max_steps : int
        Give up (``FloatingPointError``) after this many attempted steps in one interval.
    return_input_grad : bool, default=False
        Also return ∂L/∂y0.
    block_rows : int, default=16384
        Rows (points × batch) of the network activations prefetched at once; bounds memory.
    linear_maps : bool, optional
        Take the whole-interval steps as precomputed matrices (:mod:`._adjoint_maps`): the
        adjoint equation is linear, so a step is a d × d matrix per row, built for a block of
        intervals at once from the network's Jacobians, and the sweep is one matrix–vector
        product per interval. The default uses them when the field offers
        ``input_jacobians`` and d ≤ 8; ``False`` takes a vector–Jacobian product per stage.
        Both give the same gradient up to rounding and the same steps.

    Returns
    -------
    grad : ndarray of shape (n_params,)
    n_eval : int
        Network evaluations: forward passes at the stage points plus the vector–Jacobian
        products of the backward stages (counted alike when a step matrix replaces them).
    y0_grad : ndarray of shape (batch, d)
        Only when ``return_input_grad``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP, interpolated_adjoint_gradient, solve
    >>> mlp = MLP((2, 8, 2))
    >>> field = mlp.bind(mlp.init_params(np.random.default_rng(0)))
    >>> t = np.array([0.1, 0.2])
    >>> Y, record, _ = solve(field, np.ones((3, 2)), t, record="dense")
    >>> grad, n_eval = interpolated_adjoint_gradient(field, record, Y, 2 * Y, t)
    >>> grad.shape
    (42,)
    """
    if record is None or not record.tableau.adaptive:
        raise ValueError(
            "interpolated_adjoint_gradient: needs the record of an adaptive forward solve "
            "(solve(..., record='dense') with 'dopri5' or 'bosh3')"
        )
    if tableau is None:
        tableau = BOSH3 if rtol >= TIGHT_RTOL else DOPRI5
    if not (tableau.adaptive and tableau.fsal):
        raise ValueError(
            f"interpolated_adjoint_gradient: the backward method must be adaptive and first "
            f"same as last, not {tableau.name!r}"
        )
    shape, dtype = Y.shape[1:], working_dtype(Y)
    batch, d = shape
    y_start = record.steps[0].y0
    per_row = t_obs.ndim == 2
    m = t_obs.shape[-1]
    t_prev = np.concatenate([np.zeros_like(t_obs[..., :1]), t_obs[..., :-1]], axis=-1)
    dts = t_obs - t_prev
    dts_w = dts.astype(dtype) if per_row else dts
    tab = tableau.as_dtype(dtype)
    c = _snap(tableau.c)
    interior = np.unique(c[(c > 0.0) & (c < 1.0)])
    # where each stage of a whole-interval step sits: 0 top, 1 bottom, 2 + q interior point q
    slots = [
        0 if ci == 0.0 else 1 if ci == 1.0 else 2 + int(np.searchsorted(interior, ci)) for ci in c
    ]
    weights = [(i, float(b_i)) for i, b_i in enumerate(tableau.b) if b_i != 0.0]
    exponent = tab.controller_exponent
    per_block = max(1, block_rows // ((1 + len(interior)) * batch))
    if linear_maps is None:
        linear_maps = hasattr(field, "input_jacobians") and d <= MAX_MAP_DIM
    elif linear_maps and not hasattr(field, "input_jacobians"):
        raise ValueError(
            "interpolated_adjoint_gradient: linear_maps=True needs a field with "
            "input_jacobians (an MLP or LinearPartField)"
        )

    def z_at_obs(s):
        return Y[s - 1] if s > 0 else y_start

    def times(j, sigma):
        """Times of the positions ``sigma`` (fractions of interval j from its start)."""
        if per_row:
            return t_prev[:, j][None, :] + sigma[:, None] * dts[:, j][None, :]
        return t_prev[j] + sigma * dts[j]

    def ybar_at_obs(s):
        return Ybar[s - 1] if s > 0 else np.zeros_like(y_start)

    def new_block(hi):
        lo = max(0, hi - per_block + 1)
        sigma = 1.0 - interior
        t = [times(j, sigma) for j in range(lo, hi + 1)]
        states = dense_states(record, np.concatenate(t)) if len(interior) else Y[:0]
        maps = None
        if linear_maps:
            if per_row:
                scales = -dts_w[:, lo : hi + 1].T
            else:
                scales = np.repeat(-dts[lo : hi + 1].astype(dtype), batch).reshape(-1, batch)
            maps = tab, slots, np.ascontiguousarray(scales, dtype=dtype), weights
        return Block(field, lo, hi, z_at_obs, states, ybar_at_obs, maps)

    neg_scale = [None]  # -dt/ds of the current interval
    stage_handles = [None]

    def rhs(a, out):
        # a stage's index is its position in the step; its a-value is kept for the integral
        factors = stage_handles[0][rhs.i][0]
        rhs.i += 1
        field.vjp_with(factors, a.reshape(shape) * neg_scale[0], out.reshape(shape))
        return out, a

    first = None  # the handle of the current step's first stage

    def prepare(j, sigma, h_try):
        """The stage handles of a step of interval j from ``sigma``; evaluations made."""
        if sigma == 1.0 and h_try == -1.0:
            handles, n_points = block.stage_handles(j, slots[1:]), 0
        else:  # not a whole interval: its stage points are evaluated now
            points = dense_states(record, times(j, sigma + c[1:] * h_try))
            cache = field.hidden(points.reshape(-1, d))
            factors = field.vjp_factors(cache)
            n_points = len(points)
            handles = []
            for i in range(n_points):
                rows = slice(i * batch, (i + 1) * batch)
                handles.append(([f[rows] for f in factors], None, [x[rows] for x in cache]))
        stage_handles[0] = [first, *handles]
        rhs.i = 1
        return n_points

    def accept(h_try, y_start, stage_a):
        # dg/ds = -aᵀ ∂f/∂θ Δt, a quadrature with the weights h b_i of the accepted step
        nonlocal first
        stage_a = [y_start, *stage_a]
        for i, b_i in weights:
            _, slot, cache_i = stage_handles[0][i]
            if slot is None:
                pending_caches.append(cache_i)
                pending_v.append(stage_a[i].reshape(shape) * (neg_scale[0] * (h_try * b_i)))
            else:
                slot += stage_a[i].reshape(shape) * (neg_scale[0] * (h_try * b_i))
        first = stage_handles[0][-1]

    y = Ybar[m - 1].ravel().astype(dtype, copy=True)
    g = np.zeros(field.n_params, dtype)
    K = np.zeros((tab.n_stages, y.size), dtype)
    pending_caches, pending_v = [], []
    n_eval = 0
    h = -1.0
    block = None
    YbarT = Ybar.swapaxes(1, 2)
    j = m - 1
    while j >= 0:
        if block is None or j < block.lo:
            if block is not None:
                block.flush(field, g)
            block = new_block(j)
            n_eval += block.n_points
        previous = neg_scale[0]
        neg_scale[0] = -dts_w[:, j : j + 1] if per_row else -float(dts[j])
        h = -min(abs(h), 1.0)
        K0 = K[0].reshape(shape)
        if block.maps:
            if h == -1.0:  # whole intervals: their step matrices, then the step-size control
                ratios, Y1 = block.whole_steps(j, y.reshape(shape).T, YbarT, rtol, atol)
                done = 0
                for ratio in ratios:
                    n_eval += tab.n_stages - 1
                    if not np.isfinite(ratio):
                        raise FloatingPointError(
                            f"adjoint: non-finite state in interval {j - done}."
                        )
                    h = -step_factor(ratio, exponent)
                    if ratio > 1.0:
                        break  # rejected: interval j - done takes the stagewise path
                    block.fast[j - done - block.lo] = True
                    done += 1
                    if h > -1.0:
                        break  # the next interval starts with a shorter step
                if done:
                    j -= done
                    y = Y1[done - 1] + YbarT[j] if j >= 0 else Y1[done - 1]
                    y = y.T.ravel()
                    if ratio <= 1.0:
                        continue
                    neg_scale[0] = -dts_w[:, j : j + 1] if per_row else -float(dts[j])
            # steps with stages evaluated as they come: f at the top first
            K0[...] = apply_maps(block.JT[:, :, j + 1 - block.lo], y.reshape(shape).T).T
            K0 *= neg_scale[0]
        else:
            # by linearity, the last stage of the interval above (a vjp at the same point)
            # rescaled, plus the jump's precomputed product
            if previous is not None and not np.array_equal(previous, neg_scale[0]):
                K0 *= neg_scale[0] / previous
            K0 -= block.P[j + 1 - block.lo] * neg_scale[0]
        # the first stage after the jump ȳ_j
        first = block.stage_handles(j, [0])[0]
        y, h, k = backward_interval(
            rhs, tab, y, K, h, rtol, atol, max_steps, j, accept, prepare=partial(prepare, j)
        )
        n_eval += k
        if j > 0:
            y = y + Ybar[j - 1].ravel()
        j -= 1
    block.flush(field, g)
    if pending_caches:
        deltas = [field.vjp(cc, v, need_input=False)[1] for cc, v in zip(pending_caches, pending_v)]
        field.param_grad(pending_caches, deltas, out=g)
    if return_input_grad:
        return g, n_eval, y.reshape(shape).copy()
    return g, n_eval
