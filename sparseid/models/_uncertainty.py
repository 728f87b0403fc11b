"""Coefficient uncertainty of library models: standard errors, ensemble intervals, bands.

Mixed into :class:`~sparseid.models._library_model.LibraryModel`. Two sources: ``coef_stderr_``
(least-squares standard errors from the statistics, covariance-weighted for the weak form) and,
when the optimizer is an :class:`~sparseid.optimizers.EnsembleOptimizer`, the ensemble's
coefficients ``coef_samples_``.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..exceptions import SimulationError

__all__ = ["UncertaintyMixin", "format_term"]

_KINDS = ("stderr", "interval")


def format_term(coef, name, precision, spread):
    """``-10.000 (± 0.012) x`` or ``-10.000 [-10.1, -9.9] x``; ``spread`` as text or None."""
    text = f"{coef:.{precision}f}"
    if spread:
        text += f" {spread}"
    return text if name == "1" else f"{text} {name}"


class UncertaintyMixin:
    """Standard errors and ensemble intervals beside the coefficients; ensemble simulation."""

    def _check_uncertainty(self, uncertainty):
        if uncertainty is None:
            return None
        if uncertainty not in _KINDS:
            raise ValueError(f"uncertainty={uncertainty!r} must be None, 'stderr' or 'interval'")
        if uncertainty == "stderr" and getattr(self, "coef_stderr_", None) is None:
            raise ValueError("uncertainty='stderr': this model's optimizer gave no standard errors")
        if uncertainty == "interval" and not hasattr(self, "coef_samples_"):
            raise ValueError(
                "uncertainty='interval' needs an ensemble: fit with "
                "optimizer=EnsembleOptimizer(...)"
            )
        return uncertainty

    def coefficient_interval(self, level=0.9):
        """Central interval of each coefficient over the ensemble, shape (2, n_targets, n_terms).

        Parameters
        ----------
        level : float, default=0.9
            Probability mass inside the interval (0.9: the 5 % and 95 % quantiles).
        """
        check_is_fitted(self)
        self._check_uncertainty("interval")
        if not 0 < level < 1:
            raise ValueError(f"level={level!r} must lie strictly between 0 and 1")
        tail = (1 - level) / 2
        return np.quantile(self.coef_samples_, [tail, 1 - tail], axis=0)

    def _spreads(self, uncertainty, precision):
        """Text beside each coefficient, shape (n_targets, n_terms)."""
        if uncertainty == "stderr":
            return np.vectorize(lambda s: f"(± {s:.{precision}f})")(self.coef_stderr_)
        lo, hi = self.coefficient_interval()
        return np.vectorize(lambda a, b: f"[{a:.{precision}f}, {b:.{precision}f}]")(lo, hi)

    def _uncertainty_frame(self, uncertainty):
        frame = pd.DataFrame(self.coef_, index=self._lhs(), columns=self.feature_names_)
        if uncertainty == "stderr":
            parts = {"coef": frame, "stderr": frame * 0 + self.coef_stderr_}
        else:
            lo, hi = self.coefficient_interval()
            parts = {"coef": frame, "lower": frame * 0 + lo, "upper": frame * 0 + hi}
        out = pd.concat(parts, axis=1).swaplevel(axis=1)
        return out[[(term, kind) for term in self.feature_names_ for kind in parts]]

    def simulate_ensemble(self, x0, t, *, level=0.9, **solver):
        """Simulate every model of the ensemble; return the median trajectory and a band.

        Parameters
        ----------
        x0, t, **solver
            As for :meth:`simulate`.
        level : float, default=0.9
            Probability mass of the band (0.9: the 5 % and 95 % quantiles at each time).

        Returns
        -------
        median, lower, upper : ndarray of shape (n, d)
            Pointwise median and quantiles over the models whose simulation succeeded (a model
            that blows up contributes NaN from the time it stopped).
        """
        check_is_fitted(self)
        self._check_uncertainty("interval")
        if not 0 < level < 1:
            raise ValueError(f"level={level!r} must lie strictly between 0 and 1")
        runs = []
        member = copy.copy(self)
        for coef in self.coef_samples_:
            member.coef_ = coef
            member._compile_rhs()
            try:
                out = np.asarray(member.simulate(x0, t, **solver), dtype=np.float64)
            except SimulationError as err:
                partial = (
                    np.asarray(err.partial, dtype=np.float64) if err.partial is not None else None
                )
                out = np.full((len(np.atleast_1d(t)), self.n_features_in_), np.nan)
                if partial is not None and partial.size:
                    out[: len(partial)] = partial.reshape(len(partial), -1)[:, : out.shape[1]]
            runs.append(out)
        runs = np.stack(runs)
        tail = (1 - level) / 2
        median = np.nanmedian(runs, axis=0)
        lower, upper = np.nanquantile(runs, [tail, 1 - tail], axis=0)
        return median, lower, upper
