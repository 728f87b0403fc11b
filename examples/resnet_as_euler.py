"""ResNets are Euler steps of a neural ODE
=======================================

A residual network with shared weights is the forward-Euler discretisation of a neural ODE.

x[n+1] = x[n] + Δt f(x[n]; θ) with N = T/Δt layers is ``NeuralODEClassifier(solver="euler",
n_steps=N)``. This script shows three consequences:

1. the ResNet's output converges to the neural ODE's x(T) (adaptive Dormand–Prince at tight
   tolerances) with first order in Δt: the fitted slope of log error against log Δt is ≈ 1;
2. a ResNet trained with N layers keeps its accuracy when the same field is evaluated as a
   neural ODE with the adaptive solver (``set_params(solver="dopri5")``), and a neural ODE
   trained with the adaptive solver keeps it as a ResNet;
3. the memory the gradient needs (peak of ``tracemalloc`` during one loss-and-gradient
   evaluation) grows with N for backpropagation through the layers and stays flat for the
   continuous adjoint.

Run from any folder: ``python resnet_as_euler.py``. Writes ``resnet_as_euler.png`` into the
current folder. With ``SPARSEID_QUICK=1`` it trains for fewer steps and measures fewer depths.
"""

import os
import tracemalloc

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; the library never selects a backend
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import make_moons

from sparseid import NeuralODEClassifier

quick = os.environ.get("SPARSEID_QUICK") == "1"
X, y = make_moons(400, noise=0.15, random_state=0)
X_test, y_test = make_moons(2000, noise=0.15, random_state=1)
max_iter = 100 if quick else 300
base = NeuralODEClassifier(
    hidden_layer_sizes=(32,), learning_rate=0.02, max_iter=max_iter, random_state=0
)

# --- 1. convergence of the ResNet to the ODE -----------------------------------------------
resnet = clone(base).set_params(solver="euler", n_steps=10).fit(X, y)
# the same field solved as a neural ODE at tight tolerances (set_params after fit switches the
# solver the fitted field is evaluated with)
Z = resnet.set_params(solver="dopri5", rtol=1e-11, atol=1e-12).transform(X_test[:200])
resnet.set_params(solver="euler", rtol=1e-3, atol=1e-6)
depths = np.array([10, 20, 40, 80, 160, 320, 640, 1280])
errors = []
for N in depths:
    resnet.set_params(n_steps=int(N))
    errors.append(np.max(np.abs(resnet.transform(X_test[:200]) - Z)))
errors = np.array(errors)
# the order is an asymptotic statement: fit the slope on the four finest steps
fine = depths >= 160
slope = np.polyfit(np.log(1.0 / depths[fine]), np.log(errors[fine]), 1)[0]
print(f"max |ResNet(N) − ODE x(T)| for N = {depths.tolist()}:")
print("   " + ", ".join(f"{e:.2e}" for e in errors))
print(f"fitted order (slope of log error against log Δt, N ≥ 160): {slope:.3f}")

# --- 2. accuracy transfer -------------------------------------------------------------------
N_train = 10
resnet.set_params(n_steps=N_train)
as_resnet = resnet.score(X_test, y_test)
as_ode = resnet.set_params(solver="dopri5").score(X_test, y_test)
print(
    f"ResNet trained with N = {N_train} layers: test accuracy {as_resnet:.2%} as a ResNet, "
    f"{as_ode:.2%} as a neural ODE (adaptive dopri5)"
)
ode = clone(base).fit(X, y)  # trained with the adaptive solver
ode_accuracy = ode.score(X_test, y_test)
transferred = {}
for N in (5, 10, 20):
    ode.set_params(solver="euler", n_steps=N)
    transferred[N] = ode.score(X_test, y_test)
print(
    f"neural ODE trained with dopri5: test accuracy {ode_accuracy:.2%}; as a ResNet with "
    + ", ".join(f"N = {N}: {a:.2%}" for N, a in transferred.items())
)


# --- 3. memory of the gradient --------------------------------------------------------------
def gradient_memory(model, X, y, gradient, N):
    """Peak traced memory (bytes) of one loss-and-gradient evaluation at depth N."""
    model = clone(model).set_params(solver="euler", n_steps=N, gradient=gradient, max_iter=0)
    model.fit(X, y)  # zero Adam steps: the initial parameters and the fitted attributes
    flow = model._flow()
    field = flow.bind(model._split(flow, model.params_)[0])
    targets = (y == model.classes_[1]).astype(float)[:, None]
    tracemalloc.start()
    model._loss_gradient(flow, field, model.params_, X, targets)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


mem_depths = [10, 100, 1000] if quick else [10, 30, 100, 300, 1000]
memory = {
    g: [gradient_memory(base, X[:100], y[:100], g, N) for N in mem_depths]
    for g in ("backprop", "adjoint")
}
for g, peaks in memory.items():
    print(
        f"gradient memory, {g:8s}: "
        + ", ".join(f"N = {N}: {p / 1e6:.2f} MB" for N, p in zip(mem_depths, peaks))
    )
print(
    f"growth from N = {mem_depths[0]} to {mem_depths[-1]}: backprop "
    f"{memory['backprop'][-1] / memory['backprop'][0]:.1f}×, adjoint "
    f"{memory['adjoint'][-1] / memory['adjoint'][0]:.2f}×"
)

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
ax = axes[0]
dt = 1.0 / depths
ax.loglog(dt, errors, "o-", label=f"ResNet vs neural ODE (slope {slope:.2f} for N ≥ 160)")
ax.loglog(dt, errors[0] * dt / dt[0], "k--", lw=0.8, label="first order, slope 1")
ax.set_xlabel("Δt = T / N")
ax.set_ylabel("max |x_N − x(T)| over 200 test inputs")
ax.set_title("ResNet output converges to the ODE's x(T)")
ax.legend()
ax = axes[1]
for g, peaks in memory.items():
    ax.loglog(mem_depths, np.array(peaks) / 1e6, "o-", label=g)
ax.set_xlabel("layers N (Euler steps)")
ax.set_ylabel("peak memory of one gradient (MB)")
ax.set_title("Backprop through the layers vs the adjoint")
ax.legend()
fig.savefig("resnet_as_euler.png", dpi=90)
print("wrote resnet_as_euler.png")
