"""The lecture's table: dx/dt = B x
================================

The lecture's table: fit dx/dt = B x on the first 100, 400 and 2000 points of the
rotating-linear data, with our numbers beside the lecture's.

Run from any folder: ``python rotating_linear_table.py``. Writes nothing; ``SPARSEID_QUICK=1`` is
accepted (this example is quick anyway).
"""

import numpy as np

import sparseid
from sparseid.optimizers import STLSQ

A = np.array([[-0.1, -1.0], [1.0, -0.1]])
LECTURE = {  # the matrices B reported in the lecture (four decimals)
    100: [[-0.1001, -1.0005], [1.0004, -0.0993]],
    400: [[-0.1000, -1.0005], [1.0007, -0.1002]],
    2000: [[-0.1000, -1.0005], [1.0005, -0.1001]],
}

data = sparseid.datasets.load("rotating_linear")
print(f"true A = {A.tolist()}\n")
print(f"{'points':>6}  {'model':<8} {'fitted B':<48} {'max error':>9}  lecture's error")
for n, lecture in LECTURE.items():
    lecture_error = np.max(np.abs(np.array(lecture) - A))
    linear = sparseid.LinearModel().fit(data.iloc[:n])
    # alpha=0: the default ridge penalty (0.05, PySINDy's) biases a fit on only 100 samples
    # spanning 0.74 time units enough to swap the linear terms for quadratic look-alikes.
    sindy = sparseid.SINDy(optimizer=STLSQ(threshold=0.05, alpha=0.0)).fit(data.iloc[:n])
    sindy_b = sindy.coefficients_frame()[["x", "y"]].to_numpy()
    for name, B in (("linear", linear.matrix_), ("SINDy", sindy_b)):
        text = np.array2string(B, precision=10, floatmode="fixed", separator=", ")
        text = " ".join(text.split())
        print(f"{n:6d}  {name:<8} {text:<48} {np.max(np.abs(B - A)):9.1e}  {lecture_error:.1e}")
