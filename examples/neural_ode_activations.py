"""Neural ODEs with tanh and ReLU on a piecewise-linear flow
=========================================================

The lecture's 2-D piecewise-linear normal form at μ = 1 (dx/dt = A1 x + μ b left of the line
x = 0, A2 x + μ b right of it) has a stable limit cycle. A ReLU network is itself a
piecewise-linear function, a tanh network a smooth one: does a neural ODE with either
activation, trained on six trajectories, reach the limit cycle when simulated?

Each model is simulated from the training start and from two held-out starts (inside and
outside the cycle); ``sparseid.dynamics.periodic_orbit`` measures the period and amplitude of
the cycle the model's orbit settles on, against the true ones.

Run from any folder: ``python neural_ode_activations.py [output.png]``. Writes one figure
(default ``neural_ode_activations.png`` in the current folder). ``SPARSEID_QUICK=1`` trains
150 instead of 1500 iterations (the figures quoted in the documentation are the full run's).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; the library never selects a backend
import matplotlib.pyplot as plt
import numpy as np

from sparseid import NeuralODE
from sparseid.dynamics import periodic_orbit
from sparseid.systems import PiecewiseLinearFlow

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "neural_ode_activations.png"

flow = PiecewiseLinearFlow.limit_cycle_2d(1.0)
true_orbit = periodic_orbit(flow, [0.5, 0.0])
print(
    f"true limit cycle: period {true_orbit.period:.4f}, amplitude "
    f"{np.round(true_orbit.amplitude, 4)}"
)
t_train = np.linspace(0.0, 20.0, 401)
train_starts = [(0.5, 0.0), (3.0, 8.0), (-4.0, -6.0), (-6.0, 10.0), (0.2, 1.0), (1.5, -3.0)]
train = [flow.simulate(x0, t_train).x for x0 in train_starts]
test_starts = [(0.5, 0.0), (-1.0, -2.0), (-22.0, -20.0)]  # the first is a training start
t_sim = np.linspace(0.0, 60.0, 3001)
# How long periodic_orbit waits for the orbit to settle, and how closely (looser when quick).
t_max = 500.0
settle = {"tol": 1e-5, "rtol": 1e-8, "atol": 1e-8} if quick else {}

true_cycle = flow.simulate([0.5, 0.0], np.linspace(0.0, 80.0, 16001)).x[-1600:]
fig, axes = plt.subplots(2, 3, figsize=(16, 9.5), layout="constrained")
panels = {"true flow": flow}
for activation in ("tanh", "relu"):
    model = NeuralODE(
        activation=activation,
        hidden_layer_sizes=(32,),
        scale_inputs=True,
        learning_rate=0.005,
        lr_schedule="cosine",  # the decay to the end settles the final parameters
        max_iter=150 if quick else 1500,
        random_state=0,
    )
    model.fit(train, t=[t_train] * len(train))
    print(
        f"{activation}: trained {model.n_iter_} iterations in {model.fit_time_:.1f} s, "
        f"final loss {model.loss_curve_[-1]:.2e}"
    )
    panels[f"neural ODE, {activation}"] = model


def cycle_verdict(system, x0):
    """Period and amplitude error of the cycle the orbit from x0 settles on, as text."""
    try:
        orbit = periodic_orbit(system, x0, t_max=t_max, **settle)
    except ValueError:  # the orbit does not settle on a periodic orbit by t_max
        return f"from {x0}: no periodic orbit by t = {t_max:g}"
    error = orbit.amplitude / true_orbit.amplitude - 1.0
    return (
        f"from {x0}: period {orbit.period:.3f}, amplitude error {error[0]:+.1%} (x), "
        f"{error[1]:+.1%} (y)"
    )


for ax_phase, ax_time, (name, system) in zip(axes[0], axes[1], panels.items()):
    # the cycle reached from the training start (inside) and from the outer held-out start
    verdicts = [cycle_verdict(system, x0) for x0 in (test_starts[0], test_starts[2])]
    verdict = "\n".join(verdicts)
    print(f"{name}: " + "; ".join(verdicts))
    for k, x0 in enumerate(test_starts):
        path = system.simulate(x0, t_sim)
        path = path.x if name == "true flow" else np.asarray(path)  # a switched trajectory
        label = f"from {x0}" + (" (training start)" if k == 0 else "")
        ax_phase.plot(path[:, 0], path[:, 1], lw=0.7, color=f"C{k}", label=label)
        ax_phase.plot(*x0, "o", color=f"C{k}", ms=4)
        if k == 1:
            ax_time.plot(t_sim, path[:, 0], color="C1", lw=1, label=f"{name}: x(t)")
    ax_phase.plot(*true_cycle.T, "k--", lw=1.5, label="true limit cycle")
    ax_phase.axvline(0.0, color="0.5", lw=0.8, ls=":", label="switching line x = 0")
    ax_phase.set(xlabel="x", ylabel="y")
    ax_phase.set_title(f"{name}\n{verdict}", fontsize=9)
    if name != "true flow":
        truth = flow.simulate(test_starts[1], t_sim).x
        ax_time.plot(t_sim, truth[:, 0], "k--", lw=1, label="true x(t)")
    ax_time.set(xlabel="t", ylabel="x", title=f"{name}: x(t) from {test_starts[1]} (held out)")
    ax_time.legend(loc="lower left", fontsize=8)
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=5)
fig.suptitle(
    "2-D piecewise-linear normal form at μ = 1: does the neural ODE reach the limit cycle?"
)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
