"""Filippov sliding with dry friction
==================================

Filippov sliding: the oscillator with dry (Coulomb) friction, x″ + x = −sign(x′).

Each half turn is a rotation about x = +1 (moving left) or x = −1 (moving right), so the
turning points lose 2 per half turn. Once a turning point lies in the band ``|x| <= 1`` both
vector fields push into the switching line v = 0: the motion slides (here: sticks) there.
sparseid's switched integrator locates every crossing and the start of the slide.

Run from any folder: ``python filippov_sliding.py [output.png]``. Writes one figure (default
``filippov_sliding.png`` in the current folder). ``SPARSEID_QUICK=1`` uses fewer output points.
"""

import os
import sys

import matplotlib

# This script only saves its figure: the non-interactive backend needs no display.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from sparseid.systems import CoulombFriction

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "filippov_sliding.png"

system = CoulombFriction()
t = np.linspace(0.0, 16.0, 801 if quick else 4001)
fig, (phase, series) = plt.subplots(1, 2, figsize=(13, 5))
for k, x0 in enumerate([(7.5, 0.0), (-4.0, 3.0), (-2.2, 1.0)]):
    out = system.simulate(x0, t)
    for t_cross, x_cross, *_ in out.crossings:
        print(f"from {x0}: crosses v = 0 at t = {t_cross:.12f}, x = {x_cross[0]:+.12f}")
    t_stick, _, _ = out.sliding[0]
    print(f"from {x0}: sticks at t = {t_stick:.12f}, x = {out.x[-1, 0]:+.12f}")
    phase.plot(out.x[:, 0], out.x[:, 1], color=f"C{k}", lw=1.2, label=f"from {x0}")
    phase.plot(*x0, "o", color=f"C{k}", ms=5)
    phase.plot(out.x[-1, 0], 0.0, "s", color=f"C{k}", ms=6, mec="k", zorder=3)
    series.plot(t, out.x[:, 0], color=f"C{k}", lw=1.2, label=f"x(t) from {x0}")
    series.axvline(t_stick, color=f"C{k}", ls=":", lw=1)
phase.plot([-1.0, 1.0], [0.0, 0.0], color="C3", lw=6, alpha=0.5, label="sliding segment |x| ≤ 1")
phase.axhline(0.0, color="k", ls="--", lw=0.8, label="switching line v = 0")
phase.set(xlabel="x", ylabel="v = dx/dt", title="Phase portrait (■ = where the motion sticks)")
phase.set_aspect("equal")
phase.legend(loc="lower right", fontsize=8)
series.axhspan(-1.0, 1.0, color="k", alpha=0.1, label="sticking band |x| ≤ 1")
series.set(xlabel="t", ylabel="x", title="Position (dotted: start of the slide)")
series.legend(loc="upper right", fontsize=8)
fig.suptitle("Coulomb friction x″ + x = −sign(x′): crossings and Filippov sliding")
fig.tight_layout()
fig.savefig(output, dpi=100)
print(f"wrote {output}")
