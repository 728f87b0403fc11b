"""Event-aware integration of switched (Filippov) systems.

A switched system is a vector field that is smooth on each of the regions cut out by one or
more switching functions ``h_i(x)`` and may jump across their zero sets (the switching
surfaces). A region is a sign pattern ``s`` with ``s_i = +1`` where ``h_i(x) >= 0`` and
``s_i = -1`` where ``h_i(x) < 0``. :class:`SwitchedSystem` integrates such a field with
``scipy.integrate.solve_ivp``, stopping at every crossing, and slides along a surface where
both neighbouring fields push into it, with Filippov's convex combination [1]_, [2]_.

This module sits low in the package: it, and the private modules it re-exports
(``_switched_system``, the integrator; ``_switched_trajectory``, its result), import nothing
from ``sparseid.systems`` or ``sparseid.models``, so both can use it.

References
----------
.. [1] M. di Bernardo, C. J. Budd, A. R. Champneys and P. Kowalczyk, *Piecewise-smooth
   Dynamical Systems: Theory and Applications*, Springer (2008).
.. [2] A. F. Filippov, *Differential Equations with Discontinuous Righthand Sides*, Kluwer
   (1988).
"""

from ._switched_system import SwitchedSystem
from ._switched_trajectory import SwitchedTrajectory

__all__ = ["SwitchedSystem", "SwitchedTrajectory"]
