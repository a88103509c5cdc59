"""The ridge outcome model of the augmented synthetic control (Ben-Michael, Feller & Rothstein 2021).

The synthetic-control weights are corrected by a ridge regression of the treated unit's pre-period
outcomes on the donors', with the ridge penalty chosen by leave-one-pre-period-out cross-validation
as the augsynth R package does. The corrected weights may be negative.
"""

from __future__ import annotations

import numpy as np

RIDGE_GRID_SIZE = 21  # augsynth's default: lambda_max down to 1e-8 lambda_max


def ridge_by_cv(y0: np.ndarray, y1: np.ndarray, w: np.ndarray) -> float:
    """Ridge ``lambda`` of the augmented SCM by leave-one-pre-period-out, as the augsynth R package.

    ``y0`` ``(T0, J)`` and ``y1`` ``(T0,)`` are the pre-period outcomes centred on the donor mean,
    ``w`` the synth weights (kept fixed across folds). The grid runs from the squared largest
    singular value of ``y0`` down by ``1e8`` in :data:`RIDGE_GRID_SIZE` steps; the largest ``lambda``
    whose mean error is within one standard error of the minimum wins (Ben-Michael et al. 2021).
    """
    t0 = y0.shape[0]
    resid = y1 - y0 @ w
    top = np.linalg.svd(y0, compute_uv=False)[0] ** 2
    grid = top * (1e-8 ** (np.arange(RIDGE_GRID_SIZE) / (RIDGE_GRID_SIZE - 1)))
    errors = np.empty((t0, grid.size))
    for i in range(t0):
        rest = np.delete(np.arange(t0), i)
        u, s, vt = np.linalg.svd(y0[rest], full_matrices=False)
        # Held-out error of W + ridge(rest): r_i - y0_i A'(AA' + lam I)^-1 r_rest, through A's SVD.
        terms = (vt @ y0[i]) * s * (u.T @ resid[rest])
        errors[i] = (resid[i] - (terms[None, :] / (s[None, :] ** 2 + grid[:, None])).sum(axis=1)) ** 2
    mean = errors.mean(axis=0)
    se = errors.std(axis=0, ddof=1) / np.sqrt(t0)
    best = int(np.argmin(mean))
    return float(grid[mean <= mean[best] + se[best]].max())


def ridge_adjustment(y0: np.ndarray, y1: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """``(y1 - y0 w)' (y0 y0' + lam I)^{-1} y0``: sums to zero because ``y0``'s rows are centred."""
    gram = y0 @ y0.T + lam * np.eye(y0.shape[0])
    return np.linalg.lstsq(gram, y1 - y0 @ w, rcond=None)[0] @ y0
