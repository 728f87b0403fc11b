"""Lyapunov exponents of maps and flows.

For a 1-D map the exponent is the orbit average of log|f′(x)|, computed for many initial states
or parameter values at once. For a flow (or a multi-dimensional map) the exponents come from
Benettin's method [1]_: tangent vectors are carried along the orbit and re-orthonormalised by
QR factorisation at regular intervals, and the logarithms of the diagonal of R add up to the
exponents [2]_.

References
----------
.. [1] G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, "Lyapunov characteristic
   exponents for smooth dynamical systems and for Hamiltonian systems; a method for computing
   all of them", Meccanica 15, 9-20 and 21-30 (1980).
.. [2] A. Wolf, J. B. Swift, H. L. Swinney and J. A. Vastano, "Determining Lyapunov exponents
   from a time series", Physica D 16 (3), 285-317 (1985).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

from ._vector_field import as_vector_field

__all__ = ["lyapunov_exponent"]

_METHODS = ("auto", "tangent", "two_trajectory")


def _count(value, name, minimum, default):
    if value is None:
        return default
    if not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"lyapunov_exponent: {name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def lyapunov_exponent(
    f,
    x0,
    *,
    n_steps=None,
    n_transient=None,
    dt=0.01,
    renormalize_every=10,
    spectrum=False,
    method="auto",
    kind=None,
    derivative=None,
    separation=1e-8,
    n_orbits=1,
    random_state=None,
):
    """The largest Lyapunov exponent (or all of them) of a map or a flow.

    **1-D maps** (an object with ``derivative`` such as ``SigmoidMap``, or a callable
    ``f(x)`` whose ``derivative`` is not a (d, d) matrix at ``x0``): the mean of
    log|f′(x[n])| over ``n_steps`` iterations after ``n_transient``, vectorised over the
    entries of ``x0`` (and over the map's parameter arrays). f′ is ``derivative`` when given
    or known, else a central difference. A superstable orbit (f′ = 0 somewhere on it) gives
    −inf; the discontinuous step map has f′ = a everywhere (the jump at 0 is not a
    derivative), so its exponent is ln|a| on every orbit.

    **Flows** (``f(t, x)``, a system with ``rhs``/``jacobian``, or a fitted sparseid model) and
    **multi-dimensional maps** (a fitted model with ``discrete_time=True``, or a callable
    ``f(x)`` with its Jacobian as ``derivative``): Benettin's method.
    The orbit is integrated with the classical fixed-step Runge-Kutta method (step ``dt``);
    tangent vectors are re-orthonormalised by QR every ``renormalize_every`` steps and the
    exponents are the time averages of log|R_ii|.

    - ``method="tangent"`` (the default when a Jacobian is known and the system is smooth)
      integrates the variational equation dQ/dt = J(x) Q alongside the orbit.
    - ``method="two_trajectory"`` (the default otherwise, and for sparseid's piecewise-smooth
      systems, recognised by their ``switched_system``) follows, beside the orbit, one
      neighbour per exponent at distance ``separation · max(1, |x0|)`` and renormalises the
      separations. For piecewise-smooth flows this is the method to use: at a crossing of a
      switching surface the tangent vector jumps by the saltation matrix, which the
      variational equation through a piecewise Jacobian misses for discontinuous fields. The
      two nearby trajectories both cross, so their difference carries the saltation jump
      implicitly, as long as the renormalised separation stays small (it does: it is reset to
      ``separation`` at every renormalisation) and both cross the same way. The fixed-step
      integrator does not locate crossings, which is harmless when the field is continuous
      across the surface (ReLU flows, the lecture's piecewise-linear normal form: the
      saltation matrix is then the identity, the Runge-Kutta step stays Lipschitz, and only
      the few steps that straddle the surface lose accuracy). For discontinuous (Filippov)
      fields, with or without sliding, a Runge-Kutta step is itself discontinuous in the
      state, so neither method is reliable here; that needs an event-locating integrator
      (such as :mod:`sparseid.switched`) and is not handled yet.

    Parameters
    ----------
    f : map, system, fitted model or callable
        See above. A plain callable with one required argument is a map, with two a flow
        (override with ``kind``).
    x0 : float or array-like
        Initial state: of shape (d,) for a flow, any shape for a 1-D map (one exponent per
        entry).
    n_steps : int, optional
        Iterations of a map (default 10,000) or integration steps of a flow (default 50,000,
        i.e. 500 time units at ``dt=0.01``) over which the exponent is averaged.
    n_transient : int, optional
        Iterations or steps discarded first, to reach the attractor and align the tangent
        vectors (default ``n_steps // 10``).
    dt : float
        Integration step of a flow.
    renormalize_every : int
        Steps between QR re-orthonormalisations (flows and multi-dimensional maps).
    spectrum : bool
        Return all d exponents in decreasing order instead of the largest.
    method : {"auto", "tangent", "two_trajectory"}
        How tangent vectors are carried (flows and multi-dimensional maps).
    kind : {"map", "flow"}, optional
        What a plain callable is.
    derivative : callable, optional
        f′ of a 1-D map, or the Jacobian ``jacobian(t, x)`` of a flow given as a callable
        (``jacobian(x)`` for a map).
    separation : float
        Relative distance of the neighbours in the two-trajectory method.
    n_orbits : int
        Flows and multi-dimensional maps: orbits followed side by side, the first from
        ``x0`` and the others from random points 10⁻³ · max(1, |x0|) away, all advanced by one
        vectorised step; the exponents are averaged over them. On an ergodic chaotic
        attractor the orbits decorrelate during the transient, so 20 orbits of 100 time units
        average like one of 2,000, at a fraction of the cost when ``f`` (and its Jacobian)
        accept a stack of states (M, d), as sparseid's systems do.
    random_state : int, RandomState instance or None
        Seed of the initial tangent vectors.

    Returns
    -------
    float or ndarray
        The largest exponent (per time unit for flows, per iteration for maps); an array of
        the shape of ``x0`` (and the map's parameters) for 1-D maps; the spectrum of shape
        (d,) when ``spectrum=True``.

    References
    ----------
    .. [1] G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn, "Lyapunov characteristic
       exponents for smooth dynamical systems and for Hamiltonian systems; a method for
       computing all of them", Meccanica 15, 9-20 and 21-30 (1980).

    Examples
    --------
    >>> import numpy as np
    >>> logistic = lambda x: 4.0 * x * (1.0 - x)
    >>> x0 = np.random.default_rng(0).uniform(0.1, 0.9, 200)
    >>> lam = lyapunov_exponent(logistic, x0, derivative=lambda x: 4.0 - 8.0 * x)
    >>> bool(abs(lam.mean() - np.log(2)) < 0.01)
    True
    """
    if method not in _METHODS:
        raise ValueError(f"lyapunov_exponent: method must be one of {_METHODS}, got {method!r}")
    field = as_vector_field(f, where="lyapunov_exponent", kind=kind, jacobian=derivative)
    if field.is_map and _is_scalar_map(field, x0) and not spectrum and method == "auto":
        steps = _count(n_steps, "n_steps", 1, 10_000)
        return _map_1d(field, x0, steps, _count(n_transient, "n_transient", 0, steps // 10))
    steps = _count(n_steps, "n_steps", 1, 10_000 if field.is_map else 50_000)
    transient = _count(n_transient, "n_transient", 0, steps // 10)
    every = _count(renormalize_every, "renormalize_every", 1, 10)
    if not field.is_map and not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"lyapunov_exponent: dt must be positive and finite, got {dt!r}")
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 1 or (field.dim is not None and x.shape[0] != field.dim):
        expected = "(d,)" if field.dim is None else f"({field.dim},)"
        raise ValueError(f"lyapunov_exponent: x0 must have shape {expected}, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("lyapunov_exponent: x0 must be finite")
    if method == "tangent" and field.jacobian is None:
        raise ValueError(
            f"lyapunov_exponent: method='tangent' needs a Jacobian, and {field.name} has none; "
            "pass derivative=jacobian or use method='two_trajectory'"
        )
    if not field.is_map:
        value = np.shape(field.f(0.0, x))
        if value != x.shape:
            raise ValueError(
                f"lyapunov_exponent: f(t, x0) of {field.name} has shape {value}, but x0 has "
                f"shape {x.shape}: a flow must return dx/dt of the shape of x"
            )
    smooth_jacobian = field.jacobian is not None and not field.switched
    tangent = method == "tangent" or (method == "auto" and smooth_jacobian)
    d = x.shape[0]
    k = d if spectrum else 1
    n_orbits = _count(n_orbits, "n_orbits", 1, 1)
    rng = check_random_state(random_state)
    scale = max(1.0, float(np.max(np.abs(x))))
    # Replicas start 1e-3 apart (relative): on a chaotic attractor they decorrelate within
    # the transient, so the average over them is a time average n_orbits times as long.
    X = x + 1e-3 * scale * rng.standard_normal((n_orbits, d)) * (np.arange(n_orbits) > 0)[:, None]
    Q, _ = np.linalg.qr(rng.standard_normal((n_orbits, d, k)))
    run = _Benettin(field, dt, tangent, separation * scale, x)
    sums = run(X, Q, transient, steps, every).mean(axis=0)
    exponents = sums / (steps * (1.0 if field.is_map else dt))
    return np.sort(exponents)[::-1] if spectrum else float(exponents[0])


def _is_scalar_map(field, x0):
    """Whether a map acts on scalars (vectorised over ``x0``) rather than on states (d,)."""
    if field.dim is not None:  # a fitted model: states of shape (d,)
        return False
    shape = np.shape(x0)
    if field.jacobian is None or len(shape) != 1 or shape[0] < 2:
        return True
    # A Jacobian (d, d) at x0 (d,) says the map acts on d-dimensional states.
    return np.shape(field.jacobian(np.asarray(x0, dtype=np.float64))) != (shape[0], shape[0])


def _map_1d(field, x0, n_steps, n_transient):
    f = field.f
    derivative = field.jacobian
    if derivative is None:

        def derivative(x):
            h = np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x))
            return (f(x + h) - f(x - h)) / (2.0 * h)

    x = np.asarray(x0, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("lyapunov_exponent: x0 must be finite")
    # Overflow is checked once at the end: an escaping orbit ends non-finite.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_transient):
            x = f(x)
    total = np.zeros(np.shape(x))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            total = total + np.log(np.abs(derivative(x)))
            x = f(x)
    if not np.all(np.isfinite(x)):
        raise ValueError(
            "lyapunov_exponent: the orbit became non-finite; the map has no bounded orbit from x0"
        )
    result = total / n_steps
    return float(result) if np.ndim(result) == 0 else result


def _batched(func, dim, out_shape, t0, probe):
    """``func(t, X)`` on a stack of states (M, d): the function itself when it accepts a stack
    and returns ``out_shape`` per row, else a loop over the rows."""
    m = dim + 2  # never d rows: a single-state function could mistake them for one state
    X = np.broadcast_to(probe, (m, dim)).copy()
    try:
        with np.errstate(all="ignore"):
            value = np.asarray(func(t0, X), dtype=np.float64)
        if value.shape == (m, *out_shape):
            return func
    except (ValueError, TypeError, IndexError):
        pass  # a single-state function refusing a stack: loop over the rows instead

    def looped(t, X):
        return np.stack([np.asarray(func(t, x), dtype=np.float64) for x in X])

    return looped


class _Benettin:
    """Orbits and tangent vectors, advanced by RK4 steps (flows) or iterations (maps).

    The orbits are the rows of ``X`` (M, d), one per replica; the tangent vectors (or the
    neighbours' offsets) are ``Q`` (M, d, k).
    """

    def __init__(self, field, dt, tangent, delta, x):
        self.dt, self.tangent, self.delta, self.name = dt, tangent, delta, field.name
        self.is_map = field.is_map
        d = x.shape[0]
        if field.is_map:
            f = lambda t, X: field.f(X)  # noqa: E731
            J = field.jacobian and (lambda t, X: field.jacobian(X))
        else:
            f, J = field.f, field.jacobian
        self.f = _batched(f, d, (d,), 0.0, x)
        self.J = _batched(J, d, (d, d), 0.0, x) if tangent else None

    def _derivatives(self, t, X, Q):
        return np.asarray(self.f(t, X), dtype=np.float64), np.asarray(self.J(t, X)) @ Q

    def _advance(self, t, X, Q):
        """One step of the orbits ``X`` and their tangent vectors ``Q``."""
        h = self.dt
        if self.tangent:
            if self.is_map:
                return self._derivatives(t, X, Q)
            k1, K1 = self._derivatives(t, X, Q)
            k2, K2 = self._derivatives(t + h / 2, X + h / 2 * k1, Q + h / 2 * K1)
            k3, K3 = self._derivatives(t + h / 2, X + h / 2 * k2, Q + h / 2 * K2)
            k4, K4 = self._derivatives(t + h, X + h * k3, Q + h * K3)
            return (
                X + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4),
                Q + h / 6 * (K1 + 2 * K2 + 2 * K3 + K4),
            )
        # Two trajectories: each orbit and its neighbours x + q_i, all stepped as rows.
        M, d, k = Q.shape
        Y = np.concatenate([X[:, None, :], X[:, None, :] + np.swapaxes(Q, 1, 2)], axis=1)
        Y = Y.reshape(M * (k + 1), d)
        if self.is_map:
            Y = self.f(t, Y)
        else:
            k1 = self.f(t, Y)
            k2 = self.f(t + h / 2, Y + h / 2 * k1)
            k3 = self.f(t + h / 2, Y + h / 2 * k2)
            k4 = self.f(t + h, Y + h * k3)
            Y = Y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        Y = np.asarray(Y, dtype=np.float64).reshape(M, k + 1, d)
        return Y[:, 0], np.swapaxes(Y[:, 1:] - Y[:, :1], 1, 2)

    def __call__(self, X, Q, n_transient, n_steps, every):
        scale = 1.0 if self.tangent else self.delta
        Q = Q * scale
        sums = np.zeros(Q.shape[:1] + Q.shape[2:])
        t = 0.0
        step = 1.0 if self.is_map else self.dt
        for i in range(1, n_transient + n_steps + 1):
            with np.errstate(over="ignore", invalid="ignore"):  # checked below
                X, Q = self._advance(t, X, Q)
            t += step
            if i % every == 0 or i == n_transient + n_steps or i == n_transient:
                if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Q))):
                    raise ValueError(
                        f"lyapunov_exponent: the orbit of {self.name} became non-finite "
                        f"at t = {t:g}; start on a bounded orbit or reduce dt"
                    )
                Q, R = np.linalg.qr(Q / scale)
                if i > n_transient:
                    with np.errstate(divide="ignore"):
                        sums += np.log(np.abs(np.diagonal(R, axis1=1, axis2=2)))
                Q = Q * scale
        return sums
