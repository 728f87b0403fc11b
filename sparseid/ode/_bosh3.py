"""Bogacki–Shampine 3(2): three new stages a step, first same as last, Hermite dense output.

References
----------
.. [1] P. Bogacki and L. F. Shampine, "A 3(2) pair of Runge-Kutta formulas", Applied
   Mathematics Letters 2, 1989.
"""

from ._tableau import ButcherTableau

__all__ = ["BOSH3"]

BOSH3 = ButcherTableau(
    "bosh3",
    [
        [0.0, 0.0, 0.0, 0.0],
        [1 / 2, 0.0, 0.0, 0.0],
        [0.0, 3 / 4, 0.0, 0.0],
        [2 / 9, 1 / 3, 4 / 9, 0.0],
    ],
    [2 / 9, 1 / 3, 4 / 9, 0.0],
    order=3,
    # b - b̂ with the embedded second-order weights b̂ = (7/24, 1/4, 1/3, 1/8)
    error=[2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8],
    error_order=2,
    fsal=True,
)
