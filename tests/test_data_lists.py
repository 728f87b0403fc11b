"""The data layer with lists of trajectories: one entry of t (and y) per trajectory, even of one.

``fit([x], t=[t])`` once failed with "t must be 1-D" (the one-element list of times was read as
the times of one trajectory), and a list of different steps gave every trajectory the first one.
"""

import numpy as np
import pandas as pd
import pytest

from sparseid import SINDy, systems
from sparseid._data import one_per_trajectory, validate_targets, validate_trajectories

DT = 0.002


@pytest.fixture(scope="module")
def lorenz():
    x = systems.make_lorenz(1500, random_state=0).to_numpy()
    return x, np.arange(len(x)) * DT


@pytest.fixture(scope="module")
def reference(lorenz):
    x, _ = lorenz
    return SINDy().fit(x, t=DT).coef_


@pytest.mark.parametrize(
    "make_t",
    [
        lambda t: [t],  # a list of one array
        lambda t: (t,),  # a tuple of one array
        lambda t: [list(t)],  # a list of one list of times
        lambda t: [pd.Series(t)],  # a list of one Series
        lambda t: t,  # the times themselves
        lambda t: list(t),  # the times as a plain list
        lambda t: DT,  # a step
        lambda t: [DT],  # a list of one step
    ],
    ids=["list", "tuple", "list-of-list", "series", "array", "plain-list", "step", "list-step"],
)
def test_one_element_list_of_trajectories(lorenz, reference, make_t):
    x, t = lorenz
    model = SINDy().fit([x], t=make_t(t))
    np.testing.assert_allclose(model.coef_, reference, rtol=0, atol=1e-9)
    # A one-element list X also scores and differentiates with a one-element list of times.
    assert model.score([x], t=make_t(t)) > 0.999
    np.testing.assert_allclose(
        model.differentiate([x], t=make_t(t)), model.differentiate(x, t=DT), atol=1e-9
    )


@pytest.mark.parametrize(
    "make_t",
    [
        lambda ts: ts,  # a list of arrays
        lambda ts: tuple(ts),
        lambda ts: [DT, DT, 2 * DT],  # one step per trajectory
        lambda ts: [ts[0], DT, ts[2]],  # steps and arrays mixed
    ],
    ids=["arrays", "tuple", "steps", "mixed"],
)
def test_several_trajectories_with_a_list_of_t(lorenz, reference, make_t):
    x, t = lorenz
    xs = [x[:700], x[700:], x[::2]]
    ts = [t[:700], t[700:], t[::2]]
    model = SINDy().fit(xs, t=make_t(ts))
    # The every-other-sample trajectory has step 2 DT: its derivatives are less accurate, so
    # the coefficients are close to, not equal to, those of the one trajectory.
    np.testing.assert_allclose(model.coef_, reference, rtol=0, atol=1e-3)
    support = reference != 0
    np.testing.assert_array_equal(model.coef_ != 0, support)


def test_list_of_different_steps_gives_each_trajectory_its_own(lorenz):
    x, t = lorenz
    data = validate_trajectories([x, x[::2]], t=[DT, 2 * DT])
    np.testing.assert_array_equal(data.t[0], t)
    np.testing.assert_allclose(data.t[1], t[::2], rtol=1e-15)
    assert data.step is None  # no one step: the streamed fit reads each trajectory's times
    steps = SINDy().fit([x, x[::2]], t=[DT, 2 * DT])
    arrays = SINDy().fit([x, x[::2]], t=[t, t[::2]])
    np.testing.assert_allclose(steps.coef_, arrays.coef_, rtol=0, atol=1e-9)


def test_list_of_equal_steps_is_one_step(lorenz):
    x, _ = lorenz
    data = validate_trajectories([x, x], t=[DT, DT])
    assert data.step == DT
    assert SINDy().fit([x], t=[DT]).time_step_ == DT


def test_one_element_list_of_targets(lorenz, reference):
    x, t = lorenz
    x_dot = SINDy().fit(x, t=DT).differentiate(x, t=DT)
    model = SINDy().fit([x], x_dot=[x_dot])
    np.testing.assert_allclose(model.coef_, reference, atol=1e-9)
    data = validate_trajectories([x], t=[t])
    targets, one_d = validate_targets([x_dot[:, 0]], data)
    assert targets[0].shape == (len(x), 1) and one_d


def test_a_single_array_keeps_a_list_as_its_times():
    # X given as one array (not a list): a one-entry list is its times, as before.
    data = validate_trajectories(np.ones((1, 2)), t=[0.5])
    np.testing.assert_array_equal(data.t[0], [0.5])
    with pytest.raises(ValueError, match="t must be 1-D"):
        validate_trajectories(np.ones((4, 2)), t=[np.arange(4.0)])


def test_one_row_trajectory_with_one_time():
    # [x] with a single row and t=[0.0]: [0.0] is that row's time (a step must be positive).
    data = validate_trajectories([np.ones((1, 2))], t=[0.0])
    np.testing.assert_array_equal(data.t[0], [0.0])
    assert one_per_trajectory([0.5], 1, True, 2)
    assert not one_per_trajectory([0.5], 1, True, 1)
    assert not one_per_trajectory([0.5], 1, False, 2)
    assert one_per_trajectory([0.5, 0.5], 2, False, 2)


def test_wrong_number_of_entries_is_still_an_error(lorenz):
    x, t = lorenz
    with pytest.raises(ValueError, match="list of 2 entries but X has 3 trajectories"):
        validate_trajectories([x, x, x], t=[t, t])
    with pytest.raises(ValueError, match="list of 2 entries but X has 1 trajectories"):
        validate_trajectories([x], t=[t, t])
    with pytest.raises(ValueError, match="y has 2 trajectories but X has 1"):
        validate_targets([x, x], validate_trajectories([x], t=[t]))
