"""Piecewise-linear normal forms
=============================

The lecture's piecewise-linear normal forms: a fixed point turning into a limit cycle (2-D)
and into a chaotic attractor (3-D) as μ passes through zero.

dx/dt = A1 x + μ b where cᵀx < 0 and A2 x + μ b where cᵀx >= 0. The trajectories go through
sparseid's switched integrator, which stops at every crossing of the switching surface.

Run from any folder: ``python piecewise_linear_flows.py [output.png]``. Writes one figure
(default ``piecewise_linear_flows.png`` in the current folder). ``SPARSEID_QUICK=1`` runs
shorter.
"""

import os
import sys

import matplotlib

# This script only saves its figure: the non-interactive backend needs no display.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from sparseid.systems import PiecewiseLinearFlow

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "piecewise_linear_flows.png"

fig = plt.figure(figsize=(16, 5.2))
starts = [(3.0, 8.0), (-4.0, -6.0), (0.5, 0.0), (-6.0, 10.0)]
for panel, mu in enumerate((-1.0, 1.0)):
    ax = fig.add_subplot(1, 3, panel + 1)
    flow = PiecewiseLinearFlow.limit_cycle_2d(mu)
    t = np.linspace(0.0, 40.0 if mu < 0 else 60.0, 4001)
    for k, x0 in enumerate(starts):
        out = flow.simulate(x0, t)
        ax.plot(out.x[:, 0], out.x[:, 1], lw=0.7, alpha=0.7, color=f"C{k}", label=f"from {x0}")
        ax.plot(*x0, "o", color=f"C{k}", ms=4)
    if mu > 0:  # the last few time units of the last start lie on the cycle
        ax.plot(out.x[-600:, 0], out.x[-600:, 1], "k", lw=2.5, label="limit cycle")
    for point, admissible in flow.equilibria():
        if admissible:
            stable = np.all(np.linalg.eigvals(flow.jacobian(0.0, point)).real < 0)
            ax.plot(
                *point,
                "k*" if stable else "kx",
                ms=10,
                label="stable focus" if stable else "unstable focus",
            )
    ax.axvline(0.0, color="k", ls="--", lw=1, label="switching line x = 0")
    n_cross = len(out.crossings)
    ax.set(xlabel="x", ylabel="y", title=f"2-D normal form, μ = {mu:+g}")
    ax.legend(loc="lower left", fontsize=8)
    print(
        f"2-D, mu = {mu:+g}: last trajectory crossed the line {n_cross} times, ends at "
        f"{np.round(out.x[-1], 4)}"
    )

flow = PiecewiseLinearFlow.chaos_3d(1.0)
t = np.linspace(0.0, 600.0 if quick else 3000.0, 60_001 if quick else 300_001)
out = flow.simulate([0.01, 0.01, 0.01], t)
keep = (t > 100.0) & (t < 700.0)  # no transient; 600 time units stay readable
try:  # the analysis package may not be there in an older sparseid
    from sparseid.dynamics import lyapunov_exponent

    lam = lyapunov_exponent(
        flow, [0.01, 0.01, 0.01], n_steps=20_000 if quick else 50_000, n_orbits=10, random_state=0
    )
    how = "Benettin, two-trajectory"
except ImportError:  # two nearby trajectories, renormalised every time unit
    a, b, log_growth = out.x[-1], out.x[-1] + [1e-8, 0.0, 0.0], 0.0
    for _ in range(300 if quick else 1500):
        a1, b1 = (flow.simulate(p, [0.0, 1.0]).x[-1] for p in (a, b))
        distance = np.linalg.norm(b1 - a1)
        log_growth += np.log(distance / 1e-8)
        a, b = a1, a1 + (b1 - a1) * 1e-8 / distance
    lam = log_growth / (300 if quick else 1500)
    how = "two trajectories"
ax = fig.add_subplot(1, 3, 3, projection="3d")
ax.plot(*out.x[keep].T, lw=0.3, color="C3")
ax.set(xlabel="x", ylabel="y", zlabel="z")
ax.set_title(
    f"3-D normal form, μ = +1\nlargest Lyapunov exponent ≈ {lam:.3f} ({how})\n"
    f"{len(out.crossings)} crossings of the switching plane x = 0",
    fontsize=10,
)
print(
    f"3-D, mu = +1: {len(out.crossings)} crossings, max |x| = {np.abs(out.x).max():.1f}, "
    f"largest Lyapunov exponent {lam:.3f} ({how})"
)
settled = PiecewiseLinearFlow.chaos_3d(-1.0).simulate([0.01, 0.01, 0.01], [0.0, 300.0])
print(f"3-D, mu = -1: settles at {np.round(settled.x[-1], 4)} (the stable equilibrium)")
fig.tight_layout()
fig.subplots_adjust(top=0.86)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
