"""Dormand–Prince 5(4): seven stages, first same as last, Shampine's fourth-order dense output.

References
----------
.. [1] J. R. Dormand and P. J. Prince, "A family of embedded Runge-Kutta formulae", Journal of
   Computational and Applied Mathematics 6, 1980.
.. [2] L. F. Shampine, "Some practical Runge-Kutta formulas", Mathematics of Computation 46,
   1986 (the dense output, as in Hairer's DOPRI5 and scipy's RK45).
"""

import numpy as np

from ._tableau import ButcherTableau

__all__ = ["DOPRI5"]

_B = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0]
_A = np.zeros((7, 7))
_A[1, :1] = [1 / 5]
_A[2, :2] = [3 / 40, 9 / 40]
_A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
_A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
_A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
_A[6, :6] = _B[:6]  # the seventh stage is evaluated at the new state (first same as last)

DOPRI5 = ButcherTableau(
    "dopri5",
    _A,
    _B,
    order=5,
    error=[71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40],
    error_order=4,
    dense=[
        [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0, 0, 0, 0],
        [0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
        [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632],
        [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ],
    fsal=True,
)
