"""Analysis of dynamical systems and learned models: omega-limit sets, bifurcation diagrams,
Lyapunov exponents, fixed points (and pseudo-equilibria of switched systems) and periodic
orbits.

This package sits above :mod:`sparseid.systems` and :mod:`sparseid.models`: it accepts their
objects (and plain callables) and nothing below it imports it.
"""

from ._fixed_points import FixedPoint, fixed_points
from ._lyapunov import lyapunov_exponent
from ._map_training import OmegaLimitLoss, map_fold, omega_limit_loss
from ._omega import BifurcationDiagram, bifurcation_diagram, omega_limit, orbit_period
from ._periodic import PeriodicOrbit, periodic_orbit
from ._pseudo import PseudoEquilibrium, pseudo_equilibria

__all__ = [
    "BifurcationDiagram",
    "FixedPoint",
    "OmegaLimitLoss",
    "PeriodicOrbit",
    "PseudoEquilibrium",
    "bifurcation_diagram",
    "fixed_points",
    "lyapunov_exponent",
    "map_fold",
    "omega_limit",
    "omega_limit_loss",
    "orbit_period",
    "periodic_orbit",
    "pseudo_equilibria",
]
