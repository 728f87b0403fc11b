"""Joint generalised least squares of all targets' weak equations (WENDy's whitening).

The noise of one state enters the weak equations of every target, so their errors are
correlated across targets. These helpers whiten the equations of all targets together
(:func:`sparseid.weak._covariance.whiten_joint`) and solve them on given supports.
"""

from __future__ import annotations

import numpy as np

from ._covariance import state_jacobian, whiten_joint

__all__ = ["joint_equations", "joint_least_squares"]


def joint_equations(pieces, library, coef, d):
    """Per piece with test functions: the jointly whitened ``(X, y)`` (see ``whiten_joint``).

    A piece without measurable noise keeps its equations unweighted (in the same layout).
    """
    out = []
    for piece in pieces:
        if piece.size == 0:
            continue
        jac = state_jacobian(library.transform, piece.z, d, coef)
        X, y = whiten_joint(piece.phi, piece.dphi, jac, piece.sigma, piece.G, piece.B)
        if X is None:
            k, p = piece.G.shape
            X = []
            for i in range(d):
                xi = np.zeros((d * k, p))
                xi[i::d] = piece.G
                X.append(xi)
            y = piece.B.reshape(-1)
        out.append((X, y))
    return out


def joint_least_squares(equations, coef):
    """Generalised least squares of all targets together on the supports of ``coef``."""
    support = coef != 0
    design = np.vstack(
        [np.hstack([X[i][:, support[i]] for i in range(len(X))]) for X, _ in equations]
    )
    target = np.concatenate([y for _, y in equations])
    out = np.zeros_like(coef)
    if design.shape[1]:
        out[support] = np.linalg.lstsq(design, target, rcond=None)[0]
    return out
