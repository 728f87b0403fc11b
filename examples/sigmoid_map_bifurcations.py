"""The sigmoid map's bifurcations
==============================

The lecture's sigmoid map: omega-limit sets against b as the step is smoothed.

x[n+1] = 0.8 x[n] − (1 + tanh(c x[n]))/2 + b for c = 1, 5, 10, 50, 1000, and the
discontinuous map x[n+1] = 0.8 x[n] − H(x[n]) + b. For c = 1 the map is a contraction with one
fixed point for every b; as c grows, period-doubling and chaos appear, and the discontinuous
map shows period adding between the border collisions at b = 0 and b = 1 (where the fixed
point 5b, or 5(b − 1), reaches the discontinuity at x = 0).

Run from any folder: ``python sigmoid_map_bifurcations.py``. Writes
``sigmoid_map_bifurcations.png`` into the current folder. With ``SPARSEID_QUICK=1`` it uses a
coarser grid and shorter orbits.
"""

import os

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; the library never selects a backend
import matplotlib.pyplot as plt
import numpy as np

from sparseid.dynamics import bifurcation_diagram, lyapunov_exponent
from sparseid.plotting import plot_bifurcation_diagram
from sparseid.systems import SigmoidMap

quick = os.environ.get("SPARSEID_QUICK") == "1"
n_values, n_transient, n_keep = (500, 300, 60) if quick else (3000, 1000, 200)
b = np.linspace(-0.25, 1.25, n_values)
collisions = {"border collision (b = 0, 1)": [0.0, 1.0]}

fig, axes = plt.subplots(3, 2, figsize=(11, 10), sharex=True, layout="constrained")
for ax, c in zip(axes.flat, [1.0, 5.0, 10.0, 50.0, 1000.0, None]):
    f = SigmoidMap(a=0.8, c=c)
    diagram = bifurcation_diagram(f, 0.1, {"b": b}, n_transient, n_keep)
    name = "discontinuous step H" if c is None else f"c = {c:g}"
    marked = collisions if c is None else None  # the border collisions of the step map
    plot_bifurcation_diagram(diagram, ax, markers=marked, legend=False, title=name)
    lam = lyapunov_exponent(f.with_params(b=b), 0.1, n_steps=n_keep, n_transient=n_transient)
    periods = diagram.period
    print(
        f"{name:22s} periods found: {sorted(set(periods[periods > 0].tolist()))[:12]} ... "
        f"no period at {np.mean(periods == 0):5.1%} of b, largest Lyapunov exponent "
        f"{np.max(lam):+.2f}"
    )
for ax in axes[:, 1]:
    ax.set_ylabel("")
for ax in axes[:2].flat:
    ax.set_xlabel("")
# One legend for all panels: every period that occurs anywhere.
handles = {}
for ax in axes.flat:
    for handle, label in zip(*ax.get_legend_handles_labels()):
        handles.setdefault(label, handle)
order = sorted(handles, key=lambda s: (not s.startswith("period"), len(s), s))
fig.legend(
    [handles[k] for k in order],
    order,
    loc="outside lower center",
    ncol=6,
    markerscale=12,
    fontsize=9,
)
fig.suptitle("Sigmoid map x ↦ 0.8 x − (1 + tanh(c x))/2 + b: omega-limit sets against b")
fig.savefig("sigmoid_map_bifurcations.png", dpi=110)
print("wrote sigmoid_map_bifurcations.png")
