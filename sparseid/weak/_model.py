"""How a library model fits itself by the weak form (the hook behind ``SINDy(weak_form=...)``)."""

from __future__ import annotations

import numpy as np

from ._weak_form import weak_fit

__all__ = ["fit_weak_model"]


def fit_weak_model(model, data, inputs, settings):
    """Fit ``model`` (a LibraryModel) to the weak equations of the trajectories ``data``.

    Each contiguous piece of each trajectory (see ``Trajectories.pieces``) gets its own test
    functions; the statistics of all pieces add up before the optimizer sees them.
    """
    if model._is_map:
        raise ValueError("weak_form applies to flows (time derivatives), not to discrete_time maps")
    times = data.require_time("build the weak form")
    xs, zs, ts = [], [], []
    for k, a, b in data.pieces():
        x = data.x[k][a:b]
        u = inputs[k][a:b]
        xs.append(x)
        zs.append(np.hstack([x, u]) if u.shape[1] else x)
        ts.append(np.asarray(times[k][a:b], dtype=np.float64))
    library = model._make_library()
    library.fit(np.concatenate(zs))
    optimizer = model._make_optimizer()
    n_blocks = getattr(optimizer, "n_blocks", 1) if hasattr(optimizer, "fit_blocks") else 1
    coef, stderr, fitted = weak_fit(settings, library, optimizer, xs, zs, ts, n_blocks=n_blocks)
    if not np.all(np.isfinite(coef)):
        raise ValueError(
            f"the optimizer {type(optimizer).__name__} returned non-finite coefficients"
        )
    model.weak_form_ = fitted
    if "differentiation_" in vars(model):  # left over from an earlier pointwise fit
        del model.differentiation_
    model._store_fit(library, None, coef, stderr, fitted.optimizers_)
