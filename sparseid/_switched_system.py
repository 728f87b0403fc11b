"""The event-aware integrator of switched (Filippov) systems: :class:`SwitchedSystem`.

Public in :mod:`sparseid.switched`, whose docstring describes switched systems and cites the
method. :class:`SwitchedSystem` integrates one region's smooth field at a time with
``scipy.integrate.solve_ivp``, stops at every event (a crossing, or the end of a slide),
decides at the surface between crossing and sliding from the normal speeds of the two
neighbouring fields, and records the events in a
:class:`~sparseid._switched_trajectory.SwitchedTrajectory`.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from ._switched_trajectory import SwitchedTrajectory
from .exceptions import SimulationError

__all__ = ["SwitchedSystem"]

_FREE = -1  # the mode index of free flight (otherwise the index of the sliding surface)


class _NonFiniteField(Exception):
    def __init__(self, t, x, signs):
        super().__init__(t)
        self.t, self.x, self.signs = float(t), np.array(x, dtype=np.float64), tuple(signs)


class SwitchedSystem:
    """A piecewise-smooth vector field with switching surfaces ``h_i(x) = 0``.

    Parameters
    ----------
    field : callable ``field(t, x, signs) -> ndarray (d,)``
        The smooth vector field of the region with sign pattern ``signs`` (a tuple of +1/-1,
        one per surface), evaluated at a single state ``x`` of shape (d,). It is evaluated
        also a little outside its region (at and across the surfaces), so it must be defined
        there.
    switching : callable ``switching(x) -> ndarray (m,)``
        The switching functions at a single state.
    gradient : callable ``gradient(x) -> ndarray (m, d)``, optional
        Their gradients; by default central finite differences (step 1e-7 relative).
    n_surfaces : int, optional
        The number ``m`` of switching functions; by default found by evaluating ``switching``
        at the initial state.

    Notes
    -----
    Between events the field of the current region is integrated by ``solve_ivp`` with a
    terminal event per surface. Each event time is located by Brent's method on the dense
    output (scipy's event location, to a few units of machine precision in time). At a
    surface reached from side ``s`` the normal speeds ``a⁻ = ∇h·f⁻`` and ``a⁺ = ∇h·f⁺`` decide:

    - both of one sign: a transversal crossing, integration restarts on the other side;
    - ``a⁻ > 0 > a⁺`` (both fields push into the surface): Filippov sliding with
      ``f_s = (1 − α) f⁻ + α f⁺``, ``α = a⁻ / (a⁻ − a⁺)``. Since ``∇h·f_s = 0``, ``h`` is a first
      integral of ``f_s`` and the state is projected back onto ``h = 0`` (one Newton step)
      after every sliding segment and at each output time. Sliding ends where ``α`` leaves
      [0, 1], located as the zero of ``a⁻`` (``α = 0``, exit to the ``−`` side) or of ``a⁺``
      (``α = 1``, exit to the ``+`` side) — the same points, without the division;
    - ``a⁻ < 0 < a⁺`` (both push away, a repelling surface; the solution is not unique):
      the side with ``h >= 0`` is taken.

    Not handled: sliding on the intersection of two or more surfaces (raises
    :class:`~sparseid.exceptions.SimulationError`), simultaneous crossings of several surfaces
    at a corner (the surfaces are processed one at a time, in time order), and higher-order
    grazing (a zero normal speed on both sides is treated as a crossing).

    References
    ----------
    .. [1] M. di Bernardo, C. J. Budd, A. R. Champneys and P. Kowalczyk, *Piecewise-smooth
       Dynamical Systems: Theory and Applications*, Springer (2008), chapter 2.
    .. [2] A. F. Filippov, *Differential Equations with Discontinuous Righthand Sides*,
       Kluwer (1988).

    Examples
    --------
    Coulomb friction x″ + x = −sign(x′), from rest at x = 3.5: one half turn to x = −1.5,
    another to x = −0.5 inside the sticking band |x| ≤ 1, where it slides (stays) for good.

    >>> import numpy as np
    >>> friction = SwitchedSystem(
    ...     lambda t, x, s: np.array([x[1], -x[0] - s[0]]), lambda x: x[1:], n_surfaces=1
    ... )
    >>> out = friction.simulate([3.5, 0.0], [0.0, 10.0])
    >>> out.x[-1].round(10).tolist(), round(out.sliding[0][0] / np.pi, 10)
    ([-0.5, 0.0], 2.0)
    """

    def __init__(self, field, switching, gradient=None, *, n_surfaces=None):
        for name, value in (("field", field), ("switching", switching)):
            if not callable(value):
                raise TypeError(f"SwitchedSystem: {name} must be callable, got {value!r}")
        if gradient is not None and not callable(gradient):
            raise TypeError(f"SwitchedSystem: gradient must be callable or None, got {gradient!r}")
        self.field = field
        self.switching = switching
        self.gradient = gradient
        self.n_surfaces = n_surfaces

    # --- evaluation helpers -------------------------------------------------------------------
    def _h(self, x):
        return np.asarray(self.switching(x), dtype=np.float64).reshape(-1)

    def _grad(self, x, i):
        if self.gradient is not None:
            return np.asarray(self.gradient(x), dtype=np.float64).reshape(-1, x.size)[i]
        step = 1e-7 * np.maximum(np.abs(x), 1.0)
        out = np.empty(x.size)
        for j in range(x.size):
            e = np.zeros(x.size)
            e[j] = step[j]
            out[j] = (self._h(x + e)[i] - self._h(x - e)[i]) / (2 * step[j])
        return out

    def _f(self, t, x, signs):
        value = np.asarray(self.field(t, x, tuple(signs)), dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(value)):
            # a NaN rate sends solve_ivp's step-size control into an endless loop
            raise _NonFiniteField(t, x, signs)
        return value

    def _speeds(self, t, x, signs, i):
        """Normal speeds ``(a⁻, a⁺)`` of surface ``i`` and the two fields ``f⁻, f⁺``."""
        grad = self._grad(x, i)
        minus, plus = list(signs), list(signs)
        minus[i], plus[i] = -1, 1
        f_minus, f_plus = self._f(t, x, minus), self._f(t, x, plus)
        return grad @ f_minus, grad @ f_plus, f_minus, f_plus

    def _sliding_field(self, i, signs):
        def rhs(t, x):
            a_minus, a_plus, f_minus, f_plus = self._speeds(t, x, signs, i)
            alpha = a_minus / (a_minus - a_plus)
            return (1.0 - alpha) * f_minus + alpha * f_plus

        return rhs

    def _project(self, x, i):
        """One Newton step back onto ``h_i = 0`` along the gradient (removes solver drift)."""
        grad = self._grad(x, i)
        return x - self._h(x)[i] * grad / (grad @ grad)

    def _classify(self, t, x, signs, i):
        """Side or sliding at a point of surface ``i``: ``(+1 | -1, None)`` or ``(s, i)``."""
        a_minus, a_plus, _, _ = self._speeds(t, x, signs, i)
        if a_minus > 0 and a_plus < 0:
            return signs[i], i
        if a_minus < 0 and a_plus > 0:  # repelling: not unique, take the h >= 0 side
            return (1 if self._h(x)[i] >= 0 else -1), None
        if a_plus > 0 or a_minus > 0:
            return 1, None
        if a_plus < 0 or a_minus < 0:
            return -1, None
        return (1 if self._h(x)[i] >= 0 else -1), None  # zero speed on both sides: stay put

    # --- integration --------------------------------------------------------------------------
    def simulate(
        self, x0, t, *, method="DOP853", rtol=1e-12, atol=1e-12, max_events=10_000, **options
    ):
        """Integrate from ``x0`` at ``t[0]`` and return the states at the times ``t``.

        Parameters
        ----------
        x0 : array-like of shape (d,)
            Initial state (finite).
        t : array-like of shape (n,)
            Strictly increasing output times, ``n >= 2``.
        method : {"DOP853", "RK45"} or any explicit method of ``solve_ivp``
            The integrator between events.
        rtol, atol : float
            Its tolerances (default 1e-12).
        max_events : int
            Largest number of crossings, sliding entries and exits before the run is declared
            Zeno (chattering, or an accumulation of switchings) and stopped.
        **options
            Further options of ``solve_ivp`` (e.g. ``max_step``).

        Returns
        -------
        SwitchedTrajectory

        Raises
        ------
        SimulationError
            After ``max_events`` events, when the solver fails, when the state becomes
            non-finite, or on sliding along an intersection of surfaces; ``partial`` holds the
            states at the output times reached.
        """
        x0, t = self._check(x0, t)
        h0 = self._h(x0)
        m = h0.size if self.n_surfaces is None else int(self.n_surfaces)
        if h0.size != m or m == 0:
            raise ValueError(
                f"SwitchedSystem.simulate: switching(x0) must return {m or 'at least one'} "
                f"value(s), got {h0.size}"
            )
        out = np.full((t.size, x0.size), np.nan)
        result = SwitchedTrajectory(t=t, x=out)
        signs = [1 if v >= 0 else -1 for v in h0]
        mode = _FREE
        for i in range(m):  # a start on a surface: the side (or the slide) the flow chooses
            if h0[i] == 0.0 and mode == _FREE:
                signs[i], slide = self._classify(t[0], x0, signs, i)
                mode = _FREE if slide is None else slide
        t_now, x_now = float(t[0]), x0
        if mode != _FREE:
            result.sliding.append([t_now, None, mode])
        out[0] = x0
        n_events, k = 0, 1  # k: next output index to fill
        while t_now < t[-1]:
            try:
                seg = self._segment(t_now, x_now, signs, mode, t[-1], method, rtol, atol, options)
            except _NonFiniteField as bad:
                raise SimulationError(
                    f"SwitchedSystem.simulate: the field of region {bad.signs} is not finite at "
                    f"t = {bad.t:.12g}, x = {np.array2string(bad.x, precision=6)}",
                    t=bad.t,
                    partial=out[:k],
                ) from None
            if seg.status == -1 or not np.all(np.isfinite(seg.y[:, -1])):
                raise SimulationError(
                    f"SwitchedSystem.simulate: the solver failed at t = {seg.t[-1]:.12g}: "
                    f"{seg.message}",
                    t=float(seg.t[-1]),
                    partial=out[:k],
                )
            t_end = float(seg.t[-1])
            fired = [j for j, te in enumerate(seg.t_events) if te.size]
            if seg.status == 1:
                t_end = min(float(seg.t_events[j][0]) for j in fired)
            while k < t.size and t[k] <= t_end:
                out[k] = seg.sol(t[k]) if t[k] < t_end else seg.y[:, -1]
                if mode != _FREE:
                    out[k] = self._project(out[k], mode)
                k += 1
            t_now, x_now = t_end, seg.y[:, -1].copy()
            self._check_sides(t_now, x_now, signs, mode, out[:k])
            if seg.status != 1:
                break
            n_events += 1
            if n_events > max_events:
                raise SimulationError(
                    f"SwitchedSystem.simulate: more than max_events = {max_events} events before "
                    f"t = {t_now:.12g} (last at x = {np.array2string(x_now, precision=6)}): "
                    "a Zeno accumulation of switchings or chattering; raise max_events, "
                    "or check the vector fields at the switching surfaces",
                    t=t_now,
                    partial=out[:k],
                )
            event = min(fired, key=lambda j: seg.t_events[j][0])
            mode = self._handle(result, event, t_now, x_now, signs, mode, m)
            if mode != _FREE:
                x_now = self._project(x_now, mode)
                if not result.sliding or result.sliding[-1][1] is not None:
                    result.sliding.append([t_now, None, mode])
        for slide in result.sliding:
            if slide[1] is None:
                slide[1] = float(t[-1])
        result.sliding = [tuple(s) for s in result.sliding]
        return result

    def _check_sides(self, t_now, x_now, signs, mode, partial):
        """Raise if the state ended on the wrong side of a surface: a switching was missed."""
        h = self._h(x_now)
        scale = max(1.0, float(np.max(np.abs(x_now))))
        for j, sign in enumerate(signs):
            if j != mode and sign * h[j] < -1e-9 * scale * np.linalg.norm(self._grad(x_now, j)):
                raise SimulationError(
                    f"SwitchedSystem.simulate: a switching of surface {j} was missed before "
                    f"t = {t_now:.12g} (h_{j} = {h[j]:.3g} on the side {sign:+d}); this happens "
                    "at an accumulation of switchings (Zeno) on an intersection of surfaces",
                    t=t_now,
                    partial=partial,
                )

    def _check(self, x0, t):
        x0 = np.asarray(x0, dtype=np.float64)
        t = np.asarray(t, dtype=np.float64)
        if x0.ndim != 1 or x0.size == 0:
            raise ValueError(
                f"SwitchedSystem.simulate: x0 must be a non-empty 1-D state, got shape {x0.shape}"
            )
        if not np.all(np.isfinite(x0)):
            bad = int(np.flatnonzero(~np.isfinite(x0))[0])
            raise ValueError(f"SwitchedSystem.simulate: x0 must be finite: x0[{bad}] = {x0[bad]}")
        if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
            raise ValueError(
                f"SwitchedSystem.simulate: t must be a finite 1-D array of at least 2 times, "
                f"got shape {t.shape}"
            )
        steps = np.diff(t)
        if np.any(steps <= 0):
            j = int(np.flatnonzero(steps <= 0)[0]) + 1
            raise ValueError(
                f"SwitchedSystem.simulate: t must be strictly increasing: t[{j}] = {t[j]} is not "
                f"greater than t[{j - 1}] = {t[j - 1]}"
            )
        return x0, t

    def _segment(self, t_now, x_now, signs, mode, t_final, method, rtol, atol, options):
        """One ``solve_ivp`` run in the current mode, until the first event or ``t_final``."""
        events = []
        m = len(signs)
        for j in range(m):
            if j == mode:
                continue

            def crossing(s, y, j=j):
                return self._h(y)[j]

            crossing.terminal = True
            crossing.direction = -signs[j]  # leaving the current side only
            events.append(crossing)
        if mode == _FREE:
            frozen = tuple(signs)

            def rhs(s, y):
                return self._f(s, y, frozen)
        else:
            rhs = self._sliding_field(mode, signs)
            frozen = tuple(signs)

            def alpha_below_0(s, y):
                return self._speeds(s, y, frozen, mode)[0]

            def alpha_above_1(s, y):
                return self._speeds(s, y, frozen, mode)[1]

            alpha_below_0.terminal = alpha_above_1.terminal = True
            alpha_below_0.direction, alpha_above_1.direction = -1, 1
            events += [alpha_below_0, alpha_above_1]
        return solve_ivp(
            rhs,
            (t_now, t_final),
            x_now,
            method=method,
            rtol=rtol,
            atol=atol,
            events=events,
            dense_output=True,
            **options,
        )

    def _handle(self, result, event, t_now, x_now, signs, mode, m):
        """Update ``signs`` after the event ``event`` of the last segment; return the new mode."""
        others = [j for j in range(m) if j != mode]
        if event >= len(others):  # sliding ends: α reached 0 (exit to −) or 1 (exit to +)
            signs[mode] = -1 if event == len(others) else 1
            result.sliding[-1][1] = t_now
            return _FREE
        j = others[event]
        if mode != _FREE:  # a surface met while sliding on another one
            before = tuple(signs)
            signs[j] = -signs[j]
            result.crossings.append((t_now, x_now.copy(), j, before, tuple(signs)))
            side, slide = self._classify(t_now, x_now, signs, mode)
            if slide is None:
                signs[mode] = side
                result.sliding[-1][1] = t_now
                return _FREE
            if (
                signs[j] * (self._grad(x_now, j) @ self._sliding_field(mode, signs)(t_now, x_now))
                < 0
            ):
                raise SimulationError(
                    f"SwitchedSystem.simulate: sliding on surface {mode} reaches surface {j} at "
                    f"t = {t_now:.12g} where the sliding fields of both sides push into it: "
                    "sliding on the intersection of two surfaces is not handled",
                    t=t_now,
                )
            return mode
        before = tuple(signs)
        side, slide = self._classify(t_now, x_now, signs, j)
        if slide is not None:
            return j
        if side == signs[j]:  # touched and turned back (grazing): stay on this side
            return _FREE
        signs[j] = side
        result.crossings.append((t_now, x_now.copy(), j, before, tuple(signs)))
        return _FREE
