"""Identifying the smoothed sigmoid map, its steepness included
============================================================

The lecture's smoothed sigmoid map x[n+1] = a x[n] − (1 + tanh(c x[n]))/2 + b has a
parameter *inside* a nonlinearity: the steepness c. Discrete-time SINDy with the library
{1, x, tanh(c x)} and c unknown finds it by variable projection (Golub and Pereyra): for every
trial c the linear coefficients are solved exactly, and c minimises the remaining residual
(a coarse grid, then ``scipy.optimize.least_squares``).

For c = 5 and c = 50 the script fits a, b and c from ten short orbits at a = 0.8, b = 0.3,
prints the errors, and draws the bifurcation diagram over b of the true map and of the
fitted one (in which b enters as the constant term).

Run from any folder: ``python identify_sigmoid_map.py``. Writes ``identify_sigmoid_map.png``
into the current folder. With ``SPARSEID_QUICK=1`` the diagrams use a coarser grid.
"""

import os

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; the library never selects a backend
import matplotlib.pyplot as plt
import numpy as np

from sparseid import SINDy
from sparseid.dynamics import bifurcation_diagram
from sparseid.libraries import ParametricLibrary, PolynomialLibrary
from sparseid.optimizers import STLSQ
from sparseid.plotting import plot_bifurcation_diagram
from sparseid.systems import SigmoidMap

quick = os.environ.get("SPARSEID_QUICK") == "1"
n_values, n_transient, n_keep = (300, 300, 60) if quick else (1500, 1000, 200)
a_true, b_true = 0.8, 0.3
b_grid = np.linspace(-0.25, 1.25, n_values)
rng = np.random.default_rng(0)
starts = rng.uniform(-1.5, 2.0, 10)

fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True, sharey="row", layout="constrained")
for row, c_true in zip(axes, [5.0, 50.0]):
    truth = SigmoidMap(a=a_true, b=b_true, c=c_true)
    orbits = [truth.iterate(x0, 60)[:, None] for x0 in starts]
    library = PolynomialLibrary(degree=1) + ParametricLibrary("tanh", rate=None)
    model = SINDy(feature_library=library, optimizer=STLSQ(threshold=1e-3), discrete_time=True)
    model.fit(orbits, feature_names=["x"])
    (c_fit,) = model.nonlinear_parameters_.values()
    constant, a_fit, tanh_coef = model.coef_[0]
    b_fit = constant + 0.5  # the map's constant term is b - 1/2
    print(f"c = {c_true:g}: fitted x[k+1] = {model.equations(precision=6)[0]}")
    print(
        f"    a = {a_fit:.12f} (error {abs(a_fit - a_true):.1e}), "
        f"b = {b_fit:.12f} (error {abs(b_fit - b_true):.1e}), "
        f"c = {c_fit:.10f} (error {abs(c_fit - c_true):.1e})"
    )

    def fitted_map(x, b, model=model, b_fit=b_fit):
        # the fitted map with its constant term moved from b_fit to b
        return model.predict(np.reshape(x, (-1, 1)))[:, 0] + (b - b_fit)

    true_diagram = bifurcation_diagram(truth, 0.1, {"b": b_grid}, n_transient, n_keep)
    fit_diagram = bifurcation_diagram(fitted_map, 0.1, b_grid, n_transient, n_keep)
    fit_frame = fit_diagram.to_frame().rename(columns={"parameter": "b"})
    same = true_diagram.period == fit_diagram.period
    periodic = same & (true_diagram.period > 0)
    sorted_true = np.sort(true_diagram.orbits[periodic], axis=1)
    gaps = np.max(np.abs(sorted_true - np.sort(fit_diagram.orbits[periodic], axis=1)), axis=1)
    print(
        f"    tanh coefficient {tanh_coef:.12f}; the periods agree at {same.mean():.1%} of the "
        f"{b_grid.size} b values; on {periodic.sum()} periodic orbits the omega-limit points "
        f"agree to {np.median(gaps):.0e} (median), to 1e-8 on all but {np.sum(gaps > 1e-8)}"
    )
    plot_bifurcation_diagram(true_diagram, row[0], legend=False, title=f"true map, c = {c_true:g}")
    plot_bifurcation_diagram(
        fit_frame, row[1], legend=False, title=f"fitted map, c = {c_fit:.6g} (found)"
    )
    for ax in row:
        ax.axvline(b_true, color="0.5", lw=0.8, ls=":")
for ax in axes[0]:
    ax.set_xlabel("")
for ax in axes[:, 1]:
    ax.set_ylabel("")
handles = {}
for ax in axes.flat:
    for handle, label in zip(*ax.get_legend_handles_labels()):
        handles.setdefault(label, handle)
order = sorted(handles, key=lambda s: (not s.startswith("period"), len(s), s))
fig.legend([handles[k] for k in order], order, loc="outside lower center", ncol=6, markerscale=12)
fig.suptitle(
    "Sigmoid map x ↦ 0.8 x − (1 + tanh(c x))/2 + b: true against identified "
    f"(a, b, c fitted from 10 orbits at b = {b_true}, dotted)"
)
fig.savefig("identify_sigmoid_map.png", dpi=110)
print("wrote identify_sigmoid_map.png")
