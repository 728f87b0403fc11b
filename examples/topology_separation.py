"""A flow of the plane cannot pull a disc out of an annulus
========================================================

Neural ODEs as classifiers on the disc-and-annulus data: accuracy and the signed margin.

Points of class 0 fill the disc r ≤ 1 and points of class 1 the annulus 1.25 ≤ r ≤ 2. Each
classifier is a feature map followed by a linear read-out, and the signed margin
M = min over the annulus of the read-out's score − max over the disc of it (on a dense polar
grid, refined around the extreme points; ``sparseid.datasets.disc_annulus_margin``) says
whether one threshold separates the two *sets*, not just the sampled points:

(a) a plain 2-D ``NeuralODEClassifier``: its feature map is the time-T flow of a Lipschitz
    field, a homeomorphism of the plane, so the annulus's image still surrounds the disc's and
    M < 0 whatever the training. Test accuracy can still be high: the flow stretches a narrow
    arc of the annulus across to the disc's side, where few or no test points fall;
(b) the same with ``augment_dim=1`` (Dupont, Doucet & Teh 2019): in 3-D the disc can be lifted
    out, and M > 0;
(c) the lecture's discontinuous ``SeparatingFlow`` (no training of the flow, only of the
    read-out): the circle r = 1 separates its basins, M > 0;
(d) a plain MLP classifier (scikit-learn's) of the same width, for reference.

Run from any folder: ``python topology_separation.py``. Writes ``topology_flows.png`` and
``topology_arc.png`` into the current folder. With ``SPARSEID_QUICK=1`` it trains one seed for
fewer steps on a coarser margin grid.
"""

import os
import time

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; the library never selects a backend
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from sparseid import NeuralODEClassifier
from sparseid.datasets import disc_annulus_margin, make_disc_annulus
from sparseid.ode import solve
from sparseid.systems import SeparatingFlow

quick = os.environ.get("SPARSEID_QUICK") == "1"
seeds = [0] if quick else [0, 1, 2, 3, 4]
n_train, max_iter = (200, 150) if quick else (400, 400)
grid = {"n_r": 8, "n_theta": 256} if quick else {}
X, y = make_disc_annulus(n_train, random_state=0)
X_test, y_test = make_disc_annulus(2000, random_state=1000)
options = {"hidden_layer_sizes": (32,), "learning_rate": 0.02, "max_iter": max_iter, "T": 1.0}

# --- (c) the separating flow: x(T) by RK4, a logistic read-out of it ------------------------
separating = SeparatingFlow()
T_sep = 5.0


def separating_field(z, out=None):
    """The right-hand side in the form the solvers call: ``field(z, out) -> (f, cache)``."""
    f = separating.rhs(0.0, z)
    if out is not None:
        out[...] = f
    return f, None


def separating_map(points, t=T_sep, n_steps=50):
    """x(t) of the separating flow (no trajectory crosses r = 1, so RK4 stays on its side)."""
    return solve(separating_field, points, np.array([t]), "rk4", n_substeps=n_steps)[0][0]


readout = LogisticRegression().fit(separating_map(X), y)


def separating_score(points):
    return readout.decision_function(separating_map(points))


# --- (a), (b): several seeds; (d) the MLP ---------------------------------------------------
results = {}
models = {}
for name, extra in [("plain 2-D flow", {}), ("augment_dim=1", {"augment_dim": 1})]:
    for seed in seeds:
        start = time.perf_counter()
        clf = NeuralODEClassifier(random_state=seed, **options, **extra).fit(X, y)
        seconds = time.perf_counter() - start
        margin = disc_annulus_margin(clf.decision_function, **grid)
        results.setdefault(name, []).append((seed, clf.score(X_test, y_test), margin, seconds))
        models.setdefault(name, clf)  # the first seed's model is drawn
mlp = MLPClassifier((32,), max_iter=2000, random_state=0).fit(X, y)


def mlp_score(points):
    p = np.clip(mlp.predict_proba(points)[:, 1], 1e-300, 1 - 1e-16)
    return np.log(p) - np.log1p(-p)


sep_accuracy = np.mean(readout.predict(separating_map(X_test)) == y_test)
results["SeparatingFlow"] = [(None, sep_accuracy, disc_annulus_margin(separating_score, **grid), 0)]
results["plain MLP"] = [(0, mlp.score(X_test, y_test), disc_annulus_margin(mlp_score, **grid), 0)]

print(f"disc r ≤ 1 vs annulus 1.25 ≤ r ≤ 2; {n_train} training and 2000 test points")
print(f"{'classifier':16s} {'seed':>4s} {'test acc.':>9s} {'margin M':>9s}  lowest annulus point")
for name, rows in results.items():
    for seed, accuracy, margin, seconds in rows:
        r = np.hypot(*margin.annulus_argmin)
        angle = np.arctan2(margin.annulus_argmin[1], margin.annulus_argmin[0])
        fit = f"  (fit {seconds:.1f} s)" if seconds else ""
        print(
            f"{name:16s} {'-' if seed is None else seed:>4} {accuracy:9.2%} {margin.margin:+9.2f}"
            f"  r = {r:.4f}, angle = {angle:+.5f} rad{fit}"
        )
for name in ("plain 2-D flow", "augment_dim=1"):
    signs = [m.margin > 0 for _, _, m, _ in results[name]]
    print(f"{name}: M > 0 in {sum(signs)} of {len(signs)} seeds")

# --- the flows: transported points at several times, and the decision regions --------------
times = np.array([0.0, 0.5, 1.0])
colors = np.where(y == 1, "tab:orange", "tab:blue")
fig, axes = plt.subplots(3, 4, figsize=(15, 11), layout="constrained")
lim = np.linspace(-2.3, 2.3, 121 if quick else 301)
gx, gy = np.meshgrid(lim, lim)
plane = np.column_stack([gx.ravel(), gy.ravel()])
for row, (name, score) in enumerate(
    [
        ("plain 2-D flow", models["plain 2-D flow"].decision_function),
        ("augment_dim=1", models["augment_dim=1"].decision_function),
        ("SeparatingFlow", separating_score),
    ]
):
    if name == "SeparatingFlow":
        paths = [X, separating_map(X, 1.0, 40), separating_map(X)]
        labels = ["t = 0", "t = 1", f"t = T = {T_sep:g}"]
    else:
        paths = models[name].trajectories(X, times)
        labels = ["t = 0", "t = T/2", "t = T = 1"]
    for col in range(3):
        ax = axes[row, col]
        Z = paths[col]
        if Z.shape[1] == 3 and col > 0:
            # the augmented coordinate is what lifts the disc out: draw it against x1
            ax.scatter(Z[:, 0], Z[:, 2], c=colors, s=6)
            ax.set_ylabel("augmented coordinate x3")
        else:
            ax.scatter(Z[:, 0], Z[:, 1], c=colors, s=6)
            ax.set_ylabel("x2")
        ax.set_xlabel("x1")
        ax.set_title(f"{name}: {labels[col]}")
    ax = axes[row, 3]
    S = score(plane).reshape(gx.shape)
    ax.contourf(gx, gy, S > 0, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
    ax.contour(gx, gy, S, levels=[0.0], colors="k", linewidths=0.8)
    ax.scatter(
        X_test[::4, 0], X_test[::4, 1], c=np.where(y_test[::4] == 1, "tab:orange", "tab:blue"), s=3
    )
    M = results[name][0][2].margin
    ax.set_title(f"{name}: decision regions\nM = {M:+.2f}")
    ax.set_xlabel("input x1")
    ax.set_ylabel("input x2")
    ax.set_aspect("equal")
fig.suptitle("Transported training points (blue: disc, orange: annulus) and decision regions")
fig.savefig("topology_flows.png", dpi=90)

# --- the thin arc of the plain flow, and the MLP for reference ------------------------------
clf = models["plain 2-D flow"]
margin = results["plain 2-D flow"][0][2]
p = margin.annulus_argmin
r0, a0 = np.hypot(*p), np.arctan2(p[1], p[0])


def polar_score(radii, angles):
    rr, aa = np.meshgrid(radii, angles, indexing="ij")
    points = np.column_stack([(rr * np.cos(aa)).ravel(), (rr * np.sin(aa)).ravel()])
    return clf.decision_function(points).reshape(rr.shape)


# the width, at the radius of the lowest point, of the run of angles the disc's class takes
scan = a0 + np.linspace(-0.3, 0.3, 60001)
below = polar_score([r0], scan)[0] < margin.disc_max
centre = int(np.argmin(np.abs(scan - a0)))
lo = centre - np.argmin(below[centre::-1]) if not below[centre::-1].all() else 0
hi = centre + np.argmin(below[centre:]) if not below[centre:].all() else len(scan) - 1
width = scan[hi] - scan[lo]
print(
    f"plain flow, seed {seeds[0]}: the annulus points scored below the disc's maximum form an "
    f"arc {width:.2e} rad wide at r = {r0:.4f} (angle {a0:+.5f} rad)"
)
n_plot = 101 if quick else 201
fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
wide = max(0.3, 1.5 * width)
for ax, half in zip(axes[:2], (wide, min(wide / 10, max(3 * width, 1e-4)))):
    radii = np.linspace(1.0, 2.0, n_plot)
    angles = a0 + np.linspace(-half, half, 2 * n_plot)
    S = polar_score(radii, angles) - margin.disc_max
    bound = np.abs(S).max()
    mesh = ax.pcolormesh(angles - a0, radii, S, cmap="RdBu_r", vmin=-bound, vmax=bound)
    ax.contour(angles - a0, radii, S, levels=[0.0], colors="k", linewidths=0.8)
    for edge in (1.25, 2.0):
        ax.axhline(edge, color="k", ls="--", lw=0.8)
    ax.set_xlabel(f"angle − ({a0:+.4f} rad)")
    ax.set_ylabel("radius r (annulus between the dashed lines)")
    ax.set_title(f"plain 2-D flow: score near its lowest annulus point\n(±{half:.2g} rad)")
    fig.colorbar(mesh, ax=ax, label="score − max over the disc")
ax = axes[2]
S = mlp_score(plane).reshape(gx.shape)
ax.contourf(gx, gy, S > 0, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
ax.contour(gx, gy, S, levels=[0.0], colors="k", linewidths=0.8)
ax.set_aspect("equal")
mlp_margin = results["plain MLP"][0][2].margin
ax.set_title(f"plain MLP (32 units): decision regions\nM = {mlp_margin:+.2f}")
ax.set_xlabel("input x1")
ax.set_ylabel("input x2")
fig.savefig("topology_arc.png", dpi=90)
print("wrote topology_flows.png and topology_arc.png")
