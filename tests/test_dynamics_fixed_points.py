"""Fixed points of flows and fitted models, with their eigenvalues and stability."""

import numpy as np
import pytest

import sparseid
from sparseid.dynamics import fixed_points
from sparseid.systems import Lorenz

BOX = ([-20.0, -20.0, -5.0], [20.0, 20.0, 40.0])


def test_lorenz_fixed_points_are_the_known_ones():
    lorenz = Lorenz()
    points = fixed_points(lorenz, BOX, n_starts=50, random_state=0)
    assert len(points) == 3
    r = np.sqrt(lorenz.beta * (lorenz.rho - 1))
    expected = [[-r, -r, lorenz.rho - 1], [0, 0, 0], [r, r, lorenz.rho - 1]]
    np.testing.assert_allclose([p.x for p in points], expected, atol=1e-10)
    assert [p.stability for p in points] == ["saddle-focus", "saddle", "saddle-focus"]
    # The classic eigenvalues at C±: 0.0940 ± 10.1945i and -13.8546.
    np.testing.assert_allclose(
        points[0].eigenvalues,
        [0.09395562 + 10.19450522j, 0.09395562 - 10.19450522j, -13.85457791],
        atol=1e-7,
    )


def test_sindy_model_fitted_on_lorenz_data_has_the_same_fixed_points():
    model = sparseid.SINDy().fit(sparseid.datasets.load("lorenz"))
    learned = fixed_points(model, BOX, n_starts=50, random_state=0)
    true = fixed_points(Lorenz(), BOX, n_starts=50, random_state=0)
    assert len(learned) == len(true) == 3
    for a, b in zip(learned, true):
        np.testing.assert_allclose(a.x, b.x, atol=1e-6)  # measured 3e-12
        np.testing.assert_allclose(a.eigenvalues, b.eigenvalues, atol=1e-6)  # measured 3e-11
        assert a.stability == b.stability


def test_stability_labels_of_linear_flows():
    cases = {
        "stable node": [[-1.0, 0.0], [0.0, -2.0]],
        "stable focus": [[-0.1, -1.0], [1.0, -0.1]],
        "unstable node": [[1.0, 0.0], [0.0, 2.0]],
        "unstable focus": [[0.1, -1.0], [1.0, 0.1]],
        "saddle": [[1.0, 0.0], [0.0, -1.0]],
        "non-hyperbolic": [[0.0, -1.0], [1.0, 0.0]],
    }
    for label, A in cases.items():
        A = np.array(A)
        points = fixed_points(lambda t, x, A=A: A @ x, ([-1, -1], [1, 1]), n_starts=5)
        assert len(points) == 1 and points[0].stability == label
        np.testing.assert_allclose(points[0].x, 0.0, atol=1e-12)


def test_roots_outside_the_box_are_left_out_and_many_roots_are_found():
    def f(t, x):  # zeros at x = k π, y = 0
        return np.array([np.sin(x[0]), -x[1]])

    points = fixed_points(f, ([-10.0, -1.0], [10.0, 1.0]), n_starts=200, random_state=1)
    np.testing.assert_allclose([p.x[0] for p in points], np.pi * np.arange(-3, 4), atol=1e-10)
    assert [p.stability for p in points][:2] == ["stable node", "saddle"]


@pytest.mark.parametrize(
    ("box", "n_starts", "match"),
    [
        (([0.0, 0.0, 0.0], [1.0, -1.0, 1.0]), 10, r"low\[1\] = 0.0 and high\[1\] = -1.0"),
        (([0.0, 0.0], [1.0, 1.0]), 10, "box has 2 coordinates but the model has 3"),
        ((0.0,), 10, "box must be"),
        (BOX, 0, "n_starts must be a positive integer"),
    ],
)
def test_bad_input_raises(box, n_starts, match):
    model = sparseid.SINDy().fit(sparseid.datasets.load("lorenz").iloc[:2000])
    with pytest.raises(ValueError, match=match):
        fixed_points(model, box, n_starts=n_starts)
