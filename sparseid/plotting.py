"""Figures of a comparison: trajectories, phase portraits, error growth, coefficients, loss.

Every function takes the :class:`~sparseid.compare.Case` objects of one data set and returns a
matplotlib ``Figure`` made with pyplot; :func:`save_figures` writes them all and closes them.
matplotlib is imported lazily and its backend is left alone: whatever the user, the notebook or
``MPLBACKEND`` chose stays in force. A script that only saves figures selects the
non-interactive backend itself, with ``matplotlib.use("Agg")`` before importing pyplot (as the
``sparseid`` command and the examples do).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "coefficient_figure",
    "error_figure",
    "inclusion_figure",
    "loss_figure",
    "phase_figure",
    "plot_bifurcation_diagram",
    "save_figures",
    "trajectory_figure",
]

COLORS = {"sindy": "tab:blue", "linear": "tab:orange", "neural_ode": "tab:green"}
# Line styles too: SINDy and the linear model coincide on linear data, and a dashed line over a
# solid one shows both.
STYLES = {"sindy": "-", "linear": (0, (5, 4)), "neural_ode": "-"}
LABELS = {"sindy": "SINDy", "linear": "linear B x", "neural_ode": "neural ODE"}


def _pyplot():
    # Never matplotlib.use() here: selecting a backend is global state that belongs to the
    # application (a notebook's inline backend, a GUI, a script's Agg), not to a library.
    import matplotlib.pyplot as plt

    return plt


def _title(case):
    noise = f", noise {case.noise:.0%}" if case.noise else ""
    return f"{case.dataset}: trained on the first {case.train_points} samples{noise}"


def trajectory_figure(cases):
    """True and simulated time series, one panel per variable, training window shaded."""
    plt = _pyplot()
    first = cases[0]
    names = list(first.model.variable_names_)
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 2.4 * len(names)), sharex=True)
    for k, (ax, name) in enumerate(zip(np.atleast_1d(axes), names)):
        ax.plot(first.times, first.truth[:, k], color="black", lw=2.5, alpha=0.35, label="data")
        for case in cases:
            ax.plot(
                case.times,
                case.simulated[:, k],
                color=COLORS[case.model_name],
                ls=STYLES[case.model_name],
                lw=1,
                label=LABELS[case.model_name],
            )
        ax.axvspan(first.times[0], first.times[first.train_points - 1], color="0.92", zorder=0)
        ax.set_ylabel(name)
    ax.set_xlabel("t")
    np.atleast_1d(axes)[0].legend(loc="upper right", ncol=4, fontsize=8)
    np.atleast_1d(axes)[0].set_title(_title(first) + " (shaded: training window)")
    fig.tight_layout()
    return fig


def phase_figure(cases):
    """Phase portraits: the data against each model's simulation."""
    plt = _pyplot()
    first = cases[0]
    names = list(first.model.variable_names_)
    i, j = (0, 2) if len(names) >= 3 else (0, 1)
    fig, axes = plt.subplots(1, len(cases), figsize=(4.2 * len(cases), 4), squeeze=False)
    for ax, case in zip(axes[0], cases):
        ax.plot(case.truth[:, i], case.truth[:, j], color="black", lw=2.5, alpha=0.3, label="data")
        ax.plot(
            case.simulated[:, i],
            case.simulated[:, j],
            color=COLORS[case.model_name],
            ls=STYLES[case.model_name],
            lw=0.8,
            label=LABELS[case.model_name],
        )
        ax.set_xlabel(names[i])
        ax.set_ylabel(names[j])
        ax.set_title(LABELS[case.model_name])
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(_title(first))
    fig.tight_layout()
    return fig


def error_figure(cases):
    """Normalised simulation error against time on a log scale, with the validity threshold."""
    plt = _pyplot()
    from .compare import VALID_THRESHOLD

    first = cases[0]
    fig, ax = plt.subplots(figsize=(9, 4))
    for case in cases:
        curve = np.maximum(case.error_curve, 1e-16)
        ax.semilogy(
            case.times,
            curve,
            color=COLORS[case.model_name],
            ls=STYLES[case.model_name],
            label=LABELS[case.model_name],
        )
    ax.axhline(VALID_THRESHOLD, color="red", ls="--", lw=1, label="validity threshold 0.1")
    ax.axvline(
        first.times[first.train_points - 1],
        color="0.4",
        ls=":",
        lw=1,
        label="end of training window",
    )
    ax.set_xlabel("t")
    ax.set_ylabel("‖x̂(t) − x(t)‖ / RMS‖x‖")
    ax.set_title(_title(first))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def coefficient_figure(case, system):
    """SINDy's coefficients as a heat map beside the true ones."""
    plt = _pyplot()
    names = case.model.get_feature_names()
    learned = case.model.coef_
    truth = system.true_coefficients(names).to_numpy()
    limit = max(np.abs(truth).max(), np.abs(learned).max())
    fig, axes = plt.subplots(1, 2, figsize=(2.0 + 0.5 * len(names) * 2, 3.6), layout="constrained")
    for ax, values, title in ((axes[0], truth, "true"), (axes[1], learned, "SINDy")):
        image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        ax.set_xticks(range(len(names)), names, rotation=90)
        ax.set_yticks(range(len(system.variables)), [f"d{v}/dt" for v in system.variables])
        for (r, c), v in np.ndenumerate(values):
            if v != 0:
                color = "white" if abs(v) > 0.6 * limit else "black"
                ax.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize=7, color=color)
        ax.set_title(f"{title} coefficients")
        ax.set_xlabel("library term")
    axes[0].set_ylabel("equation")
    fig.colorbar(image, ax=axes, shrink=0.8, label="coefficient")
    fig.suptitle(_title(case), fontsize=9)
    return fig


def inclusion_figure(cases, dataset, variables):
    """Inclusion probability of each library term, one panel per noise level (ensembles)."""
    plt = _pyplot()
    chosen = [c for c in cases if c.dataset == dataset and hasattr(c.model, "coef_samples_")]
    names = chosen[0].model.get_feature_names()
    fig, axes = plt.subplots(
        1,
        len(chosen),
        figsize=(1.5 + 0.45 * len(names) * len(chosen), 3.4),
        layout="constrained",
        squeeze=False,
    )
    for ax, case in zip(axes[0], chosen):
        image = ax.imshow(
            case.model.inclusion_probabilities_, cmap="viridis", vmin=0, vmax=1, aspect="auto"
        )
        ax.set_xticks(range(len(names)), names, rotation=90)
        ax.set_yticks(range(len(variables)), [f"d{v}/dt" for v in variables])
        ax.set_title(f"noise {case.noise:.0%}, {case.train_points} points", fontsize=9)
        ax.set_xlabel("library term")
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="inclusion probability")
    fig.suptitle(f"{dataset}: SINDy ensemble (weak form), inclusion probabilities", fontsize=9)
    return fig


def loss_figure(case):
    """The neural ODE's training loss against the iteration."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.semilogy(
        np.arange(1, len(case.model.loss_curve_) + 1),
        case.model.loss_curve_,
        color=COLORS["neural_ode"],
    )
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"training loss ({case.model.loss})")
    ax.set_title(_title(case))
    fig.tight_layout()
    return fig


def save_figures(cases, folder, formats=("png",)):
    """Write every figure of every data set into ``folder``; returns the paths written.

    The figures are closed once written. The current matplotlib backend is used (formats such as
    png and svg are written whatever it is).

    For each data set the figures show, per model, the setting with the least noise and the
    training window closest to the neural ODE's (the lecture's 400 points on rotating-linear).
    """
    from pathlib import Path

    from .systems import Lorenz, RotatingLinear

    plt = _pyplot()
    systems = {"lorenz": Lorenz(), "rotating_linear": RotatingLinear()}
    folder = Path(folder)
    written = []

    def write(fig, stem):
        # Closed even when saving fails, so pyplot does not keep the figure alive.
        try:
            for fmt in formats:
                path = folder / f"{stem}.{fmt}"
                fig.savefig(path, dpi=110)
                written.append(path)
        finally:
            plt.close(fig)

    for dataset in dict.fromkeys(case.dataset for case in cases):
        chosen = _representative(cases, dataset)
        write(trajectory_figure(chosen), f"{dataset}_trajectories")
        write(phase_figure(chosen), f"{dataset}_phase")
        write(error_figure(chosen), f"{dataset}_error")
        for case in chosen:
            if case.model_name == "sindy":
                write(coefficient_figure(case, systems[dataset]), f"{dataset}_sindy_coefficients")
            if case.model_name == "neural_ode":
                write(loss_figure(case), f"{dataset}_neural_ode_loss")
        if any(c.dataset == dataset and hasattr(c.model, "coef_samples_") for c in cases):
            variables = systems[dataset].variables
            write(inclusion_figure(cases, dataset, variables), f"{dataset}_sindy_inclusion")
    return written


def _representative(cases, dataset):
    mine = [c for c in cases if c.dataset == dataset]
    target = next((c.train_points for c in mine if c.model_name == "neural_ode"), 400)
    chosen = {}
    for case in sorted(mine, key=lambda c: (c.noise, abs(c.train_points - target))):
        chosen.setdefault(case.model_name, case)
    return list(chosen.values())


def plot_bifurcation_diagram(
    diagram, ax=None, *, max_period=8, markers=None, legend=True, title=None, point_size=0.3
):
    """Omega-limit points against the parameter, coloured by the period of the orbit.

    Parameters
    ----------
    diagram : BifurcationDiagram or DataFrame
        A result of :func:`sparseid.dynamics.bifurcation_diagram`, or its tidy ``to_frame()``
        (columns: the parameter, ``x`` and ``period``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    max_period : int
        Periods 1 to ``max_period`` get a colour each; longer ones share one grey, and points
        without a period (chaotic, quasi-periodic) are black.
    markers : dict, optional
        ``{label: value or list of values}`` of the parameter, drawn as dashed vertical lines
        (e.g. border collisions).
    legend : bool
        Draw the legend of periods on ``ax``.
    title : str, optional
        Axes title.
    point_size : float
        Marker area of the points.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sparseid.dynamics import bifurcation_diagram
    >>> from sparseid.plotting import plot_bifurcation_diagram
    >>> from sparseid.systems import SigmoidMap
    >>> diagram = bifurcation_diagram(SigmoidMap(a=0.8), 0.0, {"b": [0.1, 0.5]})
    >>> fig = plot_bifurcation_diagram(diagram)
    >>> fig.axes[0].get_xlabel()
    'b'
    >>> plt.close(fig)
    """
    plt = _pyplot()
    frame = diagram.to_frame() if hasattr(diagram, "to_frame") else diagram
    missing = {"x", "period"} - set(frame.columns)
    if missing or len(frame.columns) != 3:
        raise ValueError(
            "plot_bifurcation_diagram: diagram must be a BifurcationDiagram or a frame with "
            f"columns (parameter, 'x', 'period'); got columns {list(frame.columns)}"
        )
    name = next(c for c in frame.columns if c not in ("x", "period"))
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    else:
        fig = ax.figure
    period = frame["period"].astype("Float64").fillna(0).to_numpy(dtype=float).astype(int)
    # tab10 without its grey, which is kept for the long periods.
    colors = [c for k, c in enumerate(plt.get_cmap("tab10").colors) if k != 7]
    groups = [(p, colors[(p - 1) % 9], f"period {p}") for p in range(1, max_period + 1)]
    groups += [(-1, "0.7", f"period > {max_period}"), (0, "black", "no period")]
    for p, color, label in groups:
        if p > 0:
            chosen = period == p
        elif p == -1:
            chosen = period > max_period
        else:
            chosen = period == 0
        if np.any(chosen):
            ax.scatter(
                frame[name].to_numpy()[chosen],
                frame["x"].to_numpy()[chosen],
                s=point_size,
                color=color,
                label=label,
                linewidths=0,
                rasterized=True,
            )
    for label, values in (markers or {}).items():
        for k, value in enumerate(np.atleast_1d(values)):
            ax.axvline(value, color="crimson", ls="--", lw=0.8, label=label if k == 0 else None)
    ax.set_xlabel(name)
    ax.set_ylabel("omega-limit points x")
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend(markerscale=6 / max(point_size, 1e-3) ** 0.5, fontsize=7, loc="best")
    return fig
