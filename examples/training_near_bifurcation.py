"""Training a map's parameters near bifurcations
=============================================

The loss of matching an observed omega-limit set, and its gradient by backpropagation through
the iterations, across a bifurcation parameter.

The lecture's sigmoid map x[k+1] = a x[k] − (1 + tanh(c x[k]))/2 + b is a network with one
neuron per layer and shared weights θ = {a, b, c}. Its output after many layers (iterations)
depends smoothly on b only for c = 1 (a contraction with one fixed point). For c = 10 periodic
windows open at folds (saddle-node bifurcations of periodic orbits), where the orbit moves
like √(b − b*) and the loss's gradient grows like 1/√(b − b*); for c = 1000 (close to the
discontinuous step) the period adding at the border collisions makes the loss jump. The loss
is the Chamfer distance between the last 60 iterates and the omega-limit set observed at
b = 0.25 (``sparseid.dynamics.omega_limit_loss``); the fold that opens the period-3 window of
c = 10 is located with ``sparseid.dynamics.map_fold`` (bisection on the period reported by
``omega_limit``/``orbit_period``, then Newton), and the exponent of the gradient's magnitude
fitted there.

Run from any folder: ``python training_near_bifurcation.py``. Writes
``training_near_bifurcation.png`` into the current folder. With ``SPARSEID_QUICK=1`` it uses a
coarser b grid and shorter orbits.
"""

import os

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; the library never selects a backend
import matplotlib.pyplot as plt
import numpy as np

from sparseid.dynamics import map_fold, omega_limit, omega_limit_loss
from sparseid.systems import SigmoidMap

quick = os.environ.get("SPARSEID_QUICK") == "1"
n_b, n_transient = (300, 500) if quick else (1500, 2000)
b = np.linspace(-0.25, 1.25, n_b)
b_obs, x0, n_keep = 0.25, 0.1, 60

fig, axes = plt.subplots(2, 4, figsize=(17, 7.5), layout="constrained")
for col, c in enumerate([1.0, 10.0, 1000.0]):
    f = SigmoidMap(a=0.8, c=c)
    target = omega_limit(f, x0, {"b": [b_obs]}, n_transient, n_keep)[0]
    result = omega_limit_loss(f.with_params(b=b), x0, target, n_transient=n_transient)
    grad = result.gradient["b"]
    # backprop through a chaotic orbit grows like e^(λ n): overflowed or beyond 1e100 counts
    # as exploded (drawn as red ticks at 1e100)
    exploded = ~np.isfinite(grad) | (np.abs(grad) > 1e100)
    tame = np.abs(grad[~exploded])
    print(
        f"c = {c:g}: loss in [{result.loss.min():.3g}, {result.loss.max():.3g}], "
        f"max |dL/db| = {tame.max():.3g} where finite and below 1e100"
        + (f", exploded at {np.sum(exploded)} of {n_b} b" if exploded.any() else "")
    )
    axes[0, col].plot(b, result.loss, lw=0.8)
    axes[0, col].axvline(b_obs, color="k", ls=":", lw=0.8, label=f"observed at b = {b_obs}")
    axes[0, col].set_title(f"c = {c:g}: loss")
    axes[0, col].set_ylabel("Chamfer loss L(b)")
    axes[0, col].legend(loc="upper left", fontsize=8)
    shown = np.where(exploded, np.nan, np.abs(grad))
    axes[1, col].semilogy(b, shown, lw=0.6, label="|dL/db| by backprop")
    if exploded.any():
        axes[1, col].plot(
            b[exploded], np.full(np.sum(exploded), 1e100), "r|", ms=6, label="exploded (> 1e100)"
        )
    axes[1, col].set_title(f"c = {c:g}: gradient")
    axes[1, col].set_xlabel("b")
    axes[1, col].set_ylabel("|dL/db|")
    axes[1, col].legend(loc="lower right", fontsize=8)

# --- the fold that opens the period-3 window of c = 10, and the exponent there --------------
f = SigmoidMap(a=0.8, c=10.0)
b_star, x_star = map_fold(f, "b", (0.19, 0.21), 3)
target = omega_limit(f, x0, {"b": [b_obs]}, n_transient, n_keep)[0]
delta = np.logspace(-7, -4, 7)
near = omega_limit_loss(f.with_params(b=b_star + delta), x0, target, n_transient=20000)
slope, intercept = np.polyfit(np.log(delta), np.log(np.abs(near.gradient["b"])), 1)
print(f"fold of the period-3 orbit (c = 10): b* = {b_star:.12f}, x* = {x_star:.6f}")
print(f"fitted exponent of |dL/db| ~ (b − b*)^p for b − b* in [1e-7, 1e-4]: p = {slope:.3f}")
ax = axes[0, 3]
ax.loglog(delta, np.abs(near.gradient["b"]), "o", label="backprop through 20,060 iterations")
ax.loglog(delta, np.exp(intercept) * delta**slope, "k--", lw=0.8, label=f"fit: slope {slope:.3f}")
ax.set_xlabel("b − b*")
ax.set_ylabel("|dL/db|")
ax.set_title("c = 10: gradient at the fold b*")
ax.legend(fontsize=8)
ax = axes[1, 3]
window = b_star + np.linspace(-0.004, 0.01, 300 if quick else 1200)
points = omega_limit(f, x0, {"b": window}, 4 * n_transient, 30)
ax.plot(np.repeat(window, 30), points.ravel(), ",k")
ax.axvline(b_star, color="r", lw=0.8, label=f"fold b* = {b_star:.5f}")
ax.set_xlabel("b")
ax.set_ylabel("omega-limit set")
ax.set_title("c = 10: the period-3 window opens at b*")
ax.legend(loc="lower right", fontsize=8)
fig.savefig("training_near_bifurcation.png", dpi=90)
print("wrote training_near_bifurcation.png")
