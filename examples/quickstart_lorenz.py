"""Quickstart: the Lorenz equations
================================

Quickstart: learn the Lorenz equations from the shipped data with SINDy.

Run from any folder: ``python quickstart_lorenz.py``. Writes nothing. With ``SPARSEID_QUICK=1`` in
the environment it uses a shorter stretch of data.
"""

import os

import numpy as np

import sparseid
from sparseid.systems import Lorenz

quick = os.environ.get("SPARSEID_QUICK") == "1"
data = sparseid.datasets.load("lorenz")  # DataFrame indexed by time t, columns x, y, z
if quick:
    data = data.iloc[:3000]

model = sparseid.SINDy().fit(data)  # the time index gives the sampling; no t= needed
model.print()

truth = Lorenz().true_coefficients(model.get_feature_names())
error = np.max(np.abs(model.coef_ - truth.to_numpy()))
print(f"\nlargest coefficient error against the true Lorenz system: {error:.1e}")
print(f"standard errors of the nonzero coefficients: up to {model.coef_stderr_.max():.1e}")

horizon = data.index.to_numpy()[:1000]  # two time units
simulated = model.simulate(data.iloc[0], horizon)
gap = np.max(np.abs(simulated.to_numpy() - data.iloc[:1000].to_numpy()))
print(f"simulated for 2 time units from the first sample: largest deviation {gap:.1e}")
