"""Non-smooth flows of the lecture: ReLU-type and piecewise-linear fields, Filippov sliding.

Each system is a frozen dataclass in the style of :class:`sparseid.systems.Lorenz`: its
parameters, a right-hand side ``rhs(t, x)`` vectorised over rows of ``x``, a piecewise
``jacobian(t, x)`` and ``simulate(x0, t)``, which goes through
:class:`sparseid.switched.SwitchedSystem` so that trajectories stay accurate across the
switching surfaces (and slide along them where the field is discontinuous). Off the surfaces
``rhs`` is the field of the region; on a surface it is the field of the side ``h >= 0``.
These classes are re-exported by :mod:`sparseid.systems`.

References
----------
.. [1] M. di Bernardo, C. J. Budd, A. R. Champneys and P. Kowalczyk, *Piecewise-smooth
   Dynamical Systems: Theory and Applications*, Springer (2008).
.. [2] E. Freire, E. Ponce and F. Torres, "Canonical discontinuous planar piecewise linear
   systems", SIAM Journal on Applied Dynamical Systems 11 (1), 181-211 (2012).
.. [3] V. Carmona, E. Freire, E. Ponce and F. Torres, "Bifurcation of invariant manifolds in
   discontinuous piecewise linear systems", Journal of Nonlinear Science 15, 201-235 (2005).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .switched import SwitchedSystem

__all__ = ["CoulombFriction", "PiecewiseLinearFlow", "ReluFlow", "SeparatingFlow"]


def _matrix(value, name, owner, shape=None):
    array = np.asarray(value, dtype=np.float64)
    if shape is not None and array.shape != shape:
        raise ValueError(f"{owner}: {name} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{owner}: {name} must be finite, got {array.tolist()}")
    return array


def _rows(x, d, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.ndim > 2 or x.shape[-1] != d:
        raise ValueError(f"{name}: x must have shape ({d},) or (m, {d}), got {x.shape}")
    return x


def _names(d):
    return ("x", "y", "z")[:d] if d <= 3 else tuple(f"x{j}" for j in range(d))


class _Switched:
    """What the flows share: the switched system behind ``simulate``."""

    def switched_system(self):
        """The :class:`~sparseid.switched.SwitchedSystem` that ``simulate`` integrates."""
        return SwitchedSystem(self._field, self._switching, self._gradient)

    def simulate(self, x0, t, **options):
        """Integrate from ``x0`` through the switched integrator.

        Parameters
        ----------
        x0 : array-like of shape (d,)
            Initial state at ``t[0]``.
        t : array-like of shape (n,)
            Strictly increasing output times.
        **options
            Options of :meth:`sparseid.switched.SwitchedSystem.simulate` (``method``,
            ``rtol``, ``atol``, ``max_events``, ...).

        Returns
        -------
        SwitchedTrajectory
            States ``x`` at ``t``, the ``crossings`` and the ``sliding`` intervals;
            ``to_frame()`` gives a DataFrame with the variable names as columns.
        """
        x0 = _rows(x0, len(self.variables), f"{type(self).__name__}.simulate")
        if x0.ndim != 1:
            raise ValueError(
                f"{type(self).__name__}.simulate: x0 must be one state of shape "
                f"({len(self.variables)},), got {x0.shape}"
            )
        trajectory = self.switched_system().simulate(x0, t, **options)
        trajectory.names = self.variables
        return trajectory


@dataclass(frozen=True, eq=False)
class ReluFlow(_Switched):
    """The ReLU-type flow dx/dt = A1 x + b1 + ReLU(A2 x + b2).

    The field is continuous; its switching surfaces are the hyperplanes where a nonzero row
    of ``A2 x + b2`` vanishes, so trajectories cross them and never slide.

    Parameters
    ----------
    A1 : array-like of shape (d, d)
    b1 : array-like of shape (d,)
    A2 : array-like of shape (d, d)
        One switching surface per nonzero row (a zero row adds the constant max(b2_i, 0)).
    b2 : array-like of shape (d,)

    Examples
    --------
    >>> A1, A2 = [[-1.0, 0.0], [0.0, -1.0]], [[1.0, 0.0], [0.0, 0.0]]
    >>> flow = ReluFlow(A1, [0.0, 0.0], A2, [0.0, 0.0])
    >>> flow.rhs(0.0, [[1.0, 2.0], [-1.0, 2.0]]).tolist()
    [[0.0, -2.0], [1.0, -2.0]]
    >>> flow.simulate([1.0, 1.0], [0.0, 1.0]).crossings
    []
    """

    A1: np.ndarray
    b1: np.ndarray
    A2: np.ndarray
    b2: np.ndarray
    variables: tuple = field(init=False)

    def __post_init__(self):
        A1 = _matrix(self.A1, "A1", "ReluFlow")
        if A1.ndim != 2 or A1.shape[0] != A1.shape[1]:
            raise ValueError(f"ReluFlow: A1 must be a square matrix, got shape {A1.shape}")
        d = A1.shape[0]
        object.__setattr__(self, "A1", A1)
        object.__setattr__(self, "b1", _matrix(self.b1, "b1", "ReluFlow", (d,)))
        object.__setattr__(self, "A2", _matrix(self.A2, "A2", "ReluFlow", (d, d)))
        object.__setattr__(self, "b2", _matrix(self.b2, "b2", "ReluFlow", (d,)))
        object.__setattr__(self, "variables", _names(d))

    def rhs(self, t, x):
        """Right-hand side at state(s) ``x`` of shape (d,) or (m, d)."""
        x = _rows(x, self.A1.shape[0], "ReluFlow.rhs")
        return x @ self.A1.T + self.b1 + np.maximum(x @ self.A2.T + self.b2, 0.0)

    def jacobian(self, t, x):
        """Jacobian A1 + D A2 at one state, D = diag(A2 x + b2 >= 0), shape (d, d)."""
        x = _rows(x, self.A1.shape[0], "ReluFlow.jacobian")
        active = (self.A2 @ x + self.b2 >= 0).astype(np.float64)
        return self.A1 + active[:, None] * self.A2

    @property
    def _surfaces(self):
        """Rows of A2 that cut out a switching surface (the nonzero ones)."""
        return np.flatnonzero(np.any(self.A2 != 0.0, axis=1))

    def _field(self, t, x, signs):
        active = self.b2 > 0  # zero rows: ReLU(b2_i) is constant
        active[self._surfaces] = np.asarray(signs) > 0
        return self.A1 @ x + self.b1 + np.where(active, self.A2 @ x + self.b2, 0.0)

    def _switching(self, x):
        return (self.A2 @ x + self.b2)[self._surfaces]

    def _gradient(self, x):
        return self.A2[self._surfaces]


@dataclass(frozen=True, eq=False)
class PiecewiseLinearFlow(_Switched):
    """The lecture's normal form at a switching transition.

    dx/dt = A1 x + μ b if cᵀx < 0, and dx/dt = A2 x + μ b if cᵀx >= 0. The field is
    discontinuous across cᵀx = 0 unless (A2 − A1) x vanishes there, so trajectories may slide.

    Parameters
    ----------
    A1, A2 : array-like of shape (d, d)
    b, c : array-like of shape (d,)
    mu : float
        The bifurcation parameter.

    Notes
    -----
    Both lecture examples are continuous across cᵀx = 0 (A1 and A2 differ in the first
    column only, and c = e₁), so their trajectories cross the surface and never slide.

    :meth:`chaos_3d` flips the signs of the lecture's A1[0, 0], A1[1, 0] and A2[0, 0]. As
    transcribed, A1 = [[0.8, 1, 0], [0.57, 0, 1], [-0.09, 0, 0]] has the eigenvalues 1.21,
    0.136, -0.546 and A2 = [[0.1, 1, 0], [-0.2, 0, 1], [-60, 0, 0]] has 1.98 ± 3.41i, -3.86:
    from small starts every trajectory reaches |x| = 10⁶ by t ≈ 11-16 for μ = -1 and for
    μ = +1, with no fixed point to lose. Flipping the whole first columns makes A1 unstable
    too (eigenvalue 0.130; divergence by t ≈ 4-90). With A1 = [[-0.8, 1, 0], [-0.57, 0, 1],
    [-0.09, 0, 0]] (eigenvalues -0.3 ± 0.6i, -0.2), A2 = [[-0.1, 1, 0], [-0.2, 0, 1],
    [-60, 0, 0]] (1.92 ± 3.40i, -3.93), b = (0, 0, 1) and c = (1, 0, 0), as in the lecture:

    - μ = -1: the admissible equilibrium is (-11.1, -8.89, -6.33), on the side cᵀx < 0 and
      stable; three starts converge to it;
    - μ = +1: the only admissible equilibrium (1/60)(1, 0.1, 0.2) is a saddle-focus; three
      starts stay bounded over t ∈ [0, 3000] (max |x| ≈ 85, x irregular over a range of
      ≈ 87, about one crossing per 5 time units) and two trajectories 10⁻⁸ apart separate at
      ≈ 0.034 per unit time (renormalised every unit time over t = 1500 after a transient
      of 3000; ``sparseid.dynamics.lyapunov_exponent`` gives 0.031 over 10 orbits of 500
      time units): the lecture's fixed point → chaos transition [3]_.

    Examples
    --------
    >>> flow = PiecewiseLinearFlow.limit_cycle_2d(1.0)
    >>> flow.rhs(0.0, [[-1.0, 0.0], [1.0, 0.0]]).tolist()
    [[1.0, 2.0], [2.0, -4.0]]
    """

    A1: np.ndarray
    A2: np.ndarray
    b: np.ndarray
    c: np.ndarray
    mu: float = 0.0
    variables: tuple = field(init=False)

    def __post_init__(self):
        A1 = _matrix(self.A1, "A1", "PiecewiseLinearFlow")
        if A1.ndim != 2 or A1.shape[0] != A1.shape[1]:
            raise ValueError(
                f"PiecewiseLinearFlow: A1 must be a square matrix, got shape {A1.shape}"
            )
        d = A1.shape[0]
        object.__setattr__(self, "A1", A1)
        object.__setattr__(self, "A2", _matrix(self.A2, "A2", "PiecewiseLinearFlow", (d, d)))
        object.__setattr__(self, "b", _matrix(self.b, "b", "PiecewiseLinearFlow", (d,)))
        c = _matrix(self.c, "c", "PiecewiseLinearFlow", (d,))
        if not np.any(c):
            raise ValueError("PiecewiseLinearFlow: c must be nonzero (it is the surface normal)")
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "mu", float(_matrix(self.mu, "mu", "PiecewiseLinearFlow", ())))
        object.__setattr__(self, "variables", _names(d))

    @classmethod
    def limit_cycle_2d(cls, mu):
        """The lecture's 2-D example: a stable focus for μ < 0, a limit cycle for μ > 0.

        A1 = [[-1, 1], [-1, 0]], A2 = [[2, 1], [-5, 0]], b = (0, 1), c = (1, 0) [2]_.
        """
        return cls([[-1.0, 1.0], [-1.0, 0.0]], [[2.0, 1.0], [-5.0, 0.0]], [0, 1], [1, 0], mu)

    @classmethod
    def chaos_3d(cls, mu):
        """The lecture's 3-D example: a stable equilibrium for μ < 0, chaos for μ > 0.

        See the Notes of the class for the sign convention and the evidence for it.
        """
        A1 = [[-0.8, 1.0, 0.0], [-0.57, 0.0, 1.0], [-0.09, 0.0, 0.0]]
        A2 = [[-0.1, 1.0, 0.0], [-0.2, 0.0, 1.0], [-60.0, 0.0, 0.0]]
        return cls(A1, A2, [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], mu)

    def rhs(self, t, x):
        """Right-hand side at state(s) ``x`` of shape (d,) or (m, d)."""
        x = _rows(x, self.A1.shape[0], "PiecewiseLinearFlow.rhs")
        left = (x @ self.c < 0)[..., None]
        return np.where(left, x @ self.A1.T, x @ self.A2.T) + self.mu * self.b

    def jacobian(self, t, x):
        """A1 where cᵀx < 0, A2 where cᵀx >= 0 (at one state)."""
        x = _rows(x, self.A1.shape[0], "PiecewiseLinearFlow.jacobian")
        return self.A1.copy() if self.c @ x < 0 else self.A2.copy()

    def equilibria(self):
        """The zeros of each side's field, with whether they lie on their own side.

        Returns
        -------
        list of (ndarray, bool)
            ``(x*, admissible)`` for side 1 (cᵀx < 0) then side 2; a singular matrix gives
            ``(None, False)``.
        """
        found = []
        for A, left in ((self.A1, True), (self.A2, False)):
            try:
                point = np.linalg.solve(A, -self.mu * self.b)
            except np.linalg.LinAlgError:
                found.append((None, False))
                continue
            found.append((point, bool((self.c @ point < 0) == left)))
        return found

    def _field(self, t, x, signs):
        return (self.A2 if signs[0] > 0 else self.A1) @ x + self.mu * self.b

    def _switching(self, x):
        return np.array([self.c @ x])

    def _gradient(self, x):
        return self.c[None, :]


@dataclass(frozen=True)
class SeparatingFlow(_Switched):
    """The lecture's discontinuous radial flow, in Cartesian coordinates (x, y).

    Inside the unit circle dr/dt = −r, dθ/dt = 0 (straight into the origin); outside
    dr/dt = r(r* − r), dθ/dt = −θ with θ = atan2(y, x) in (−π, π] (out to the circle r = r*,
    and round to the positive x-axis). Both fields point away from r = 1, which therefore
    separates the two basins: no trajectory crosses it. (The negative x-axis, where θ jumps,
    repels both ways and is never reached from off it.)

    Parameters
    ----------
    r_star : float
        Radius of the attracting circle outside; must exceed 1.

    Examples
    --------
    >>> SeparatingFlow().rhs(0.0, [[0.5, 0.5], [1.5, 0.0]]).tolist()
    [[-0.5, -0.5], [0.75, 0.0]]
    """

    r_star: float = 2.0
    variables: tuple = field(default=("x", "y"), init=False)

    def __post_init__(self):
        if not (np.isfinite(self.r_star) and self.r_star > 1.0):
            raise ValueError(
                f"SeparatingFlow: r_star must be a finite number > 1, got {self.r_star}"
            )

    def rhs(self, t, x):
        """Right-hand side at state(s) ``x`` of shape (2,) or (m, 2)."""
        x = _rows(x, 2, "SeparatingFlow.rhs")
        inside = (np.hypot(x[..., 0], x[..., 1]) < 1.0)[..., None]
        return np.where(inside, -x, self._outside(x))

    def _outside(self, x):
        a, b = x[..., 0], x[..., 1]
        r, theta = np.hypot(a, b), np.arctan2(b, a)
        return np.stack([(self.r_star - r) * a + theta * b, (self.r_star - r) * b - theta * a], -1)

    def jacobian(self, t, x):
        """Jacobian at one state off the origin (−I inside, the polar field's outside)."""
        a, b = _rows(x, 2, "SeparatingFlow.jacobian")
        r = np.hypot(a, b)
        if r < 1.0:
            return -np.eye(2)
        theta, s = np.arctan2(b, a), self.r_star - r
        ab = a * b * (1.0 / r**2 - 1.0 / r)
        return np.array(
            [[s - a * a / r - b * b / r**2, theta + ab], [ab - theta, s - b * b / r - a * a / r**2]]
        )

    def _field(self, t, x, signs):
        return self._outside(x) if signs[0] > 0 else -x

    def _switching(self, x):
        return np.array([np.hypot(*x) - 1.0])

    def _gradient(self, x):
        return (x / np.hypot(*x))[None, :]


@dataclass(frozen=True)
class CoulombFriction(_Switched):
    """The oscillator with dry friction x″ + x = −F sign(x′), as a switched system in (x, v).

    The switching surface is v = 0. Away from it each half turn is a rotation about
    x = −F sign(v), so the turning points lose 2F per half turn; once a turning point lies in
    the band |x| <= F both fields push into v = 0 and the mass sticks there (Filippov
    sliding with zero velocity) [1]_.

    Parameters
    ----------
    friction : float
        The friction force F (non-negative).

    Examples
    --------
    >>> out = CoulombFriction().simulate([7.5, 0.0], [0.0, 20.0])
    >>> out.x[-1].round(8).tolist()
    [-0.5, 0.0]
    """

    friction: float = 1.0
    variables: tuple = field(default=("x", "v"), init=False)

    def __post_init__(self):
        if not (np.isfinite(self.friction) and self.friction >= 0):
            raise ValueError(
                f"CoulombFriction: friction must be finite and non-negative, got {self.friction}"
            )

    def rhs(self, t, x):
        """Right-hand side at state(s) ``x`` of shape (2,) or (m, 2) (sign(0) taken as +1)."""
        x = _rows(x, 2, "CoulombFriction.rhs")
        sign = np.where(x[..., 1] >= 0, 1.0, -1.0)
        return np.stack([x[..., 1], -x[..., 0] - self.friction * sign], axis=-1)

    def jacobian(self, t, x):
        """The constant Jacobian [[0, 1], [-1, 0]] off the switching line v = 0."""
        _rows(x, 2, "CoulombFriction.jacobian")
        return np.array([[0.0, 1.0], [-1.0, 0.0]])

    def _field(self, t, x, signs):
        return np.array([x[1], -x[0] - self.friction * signs[0]])

    def _switching(self, x):
        return x[1:2]

    def _gradient(self, x):
        return np.array([[0.0, 1.0]])
