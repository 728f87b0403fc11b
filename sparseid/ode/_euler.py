"""Explicit Euler: one stage, first order."""

from ._tableau import ButcherTableau

__all__ = ["EULER"]

EULER = ButcherTableau("euler", [[0.0]], [1.0], order=1)
