"""The classic fourth-order Runge–Kutta method (Kutta 1901)."""

from ._tableau import ButcherTableau

__all__ = ["RK4"]

RK4 = ButcherTableau(
    "rk4",
    [[0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]],
    [1 / 6, 1 / 3, 1 / 3, 1 / 6],
    order=4,
)
