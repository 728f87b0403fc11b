"""A bifurcation learned from data
===============================

One SINDy model is fitted on trajectories of the lecture's 2-D normal form recorded at four
values of the bifurcation parameter, μ ∈ {−1, −0.5, 0.5, 1}. μ enters as a parameter
(``fit(..., parameters={"mu": ...})``, a control input held constant along each trajectory),
so the switched library holds terms in μ and in the states. The fitted model is then analysed
with :mod:`sparseid.dynamics` at μ values it never saw: a stable equilibrium for μ < 0, a limit
cycle for μ > 0 whose amplitude grows linearly with μ, as for the true system.

Run from any folder: ``python bifurcation_from_data.py [output.png]``. Writes one figure
(default ``bifurcation_from_data.png`` in the current folder). ``SPARSEID_QUICK=1`` runs
shorter.
"""

import os
import sys

import matplotlib

# This script only saves its figure: the non-interactive backend needs no display.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from sparseid import SINDy
from sparseid.dynamics import fixed_points, periodic_orbit
from sparseid.libraries import PolynomialLibrary, SwitchedLibrary
from sparseid.optimizers import STLSQ
from sparseid.systems import PiecewiseLinearFlow

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "bifurcation_from_data.png"

# --- training data: two trajectories at each of four values of mu -----------------------------
dt = 0.005
t = np.arange(0.0, 15.0, dt)
trajectories, mus = [], []
for mu in (-1.0, -0.5, 0.5, 1.0):
    flow = PiecewiseLinearFlow.limit_cycle_2d(mu)
    for x0 in ((1.5, 0.5), (-1.0, -1.0)):
        trajectories.append(flow.simulate(x0, t).x)
        mus.append(mu)

library = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[(0, 0.0)])
model = SINDy(feature_library=library, optimizer=STLSQ(threshold=0.05))
model.fit(trajectories, t=dt, parameters={"mu": mus}, feature_names=["x", "y"])
model.print(precision=4)


# --- the learned model at held-out mu: equilibrium or cycle -----------------------------------
def attractor(system, mu):
    """('equilibrium', point, stability) or ('cycle', PeriodicOrbit) of the flow at mu."""
    if mu <= 0:  # at mu = 0 the cycle has shrunk onto the equilibrium at the origin
        (point,) = fixed_points(system, ([-3.0, -3.0], [3.0, 3.0]), n_starts=10, random_state=0)
        return "equilibrium", point
    return "cycle", periodic_orbit(
        system, [0.5, 0.5], t_transient=20.0, n_crossings=3, tol=1e-6, rtol=1e-9, atol=1e-9
    )


sweep = np.linspace(-1.5, 1.5, 5 if quick else 31)
rows = []
for mu in sweep:
    learned = attractor(model.vector_field(u=[mu]), mu)
    true = attractor(PiecewiseLinearFlow.limit_cycle_2d(mu), mu)
    rows.append((mu, learned, true))
for mu in (-0.25, 0.75):
    (kind, learned), (_, true) = (
        attractor(s, mu)
        for s in (model.vector_field(u=[mu]), PiecewiseLinearFlow.limit_cycle_2d(mu))
    )
    if kind == "equilibrium":
        print(
            f"mu = {mu:+}: learned {learned.stability} at {np.round(learned.x, 5)}, true "
            f"{true.stability} at {np.round(true.x, 5)}"
        )
    else:
        print(
            f"mu = {mu:+}: learned cycle period {learned.period:.5f} (true {true.period:.5f}), "
            f"amplitude of x {learned.amplitude[0]:.5f} (true {true.amplitude[0]:.5f}): relative "
            f"errors {abs(learned.period / true.period - 1):.1e} and "
            f"{abs(learned.amplitude[0] / true.amplitude[0] - 1):.1e}"
        )


def extent(result):
    kind, found = result
    if kind == "equilibrium":
        return found.x[0], found.x[0]
    return found.center[0] - found.amplitude[0], found.center[0] + found.amplitude[0]


fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
true_ext = np.array([extent(r[2]) for r in rows])
learned_ext = np.array([extent(r[1]) for r in rows])
left.plot(sweep, true_ext[:, 0], "k-", lw=3, alpha=0.3, label="truth: min and max of x")
left.plot(sweep, true_ext[:, 1], "k-", lw=3, alpha=0.3)
left.plot(sweep, learned_ext[:, 0], "C3o", ms=4, label="learned model, analysed at each μ")
left.plot(sweep, learned_ext[:, 1], "C3o", ms=4)
for k, mu in enumerate(sorted(set(mus))):
    left.axvline(mu, color="C0", ls=":", lw=1, label="training μ" if k == 0 else None)
left.set(
    xlabel="μ",
    ylabel="x on the attractor",
    title="Bifurcation diagram: equilibrium (μ < 0) → limit cycle (μ > 0)",
)
left.legend(loc="lower left", fontsize=8)

t_plot = np.arange(0.0, 25.0, 0.01)
for mu, color in ((-0.25, "C2"), (0.75, "C1")):
    truth = PiecewiseLinearFlow.limit_cycle_2d(mu).simulate([0.5, 0.5], t_plot).x
    learned = model.simulate([0.5, 0.5], t_plot, parameters={"mu": mu})
    right.plot(truth[:, 0], truth[:, 1], color="k", lw=3, alpha=0.25)
    right.plot(
        learned[:, 0],
        learned[:, 1],
        "--",
        color=color,
        lw=1.2,
        label=f"learned model, μ = {mu:+} (truth in grey)",
    )
right.axvline(0.0, color="C0", ls=":", lw=1, label="switching line x = 0")
right.set(xlabel="x", ylabel="y", title="Held-out μ, simulated from (0.5, 0.5)")
right.legend(loc="lower left", fontsize=8)
fig.tight_layout()
fig.savefig(output, dpi=110)
print(f"wrote {output}")
