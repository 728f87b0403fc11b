"""Noisy Lorenz data: weak form, inclusion probabilities, threshold path
=====================================================================

The Lorenz system measured with 10 % noise (of each variable's standard deviation). Pointwise
derivatives of such data are mostly noise; the weak form integrates the equations against
smooth test functions instead, weighted by the covariance of their errors (WENDy). An ensemble
over blocks of time gives each library term an inclusion probability and each coefficient an
interval; ``STLSQ(threshold="auto")`` picks the threshold from a path scored by an
information criterion.

Run from any folder: ``python noisy_lorenz_weak_ensemble.py [output.png]``. Writes one figure
(default ``noisy_lorenz_weak_ensemble.png`` in the current folder). ``SPARSEID_QUICK=1`` uses
fewer samples and models.
"""

import os
import sys

import matplotlib

# This script only saves its figure: the non-interactive backend needs no display.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from sparseid import SINDy, systems
from sparseid.optimizers import STLSQ, EnsembleOptimizer

quick = os.environ.get("SPARSEID_QUICK") == "1"
output = sys.argv[1] if len(sys.argv) > 1 else "noisy_lorenz_weak_ensemble.png"

data = systems.make_lorenz(4000 if quick else 10_000, noise=0.1, random_state=0)
ensemble = EnsembleOptimizer(STLSQ(threshold="auto"), n_models=20 if quick else 100, random_state=0)
model = SINDy(weak_form=True, optimizer=ensemble).fit(data)
for lhs, text in zip(model._lhs(), model.equations(2, uncertainty="interval")):
    print(f"{lhs} = {text}")
print("test-function half-width:", np.round(model.weak_form_.half_width_, 3))

fig, (heat, pareto, band) = plt.subplots(1, 3, figsize=(16, 4.6))
prob = model.inclusion_probabilities_
image = heat.imshow(prob, vmin=0, vmax=1, cmap="viridis", aspect="auto")
heat.set_xticks(range(len(model.feature_names_)), model.feature_names_, rotation=60)
heat.set_yticks(range(3), model._lhs())
heat.set_title(f"inclusion probability ({len(model.coef_samples_)} block-bootstrap models)")
fig.colorbar(image, ax=heat, fraction=0.046)

# The threshold path of one target (y') of the single (non-ensemble) weak-form fit.
single = SINDy(weak_form=True).fit(data)
path = single.weak_form_.optimizers_[1].threshold_path_
pareto.plot(path.complexity[:, 0], path.rss[:, 0], "o-", ms=4, label="thresholds tried")
chosen = int(np.count_nonzero(single.coef_[1]))
pareto.plot(chosen, path.rss[path.complexity[:, 0] == chosen, 0].min(), "r*", ms=14, label="chosen")
pareto.legend()
pareto.set_xlabel("number of terms in (y)'")
pareto.set_ylabel("weighted residual sum of squares")
pareto.set_yscale("log")
pareto.set_title("threshold path (Pareto front)")

t = data.index.to_numpy()[: 800 if quick else 1500]
median, lower, upper = model.simulate_ensemble([-8.0, 8.0, 27.0], t)
clean = systems.make_lorenz(len(t)).to_numpy()
band.fill_between(t, lower[:, 0], upper[:, 0], alpha=0.3, label="ensemble 90 % band")
band.plot(t, median[:, 0], label="ensemble median")
band.plot(t, clean[:, 0], "k--", lw=1, label="true x(t)")
band.plot(t, data.to_numpy()[: len(t), 0], ".", ms=1, color="0.6", label="noisy data")
band.set_xlabel("t")
band.set_ylabel("x")
top = max(upper[:, 0].max(), clean[:, 0].max())
band.set_ylim(top=top + 0.6 * (top - min(lower[:, 0].min(), clean[:, 0].min())))
band.legend(loc="upper left", fontsize=8, ncol=2)
band.set_title("simulated from x0")
fig.tight_layout()
fig.savefig(output, dpi=110)
print(f"wrote {output}")
