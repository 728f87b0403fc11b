"""SegmentSampler's batches against plain indexing (uniform and non-uniform times)."""

import numpy as np
import pytest

from sparseid.ode import SegmentSampler


@pytest.mark.parametrize("uniform", [True, False])
def test_segments_match_fancy_indexing(uniform):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(30, 3)), rng.normal(size=(25, 3))]
    ts = [np.arange(30.0), np.arange(25.0)]
    if not uniform:
        ts = [np.cumsum(rng.uniform(0.5, 1.5, size=len(x))) for x in xs]
    sampler = SegmentSampler(xs, ts, 6)
    starts = sampler.starts[rng.choice(sampler.n_segments, size=9, replace=False)]
    y0, targets, t_rel = sampler.segments(starts)
    idx = starts[None, :] + np.arange(1, 7)[:, None]
    np.testing.assert_array_equal(targets, sampler.X[idx])
    np.testing.assert_array_equal(y0, sampler.X[starts])
    expected = sampler.t_rel if uniform else (sampler.T[idx] - sampler.T[starts]).T
    np.testing.assert_array_equal(t_rel, expected)
