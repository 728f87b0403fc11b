"""The comparison figures: labelled, and drawn without touching matplotlib's global backend.

Selecting a backend is the application's business (a notebook's inline backend, a GUI, a
script's Agg): :mod:`sparseid.plotting` must draw with whatever is selected. Only the ``sparseid``
command and the examples that save figures select Agg.
"""

import ast
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sparseid import LinearModel, NeuralODE, SINDy
from sparseid.compare import VALID_THRESHOLD, Case
from sparseid.optimizers import STLSQ
from sparseid.plotting import (
    coefficient_figure,
    error_figure,
    loss_figure,
    phase_figure,
    save_figures,
    trajectory_figure,
)
from sparseid.systems import RotatingLinear

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="module")
def cases():
    """One case per model on rotating-linear data (generated here, so no data file is read)."""
    system = RotatingLinear()
    t = np.linspace(0.0, 6.0, 301)
    truth = system.solution(t, (2.0, 0.0))
    data = pd.DataFrame(truth, index=pd.Index(t, name="t"), columns=list(system.variables))
    models = {
        "sindy": SINDy(optimizer=STLSQ(threshold=0.05, alpha=0.0)),
        "linear": LinearModel(),
        "neural_ode": NeuralODE(max_iter=10, random_state=0),
    }
    out = []
    for name, model in models.items():
        model.fit(data.iloc[:200])
        simulated = np.asarray(model.simulate(data.iloc[0], t))
        scale = np.sqrt(np.mean(np.sum(truth**2, axis=1)))
        case = Case("rotating_linear", name, 0.0, 200, model, t, truth, simulated)
        case.error_curve = np.linalg.norm(simulated - truth, axis=1) / scale
        out.append(case)
    return out


@pytest.fixture(params=["svg", "pdf"])
def user_backend(request):
    """A non-Agg backend that works without a display, as a user might have selected."""
    before = matplotlib.get_backend()
    matplotlib.use(request.param)
    yield request.param
    plt.close("all")
    matplotlib.use(before)


def _figures(cases):
    return {
        "trajectory": trajectory_figure(cases),
        "phase": phase_figure(cases),
        "error": error_figure(cases),
        "coefficient": coefficient_figure(cases[0], RotatingLinear()),
        "loss": loss_figure(cases[2]),
    }


def _assert_backend(name):
    assert matplotlib.get_backend() == name
    assert matplotlib.rcParams["backend"] == name


def test_figure_functions_leave_the_backend_alone(cases, user_backend):
    _assert_backend(user_backend)
    figures = _figures(cases)
    _assert_backend(user_backend)
    for fig in figures.values():
        assert isinstance(fig, matplotlib.figure.Figure)
        assert fig.number in plt.get_fignums()  # pyplot figures: plt.show() shows them


def test_save_figures_leaves_the_backend_alone_and_closes_its_figures(
    cases, user_backend, tmp_path
):
    open_before = plt.get_fignums()
    paths = save_figures(cases, tmp_path)
    _assert_backend(user_backend)
    assert plt.get_fignums() == open_before
    stems = {p.stem for p in paths}
    assert stems == {
        "rotating_linear_trajectories",
        "rotating_linear_phase",
        "rotating_linear_error",
        "rotating_linear_sindy_coefficients",
        "rotating_linear_neural_ode_loss",
    }
    assert len(paths) == len(stems) and {p.suffix for p in paths} == {".png"}
    assert all(p.stat().st_size > 1000 for p in paths)


def _legend_labels(ax):
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


def test_figures_have_labels_and_legends(cases):
    figures = _figures(cases)
    try:
        model_labels = {"SINDy", "linear B x", "neural ODE"}

        trajectory = figures["trajectory"].axes
        assert [ax.get_ylabel() for ax in trajectory] == ["x", "y"]
        assert trajectory[-1].get_xlabel() == "t"
        assert "training window" in trajectory[0].get_title()
        assert set(_legend_labels(trajectory[0])) == {"data"} | model_labels

        phase = figures["phase"].axes
        assert len(phase) == 3
        for ax in phase:
            assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
            assert ax.get_title() in model_labels
            assert _legend_labels(ax) == ["data", ax.get_title()]

        (error,) = figures["error"].axes
        assert error.get_xlabel() == "t" and error.get_ylabel()
        assert error.get_yscale() == "log"
        assert set(_legend_labels(error)) == model_labels | {
            f"validity threshold {VALID_THRESHOLD:g}",
            "end of training window",
        }

        true_ax, learned_ax, colorbar = figures["coefficient"].axes
        assert (true_ax.get_title(), learned_ax.get_title()) == (
            "true coefficients",
            "SINDy coefficients",
        )
        for ax in (true_ax, learned_ax):
            assert ax.get_xlabel() == "library term"
            assert [t.get_text() for t in ax.get_yticklabels()] == ["dx/dt", "dy/dt"]
            assert [t.get_text() for t in ax.get_xticklabels()] == cases[
                0
            ].model.get_feature_names()
        assert true_ax.get_ylabel() == "equation" and colorbar.get_ylabel() == "coefficient"

        (loss,) = figures["loss"].axes
        assert loss.get_xlabel() == "iteration"
        assert loss.get_ylabel().startswith("training loss")
        for fig in figures.values():
            titles = [ax.get_title() for ax in fig.axes] + [fig.get_suptitle()]
            assert any("rotating_linear" in title for title in titles)
    finally:
        for fig in figures.values():
            plt.close(fig)


def test_the_command_selects_agg_before_drawing(tmp_path, monkeypatch):
    # plotting no longer selects Agg, so the command (which only writes files) must.
    from sparseid import cli

    seen = []
    monkeypatch.setattr("sparseid.compare.run_cases", lambda *args, **kwargs: [])
    monkeypatch.setattr(
        "sparseid.plotting.save_figures",
        lambda *args, **kwargs: seen.append(matplotlib.get_backend()) or [],
    )
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        assert cli.main(["compare", "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    finally:
        matplotlib.use(before)
    assert [name.lower() for name in seen] == ["agg"]


def _first_line(tree, predicate):
    lines = [node.lineno for node in ast.walk(tree) if predicate(node)]
    return min(lines) if lines else None


def _is_use_agg(node):
    return (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) == "matplotlib.use"
        and [ast.literal_eval(arg) for arg in node.args] == ["Agg"]
    )


def _imports_drawing(node):
    names = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = [node.module or ""]
    return any(name in ("matplotlib.pyplot", "sparseid.plotting") for name in names)


@pytest.mark.parametrize(
    "name", ["neural_ode_rotating.py", "compare_models.py"], ids=lambda name: name
)
def test_examples_that_save_figures_select_agg_before_drawing(name):
    # A user runs a copied example on a server without a display: it must not need one. The
    # test of the examples sets MPLBACKEND=Agg, so it cannot see this.
    source = (EXAMPLES / name).read_text()
    assert "savefig" in source or "save_figures" in source
    tree = ast.parse(source)
    use = _first_line(tree, _is_use_agg)
    assert use is not None, f"{name} does not call matplotlib.use('Agg')"
    assert use < _first_line(tree, _imports_drawing)


def test_examples_without_figures_do_not_import_matplotlib():
    for path in sorted(EXAMPLES.glob("*.py")):
        source = path.read_text()
        if "savefig" not in source and "save_figures" not in source:
            assert "matplotlib" not in source, path.name
