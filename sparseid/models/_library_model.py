"""Models that regress targets on a feature library: the shared core of SINDy and LinearModel."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..optimizers import BaseOptimizer
from ._base import DynamicsModel
from ._library_model_state import LibraryStateMixin
from ._partial_fit import PartialFitMixin, reset_partial_fit
from ._streaming import accumulate, row_blocks, time_block_statistics
from ._streaming import theta_blocks as theta_stream
from ._switched_simulate import SwitchingMixin
from ._uncertainty import UncertaintyMixin, format_term

__all__ = ["LibraryModel"]


def _is_foreign(library):
    from .._pysindy import is_foreign_library

    return is_foreign_library(library)


def finite_term_error(theta, names, offset=0):
    """The ValueError naming the first non-finite term of a library block (rows from offset)."""
    theta = np.asarray(theta)
    bad = ~np.isfinite(theta)
    row, col = np.argwhere(bad)[0]
    return ValueError(
        f"the library term {names[col]!r} is {theta[row, col]} at row {row + offset} "
        f"({int(bad.sum())} non-finite value(s) in that block of rows): the data are too large "
        "for it in float64; rescale the data or use a smaller library"
    )


def _has_unknowns(library, Z):
    """Whether the library has a switching offset or an inner constant left unknown (None)."""
    from ..libraries._varpro import free_parameters
    from ._surface_search import has_unknown_offsets

    return has_unknown_offsets(library) or bool(free_parameters(library, Z[:0]))


def _format_number(value, precision):
    return f"{value:.{precision}f}"


def format_equation(coefs, names, precision=3):
    """Readable right-hand side: ``-10.000 x + 10.000 y``; ``0.000`` when every term is zero.

    Examples
    --------
    >>> format_equation([1.5, 0.0, -2.0], ["1", "x", "x y"], precision=1)
    '1.5 - 2.0 x y'
    """
    parts = []
    for c, name in zip(coefs, names):
        if c == 0:
            continue
        text = _format_number(abs(c), precision) + ("" if name == "1" else f" {name}")
        if not parts:
            parts.append(("-" if c < 0 else "") + text)
        else:
            parts.append(("- " if c < 0 else "+ ") + text)
    return " ".join(parts) if parts else _format_number(0.0, precision)


class LibraryModel(
    UncertaintyMixin, SwitchingMixin, LibraryStateMixin, PartialFitMixin, DynamicsModel
):
    """Shared core: Θ(states, inputs) → targets through an optimizer; compiled for speed.

    Subclasses provide ``_make_library()`` and ``_make_optimizer()`` (unfitted estimators).

    Notes
    -----
    Besides the attributes of :class:`DynamicsModel` and those its subclasses document, a
    fitted model holds ``_compiled_rhs``, the :class:`sparseid.libraries.CompiledRHS` of its
    nonzero terms that ``predict`` and ``simulate`` evaluate. Generated code does not pickle:
    :meth:`_compile_rhs` makes it again after unpickling and loading.
    """

    _supports_control = True

    def __sklearn_is_fitted__(self):
        # partial_fit records the names before any row can enter (or before an ensemble has
        # two blocks): the model is fitted once it has coefficients.
        return hasattr(self, "coef_")

    def _make_library(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _make_optimizer(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def _input_names(self):
        return self.variable_names_ + self.control_names_

    # fitting: one block loop (see _streaming) --------------------------------------------
    def _fit_trajectories(self, data, inputs, validation_data=None):
        settings = self._weak_settings()
        if settings is not None:  # the weak form (sparseid.weak) instead of pointwise targets
            from ..weak._model import fit_weak_model

            # Nothing is searched in the weak form (and nothing left from an earlier fit).
            self.surface_search_ = None
            self.nonlinear_parameters_ = {}
            return fit_weak_model(self, data, inputs, settings)
        self._fit_blocks(self._trajectory_blocks(data, inputs), len(self.target_names_))

    def _fit_targets(self, Z, Y):
        # Z and Y were validated once, by fit (sparseid._data): the library and our optimizers
        # trust them. Another regressor given as the optimizer checks its input as usual.
        self._fit_blocks(row_blocks(Z, Y), Y.shape[1])

    def _fit_blocks(self, blocks, n_targets):
        """Fit library and optimizer from blocks (Z, Y): statistics, or the whole Θ if needed.

        Our optimizers get :class:`~sparseid.optimizers.SufficientStatistics` folded block by
        block, so Θ is never whole; any other regressor gets the whole Θ and targets.
        """
        reset_partial_fit(self)
        blocks = iter(blocks)
        first = next(blocks, None)
        if first is None:
            raise ValueError(
                "the data give no regression pairs (every contiguous piece has a single row)"
            )
        library = self._make_library()
        foreign = _is_foreign(library)
        optimizer = self._make_optimizer()
        self.surface_search_ = None
        self.nonlinear_parameters_ = {}
        if not foreign and _has_unknowns(library, first[0]):
            # Unknown switching offsets or inner constants are searched on the data whole
            # (the states and targets, never the whole library): gather the blocks.
            Z, Y = (np.concatenate(part) for part in zip(first, *blocks, strict=False))
            library = self._find_unknowns(library, Z, Y, optimizer)
            blocks = row_blocks(Z, Y)
            first = next(blocks)
        library.fit(first[0][:1])
        stream = theta_stream(library, itertools.chain([first], blocks), foreign=foreign)
        name_terms = lambda theta, row: self._check_finite_terms(library, theta, row)  # noqa: E731
        if hasattr(optimizer, "fit_blocks"):  # an ensemble: statistics of blocks of time
            optimizer.fit_blocks(time_block_statistics(stream, name_terms, optimizer.n_blocks))
        elif isinstance(optimizer, BaseOptimizer):
            optimizer._fit_model_statistics(accumulate(stream, name_terms), y_1d=n_targets == 1)
        else:
            parts = list(stream)
            theta = np.concatenate([p[0] for p in parts])
            y = np.concatenate([p[1] for p in parts])
            del parts
            optimizer.fit(theta, y if n_targets > 1 else y[:, 0])
        self._set_fitted(library, optimizer, n_targets)

    def _find_unknowns(self, library, Z, Y, optimizer):
        """The library with its unknown switching offsets and inner constants found."""
        from ..libraries._varpro import fit_inner_parameters
        from ._surface_search import find_offsets, has_unknown_offsets

        if has_unknown_offsets(library):  # switching surfaces to find from the data
            library, self.surface_search_ = find_offsets(library, Z, Y, optimizer)
        # Unknown inner constants of terms (tanh(c x)) by variable projection.
        library, self.nonlinear_parameters_ = fit_inner_parameters(library, Z, Y, optimizer)
        return library

    def _set_fitted(self, library, optimizer, n_targets):
        coef = np.asarray(optimizer.coef_, dtype=np.float64).reshape(n_targets, -1)
        if not np.all(np.isfinite(coef)):
            raise ValueError(
                f"the optimizer {type(optimizer).__name__} returned non-finite coefficients"
            )
        self._store_fit(library, optimizer, coef, getattr(optimizer, "coef_stderr_", None))

    # weak form (sparseid.weak) ------------------------------------------------------------
    def _weak_settings(self):
        """The :class:`sparseid.weak.WeakForm` to fit with, or None for pointwise targets (hook)."""
        return None

    def _store_fit(self, library, optimizer, coef, stderr, per_target=None):
        """Record a fit: library, optimizer, coefficients, standard errors, names, compiled rhs.

        ``optimizer`` is None when each target has its own fitted optimizer (``per_target``,
        the weak form); ensembles' samples and inclusion probabilities are gathered from them.
        """
        from ..optimizers._ensemble import gather_ensemble

        self.feature_library_ = library
        if optimizer is not None:
            self.optimizer_ = optimizer
        elif hasattr(self, "optimizer_"):
            del self.optimizer_
        gather_ensemble(self, [optimizer] if optimizer is not None else per_target)
        self.coef_ = coef
        self.coef_stderr_ = None if stderr is None else np.asarray(stderr).reshape(coef.shape)
        self.feature_names_ = [str(n) for n in self._library_names(library)]
        self._compile_rhs()

    def _library_names(self, library):
        if _is_foreign(library):
            return library.get_feature_names(self._input_names)
        return library.get_feature_names_out(self._input_names)

    def _check_finite_terms(self, library, theta, offset=0):
        """Raise a ValueError naming the first library term that is not finite, if any.

        ``theta`` is a block of the library whose first row is row ``offset`` of the whole.
        """
        if not np.isfinite(theta).all():
            raise finite_term_error(theta, self._library_names(library), offset)

    def _fit_dask(self, X, y=None, *, t=None, u=None, feature_names=None):
        from ._dask import fit_dask

        return fit_dask(self, X, y, t=t, u=u, feature_names=feature_names)

    # compiled evaluation -------------------------------------------------------------------
    def _compile_rhs(self):
        """Generate the fast right-hand side once per fit (and after loading or unpickling)."""
        from ..libraries import compile_rhs

        library = self.feature_library_
        if _is_foreign(library):
            from .._pysindy import transform_rhs

            self._compiled_rhs = transform_rhs(library, self.coef_)
            self.switching_surfaces_ = []
            return
        self._compiled_rhs = compile_rhs(library.terms_, self.coef_, library.n_features_in_)
        self._set_switching()

    def __getstate__(self):
        # Generated functions cannot be pickled; __setstate__ generates them again.
        # (object.__getstate__ returns the live __dict__: copy before removing anything.)
        state = dict(super().__getstate__())
        state.pop("_compiled_rhs", None)
        state.pop("_switched_field", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if hasattr(self, "coef_"):
            self._compile_rhs()

    def _predict_array(self, Z):
        return self._compiled_rhs.rhs_batch(Z)

    def _rhs_and_jacobian(self):
        return self._compiled_rhs.rhs, self._compiled_rhs.jacobian

    def _batch_rhs(self):
        return self._compiled_rhs.rhs_batch

    def _source(self, language, header):
        from ..libraries._codegen import library_source

        self._check_symbolic("export its source")
        return library_source(
            self.feature_library_.terms_,
            self.coef_,
            n_states=self.n_features_in_,
            language=language,
            term_names=self.feature_names_,
            state_names=self.variable_names_,
            input_names=self.control_names_,
            title=f"{type(self).__name__} model: " + ", ".join(self._lhs()),
            header=header,
        )

    def _check_symbolic(self, what):
        library = self.feature_library_
        if _is_foreign(library):
            raise TypeError(
                f"this model's library is a {type(library).__name__} from outside sparseid, "
                f"known only through its transform, so the model cannot {what}; use the "
                "equivalent sparseid library (sparseid.libraries) for that"
            )

    # inspection ----------------------------------------------------------------------------
    def _lhs(self):
        if self._targets_1d or self.target_names_ != self._derivative_names():
            return list(self.target_names_)
        suffix = "[k+1]" if self._is_map else "'"
        return [f"({v}){suffix}" for v in self.variable_names_]

    def equations(self, precision=3, uncertainty=None):
        """Right-hand sides as strings, one per target, e.g. ``-10.000 x + 10.000 y``.

        Parameters
        ----------
        precision : int
            Digits after the decimal point.
        uncertainty : {None, "stderr", "interval"}, default=None
            Show each coefficient's standard error, ``-10.000 (± 0.012) x``, or its 90 %
            interval over an ensemble, ``-10.000 [-10.021, -9.980] x``, as one sum of terms.
        """
        check_is_fitted(self)
        if self._check_uncertainty(uncertainty) is None:
            return [format_equation(row, self.feature_names_, precision) for row in self.coef_]
        spreads = self._spreads(uncertainty, precision)
        out = []
        for row, spread in zip(self.coef_, spreads):
            terms = [
                format_term(c, name, precision, s)
                for c, name, s in zip(row, self.feature_names_, spread)
                if c != 0
            ]
            out.append(" + ".join(terms) if terms else f"{0.0:.{precision}f}")
        return out

    def print(self, lhs=None, precision=3):
        """Print the learned equations, e.g. ``(x)' = -10.000 x + 10.000 y``.

        Parameters
        ----------
        lhs : list of str, optional
            Left-hand sides (default: ``(x)'`` for each variable ``x``).
        precision : int
            Digits after the decimal point.
        """
        lhs = self._lhs() if lhs is None else list(lhs)
        for name, eq in zip(lhs, self.equations(precision)):
            print(f"{name} = {eq}")

    def coefficients(self):
        """The coefficient matrix, shape (n_targets, n_terms) (PySINDy's name for ``coef_``)."""
        check_is_fitted(self)
        return self.coef_

    def coefficients_frame(self, uncertainty=None):
        """Coefficients as a DataFrame: one row per target, one column per library term.

        Parameters
        ----------
        uncertainty : {None, "stderr", "interval"}, default=None
            Add, under each term, the standard error (columns ``(term, "coef")``,
            ``(term, "stderr")``) or the ensemble's 90 % interval (``"lower"``, ``"upper"``).
        """
        check_is_fitted(self)
        if self._check_uncertainty(uncertainty) is None:
            return pd.DataFrame(self.coef_, index=self._lhs(), columns=self.feature_names_)
        return self._uncertainty_frame(uncertainty)

    def get_feature_names(self):
        """Names of the library terms (the columns of ``coef_``)."""
        check_is_fitted(self)
        return list(self.feature_names_)

    @property
    def complexity(self):
        """Number of nonzero coefficients."""
        check_is_fitted(self)
        return int(np.count_nonzero(self.coef_))

    def to_sympy(self):
        """The right-hand sides as sympy expressions in symbols named after the variables."""
        check_is_fitted(self)
        self._check_symbolic("give sympy expressions")
        import sympy

        symbols = sympy.symbols(self._input_names)
        symbols = symbols if isinstance(symbols, tuple | list) else (symbols,)
        terms = [term.to_sympy(symbols) for term in self.feature_library_.terms_]
        return [
            sum((sympy.Float(c) * s for c, s in zip(row, terms) if c != 0), sympy.Integer(0))
            for row in self.coef_
        ]

    def latex(self, precision=3):
        """The equations as one LaTeX ``aligned`` block."""
        import sympy

        rows = []
        for lhs, expr in zip(self._lhs(), self.to_sympy()):
            rounded = expr.xreplace({n: round(n, precision) for n in expr.atoms(sympy.Float)})
            rows.append(f"{lhs} &= {sympy.latex(rounded)}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
