"""Identifying piecewise-linear flows with a switched library
==========================================================

SINDy with :class:`sparseid.libraries.SwitchedLibrary` learns the lecture's normal form
dx/dt = A1 x + μ b (x < 0) / A2 x + μ b (x >= 0) from trajectories on both sides of the
switching line: the library holds 1, x and their products with the step H(x − s), and the
offset s of the line is not given (``surfaces=[(0, None)]``): it is found by searching the
residual of the sparse fit over s. The fitted model knows its switching surface, so
``simulate`` goes through the switched-system integrator and crosses the line exactly.

The same for the 3-D chaotic example: the learned model's attractor and largest Lyapunov
exponent against the true ones.

Run from any folder: ``python identify_piecewise_linear.py [output.png]``. Writes one figure
(default ``identify_piecewise_linear.png`` in the current folder). ``SPARSEID_QUICK=1`` runs
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
from sparseid.dynamics import lyapunov_exponent
from sparseid.libraries import PolynomialLibrary, SwitchedLibrary
from sparseid.optimizers import STLSQ
from sparseid.systems import PiecewiseLinearFlow

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "identify_piecewise_linear.png"
dt = 0.005


def fit(flow, starts, t_end):
    """SINDy on trajectories of ``flow``; derivatives by the default differentiation."""
    t = np.arange(0.0, t_end, dt)
    xs = [flow.simulate(x0, t).x for x0 in starts]
    library = SwitchedLibrary(PolynomialLibrary(degree=1), surfaces=[(0, None)])
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=0.02))
    return model.fit(xs, t=dt, feature_names=list(flow.variables)), xs


def report(name, flow, model):
    d = flow.A1.shape[0]
    coef = model.coef_
    a1, a2 = coef[:, 1 : d + 1], coef[:, 1 : d + 1] + coef[:, d + 2 :]
    (found,) = model.surface_search_
    print(f"{name}:")
    model.print(precision=4)
    print(
        f"  switching line found at x = {found['offset']:.3g} (the samples either side are "
        f"at {found['bracket'][0]:.3g} and {found['bracket'][1]:.3g})"
    )
    print(
        f"  largest error: A1 {np.abs(a1 - flow.A1).max():.2e}, A2 {np.abs(a2 - flow.A2).max():.2e}"
        f", mu b {np.abs(coef[:, 0] - flow.mu * flow.b).max():.2e}"
    )


fig, axes = plt.subplots(1, 3, figsize=(17, 5.2))

# --- 2-D: a limit cycle around the switching line ---------------------------------------------
flow2 = PiecewiseLinearFlow.limit_cycle_2d(1.0)
model2, _ = fit(flow2, [(0.5, 0.5), (-2.0, 1.0), (2.0, -1.0)], 10.0 if quick else 20.0)
report("2-D normal form, mu = 1", flow2, model2)
t = np.arange(0.0, 20.0, 0.01)
x0 = [-3.0, 2.0]  # not a training start
truth = flow2.simulate(x0, t).x
learned = model2.simulate(x0, t)
plain = model2.simulate(x0, t, switched=False)  # one smooth solver over the kink
print(
    f"  simulated from {x0} over 20 time units: max error {np.abs(learned - truth).max():.1e} "
    "(from the coefficients); a plain LSODA run of the same learned field differs from the "
    f"switched integrator's by {np.abs(plain - learned).max():.1e}"
)
ax = axes[0]
ax.plot(truth[:, 0], truth[:, 1], "k", lw=3, alpha=0.35, label="truth")
ax.plot(learned[:, 0], learned[:, 1], "C3--", lw=1.2, label="learned model, simulated")
ax.plot(*x0, "ko", ms=5)
ax.axvline(model2.switching_surfaces_[0][1], color="C0", ls=":", label="learned switching line")
ax.set(xlabel="x", ylabel="y", title="2-D normal form, μ = 1: phase plane")
ax.legend(loc="lower left", fontsize=8)

ax = axes[1]
ax.plot(t, truth[:, 0], "k", lw=3, alpha=0.35, label="truth x(t)")
ax.plot(t, learned[:, 0], "C3--", lw=1.2, label="learned model x(t)")
ax.axhline(0.0, color="C0", ls=":", lw=1)
ax.set(xlabel="t", ylabel="x", title="2-D: crossings of the line x = 0 in time")
ax.legend(loc="lower right", fontsize=8)

# --- 3-D: chaos --------------------------------------------------------------------------------
flow3 = PiecewiseLinearFlow.chaos_3d(1.0)
model3, xs3 = fit(flow3, [(0.1, 0.0, 0.0), (-1.0, 0.5, 0.2)], 30.0 if quick else 60.0)
report("3-D normal form, mu = 1", flow3, model3)
t = np.arange(0.0, 200.0 if quick else 1000.0, 0.01)
start = [0.01, 0.01, 0.01]
truth = flow3.simulate(start, t).x
learned = model3.simulate(start, t)
keep = t > 50.0
ax = axes[2]
ax.plot(truth[keep, 0], truth[keep, 2], "k", lw=0.4, alpha=0.5, label="truth")
ax.plot(learned[keep, 0], learned[keep, 2], "C3", lw=0.4, alpha=0.5, label="learned model")
ax.axvline(0.0, color="C0", ls=":", lw=1)
lyapunov = {}
for name, system in (("truth", flow3), ("model", model3)):
    # Two nearby trajectories: right for a piecewise-smooth flow (see lyapunov_exponent).
    lyapunov[name] = lyapunov_exponent(
        system,
        start,
        n_steps=5_000 if quick else 50_000,
        n_orbits=1 if quick else 10,
        method="two_trajectory",
        random_state=0,
    )
print(
    f"  largest Lyapunov exponent: truth {lyapunov['truth']:.3f}, learned model "
    f"{lyapunov['model']:.3f}"
)
ax.set(
    xlabel="x",
    ylabel="z",
    title=(
        f"3-D normal form, μ = 1 (λ₁: truth {lyapunov['truth']:.3f}, model {lyapunov['model']:.3f})"
    ),
)
ax.legend(loc="lower left", fontsize=8)

fig.tight_layout()
fig.savefig(output, dpi=110)
print(f"wrote {output}")
