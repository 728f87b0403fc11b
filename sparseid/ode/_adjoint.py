"""The continuous adjoint method: gradients with memory independent of the number of steps.

For dz/dt = f(z; θ) and a loss L = Σ_j ℓ_j(z(t_j)), the adjoint a(t) = ∂L/∂z(t) solves
da/dt = -aᵀ ∂f/∂z between observations and jumps by ∂ℓ_j/∂z at each t_j, and
∂L/∂θ = ∫ aᵀ ∂f/∂θ dt. The augmented state [z, a, g] is integrated backwards from the last
observation with the adaptive Dormand–Prince solver, reconstructing z on the way instead of
storing the forward pass.

Each observation interval is mapped to a unit interval of a new variable s with
dt/ds = Δt_j (one Δt per row when the rows have their own observation times), so every row
meets its observations at the integers s = j and one batched integration handles
non-uniform sampling.
"""

import numpy as np

from ._dopri5 import DOPRI5
from ._engine import backward_interval, initial_step, working_dtype

__all__ = ["adjoint_gradient"]


# overflow is detected (non-finite error norm or state) and reported, not warned about
@np.errstate(over="ignore", invalid="ignore")
def adjoint_gradient(
    field,
    y_end,
    Ybar,
    t_obs,
    *,
    rtol=1e-3,
    atol=1e-6,
    max_steps=100_000,
    return_input_grad=False,
    tableau=DOPRI5,
):
    """Gradient of a loss of the observed states by the continuous adjoint method.

    Parameters
    ----------
    field : BoundMLP
        The vector field (same parameters as the forward solve).
    y_end : ndarray of shape (batch, d)
        State at the last observation time, from the forward solve.
    Ybar : ndarray of shape (m, batch, d)
        ∂L/∂Y at the observations.
    t_obs : ndarray of shape (m,) or (batch, m)
        Strictly increasing positive observation times relative to the start (time 0).
    rtol, atol : float
        Tolerances of the backward solve; the error norm covers z and a but not the parameter
        integral (the "seminorm" of Kidger et al., which saves steps without hurting accuracy).
    max_steps : int
        Give up (``FloatingPointError``) after this many attempted steps in one interval.
    return_input_grad : bool, default=False
        Also return ∂L/∂y0, the adjoint state at time 0 (multiple shooting's free initial
        states need it).
    tableau : ButcherTableau, default=DOPRI5
        Adaptive first-same-as-last method of the backward solve (``SOLVERS["bosh3"]`` takes
        three new stages a step instead of six).

    Returns
    -------
    grad : ndarray of shape (n_params,)
    n_eval : int
        Evaluations of the augmented right-hand side.
    y0_grad : ndarray of shape (batch, d)
        Only when ``return_input_grad``.

    References
    ----------
    .. [1] R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, "Neural ordinary
       differential equations", NeurIPS 2018.
    .. [2] P. Kidger, R. T. Q. Chen and T. Lyons, "'Hey, that's not an ODE': faster ODE
       adjoints via seminorms", ICML 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sparseid.ode import MLP, adjoint_gradient, solve
    >>> mlp = MLP((2, 8, 2))
    >>> field = mlp.bind(mlp.init_params(np.random.default_rng(0)))
    >>> t = np.array([0.1, 0.2])
    >>> Y, _, _ = solve(field, np.ones((3, 2)), t)
    >>> grad, n_eval = adjoint_gradient(field, Y[-1], 2 * Y, t)
    >>> grad.shape
    (42,)
    """
    shape, dtype = y_end.shape, working_dtype(y_end)
    n = y_end.size
    n_params = field.n_params
    per_row = t_obs.ndim == 2
    m = t_obs.shape[-1]
    if per_row:
        dts = np.diff(t_obs, axis=1, prepend=0.0).astype(dtype, copy=False)
    else:
        dts = np.diff(t_obs, prepend=0.0)
    delta = [None]  # dt/ds of the current interval

    # The RK state is [z, a]; the parameter integral g is not part of it. Its stages never feed
    # back into z or a and its error is not controlled (the seminorm), so only the accepted
    # steps' weighted sums g += h Σ b_i g_i are needed: one stacked product per layer per step
    # (param_grad) instead of one per stage, none for rejected steps nor for stages with
    # b_i = 0. The steps are the same as with g in the state; g differs by rounding only.
    def rhs(yf, out):
        z = yf[:n].reshape(shape)
        a = yf[n:].reshape(shape)
        out_z = out[:n].reshape(shape)
        _, cache = field(z, out=out_z)
        d = delta[0]
        out_z *= d
        gz, deltas = field.vjp(cache, a * d)
        np.negative(gz.ravel(), out=out[n:])
        return out, (cache, deltas)

    y = np.zeros(2 * n, dtype)
    y[:n] = y_end.ravel()
    y[n:] = Ybar[m - 1].ravel()
    g = np.zeros(n_params, dtype)
    tab = tableau.as_dtype(dtype)
    weights = [(i, float(b_i)) for i, b_i in enumerate(tab.b) if b_i != 0.0]
    K = np.empty((tab.n_stages, y.size), dtype)
    n_eval = 0
    h = None
    stage1 = None

    def accept(h_try, _y_start, stages):
        # dg/ds = -aᵀ ∂f/∂θ Δt: the deltas already carry a Δt; the sign and h_try b_i are
        # param_grad's per-evaluation scales
        nonlocal stage1
        stages = [stage1, *stages]
        field.param_grad(
            [stages[i][0] for i, _ in weights],
            [stages[i][1] for i, _ in weights],
            out=g,
            scales=[-h_try * b_i for _, b_i in weights],
        )
        stage1 = stages[-1]

    for j in range(m - 1, -1, -1):
        previous = delta[0]
        delta[0] = d = dts[:, j : j + 1] if per_row else float(dts[j])
        if stage1 is not None:
            # only a jumped at the observation: z, f(z) (K[0] of the last step's last stage,
            # times the old Δt) and the network's cache are unchanged, so a rescaling and one
            # vjp renew the stage instead of a new network evaluation
            cache = stage1[0]
            if not np.array_equal(previous, d):
                K[0, :n].reshape(shape)[...] *= d / previous
            gz, deltas = field.vjp(cache, y[n:].reshape(shape) * d)
            np.negative(gz.ravel(), out=K[0, n:])
            stage1 = (cache, deltas)
        else:
            stage1 = rhs(y, K[0])[1]
        n_eval += 1
        if h is None:
            h = initial_step(
                lambda v: rhs(v, np.empty_like(v))[0],
                y,
                K[0],
                rtol,
                atol,
                -1.0,
                tab.error_order,
            )
            n_eval += 1
        else:
            h = -min(abs(h), 1.0)
        y, h, k = backward_interval(rhs, tab, y, K, h, rtol, atol, max_steps, j, accept)
        n_eval += k
        if j > 0:
            y[n:] += Ybar[j - 1].ravel()
    if return_input_grad:
        return g, n_eval, y[n:].reshape(shape).copy()
    return g, n_eval
