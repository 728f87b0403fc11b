"""DataFrames in, DataFrames out
=============================

DataFrames in, DataFrames out: a DatetimeIndex gives the time, column names name the equations.

Run from any folder: ``python pandas_input.py``. Writes nothing; ``SPARSEID_QUICK=1`` is accepted
(this example is quick anyway).
"""

import pandas as pd

import sparseid
from sparseid.libraries import PolynomialLibrary
from sparseid.optimizers import STLSQ

data = sparseid.datasets.load("rotating_linear").rename(columns={"x": "u", "y": "v"})
# Pretend the samples were logged with wall-clock timestamps.
start = pd.Timestamp("2026-01-01 12:00")
data.index = start + pd.to_timedelta(data.index.to_numpy(), unit="s")
print(data.head(3), "\n")

model = sparseid.SINDy(
    feature_library=PolynomialLibrary(degree=1), optimizer=STLSQ(threshold=0.05)
).fit(data)
model.print()

derivatives = model.predict(data.iloc[:3])  # same DatetimeIndex, one column per equation
print("\npredicted derivatives:\n", derivatives)

print("\ncoefficients:\n", model.coefficients_frame())

trajectory = model.simulate(data.iloc[0], [0.0, 0.5, 1.0])  # times in seconds from the start
print("\nsimulated (index: seconds from the first sample):\n", trajectory)
