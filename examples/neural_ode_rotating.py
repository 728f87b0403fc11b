"""A neural ODE on the rotating-linear data
========================================

The lecture's neural-ODE experiment: learn dx/dt = f(x) with a 20-unit tanh MLP from the first
400 points of the rotating-linear trajectory, then predict the whole [0, 15] from other starts.

Run from any folder: ``python neural_ode_rotating.py [output.png]``. Writes one figure (default
``neural_ode_rotating.png`` in the current folder). ``SPARSEID_QUICK=1`` trains less.
"""

import os
import sys

import matplotlib

# This script only saves its figure: the non-interactive backend needs no display. (In a
# notebook, leave this line out and the figure shows inline.)
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import sparseid
from sparseid.systems import RotatingLinear

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "neural_ode_rotating.png"

data = sparseid.datasets.load("rotating_linear")
model = sparseid.NeuralODE(max_iter=200 if quick else 1200, random_state=0)
model.fit(data.iloc[:400])  # the time index gives the sampling
print(
    f"trained {model.n_iter_} iterations in {model.fit_time_:.1f} s, final loss "
    f"{model.loss_curve_[-1]:.2e}"
)

t = data.index.to_numpy()
fig, axes = plt.subplots(1, 4, figsize=(16, 4))
for ax, x0 in zip(axes, [(2.0, 0.0), (-1.0, -1.0), (0.0, 2.0), (1.0, 1.0)]):
    exact = RotatingLinear().solution(t, x0)
    predicted = np.asarray(model.simulate(x0, t))
    error = np.linalg.norm(predicted - exact) / np.linalg.norm(exact)
    print(f"from x0 = {x0}: relative L2 error over [0, 15] = {error:.3f}")
    ax.plot(exact[:, 0], exact[:, 1], color="black", lw=2, alpha=0.4, label="exact")
    ax.plot(predicted[:, 0], predicted[:, 1], color="tab:green", label="neural ODE")
    ax.set_title(f"x0 = {x0}, error {error:.2f}")
    ax.set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].legend()
fig.tight_layout()
fig.savefig(output, dpi=100)
print(f"wrote {output}")
