"""The bifurcation-diagram figure: labelled, coloured by period, markers drawn."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from sparseid.dynamics import bifurcation_diagram
from sparseid.plotting import plot_bifurcation_diagram
from sparseid.systems import SigmoidMap


@pytest.fixture
def diagram():
    return bifurcation_diagram(SigmoidMap(a=0.8), 0.1, {"b": np.linspace(-0.2, 1.2, 300)}, 300, 60)


def test_figure_is_labelled_and_coloured_by_period(diagram):
    backend = matplotlib.get_backend()
    fig = plot_bifurcation_diagram(
        diagram, markers={"border collision": [0.0, 1.0]}, title="step map", max_period=5
    )
    try:
        ax = fig.axes[0]
        assert ax.get_xlabel() == "b" and "x" in ax.get_ylabel() and ax.get_title() == "step map"
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[:5] == [f"period {p}" for p in range(1, 6)]
        assert "period > 5" in labels and labels.count("border collision") == 1
        # Every point is drawn once: the scatter collections hold the whole tidy frame.
        n_points = sum(len(c.get_offsets()) for c in ax.collections)
        assert n_points == len(diagram.to_frame())
        assert len(ax.get_lines()) == 2  # the two marker lines
        assert matplotlib.get_backend() == backend
    finally:
        plt.close(fig)


def test_draws_a_tidy_frame_on_given_axes(diagram):
    fig, ax = plt.subplots()
    try:
        out = plot_bifurcation_diagram(diagram.to_frame(), ax, legend=False)
        assert out is fig and ax.get_legend() is None and ax.collections
    finally:
        plt.close(fig)


def test_bad_frame_raises(diagram):
    with pytest.raises(ValueError, match="columns \\(parameter, 'x', 'period'\\)"):
        plot_bifurcation_diagram(diagram.to_frame().drop(columns="period"))
