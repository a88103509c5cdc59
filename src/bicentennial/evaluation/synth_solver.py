"""Weight and predictor-importance optimisation of the synthetic control method.

Split from :mod:`bicentennial.evaluation.synth` so that the compiled kernels stay few with stable
signatures (every array C-contiguous float64, scalars float64) and the orchestration stays readable.

The inner problem, for a diagonal predictor-importance matrix ``V`` and penalty ``lam``,

    W(V) = argmin_{w in simplex} ||X1 - X0 w||_V^2 + lam * sum_j w_j ||X1 - X0_j||_V^2,

is a convex quadratic programme on the simplex whose Hessian has rank at most ``k`` (predictors),
however many donors ``J`` there are. It is solved exactly by an active-set method on the support of
``w`` (Wolfe 1976's minimum-norm-point algorithm, extended with the linear penalty term): the support
never holds more than ``k + 2`` donors, so each step costs one ``O(kJ)`` gradient and a tiny
``(|S| + 1)``-square KKT solve. This is what makes 2,400 donors cheap where a dense QP (SLSQP, ipop)
would factor a 2,400-square matrix at every evaluation of the outer problem.

The outer problem chooses ``V`` to minimise the outcome MSPE over the fit periods, with scipy's
Nelder-Mead from several starts, parametrised as ``V = |x| / sum |x|`` exactly as the R package
``Synth`` does (Abadie, Diamond & Hainmueller 2011, ``fn.V``).
"""

from __future__ import annotations

import numba
import numpy as np
from scipy.optimize import minimize

_RIDGE = 1e-13  # relative ridge on the KKT Hessian: keeps degenerate supports solvable, far below the tolerances
_MAX_MAJOR = 2000  # each major step adds a donor to the support; the optimum is found in a few dozen at most
# Half-decades: at 1e-4 the penalised weights are the plain ones, at 10 a single nearest donor;
# predictors are scaled to unit standard deviation and V sums to 1, so the grid is unit-free.
PENALTY_GRID = (0.0, *(10.0 ** (e / 2) for e in range(-8, 3)))
RIDGE_GRID_SIZE = 21  # augsynth's default: lambda_max down to 1e-8 lambda_max


@numba.njit(cache=True, nogil=True)
def _affine_minimiser(p: np.ndarray, c: np.ndarray, support: np.ndarray, m: int) -> np.ndarray:
    # Minimiser of ||P_S a||^2 + c_S'a on the affine hull {sum a = 1}: the KKT system
    # [[2 P_S'P_S, 1], [1', 0]] [a; mu] = [-c_S; 1].
    kkt = np.zeros((m + 1, m + 1))
    rhs = np.zeros(m + 1)
    scale = 0.0
    for a in range(m):
        for b in range(a, m):
            h = 0.0
            for i in range(p.shape[0]):
                h += p[i, support[a]] * p[i, support[b]]
            kkt[a, b] = 2.0 * h
            kkt[b, a] = 2.0 * h
        scale += kkt[a, a]
        kkt[a, m] = 1.0
        kkt[m, a] = 1.0
        rhs[a] = -c[support[a]]
    rhs[m] = 1.0
    ridge = _RIDGE * (scale / m + 1e-300)
    for a in range(m):
        kkt[a, a] += ridge
    return np.linalg.solve(kkt, rhs)[:m]


@numba.njit(cache=True, nogil=True)
def _gradient(p: np.ndarray, c: np.ndarray, x: np.ndarray, g: np.ndarray) -> None:
    # Row by row over donors: k contiguous axpy passes that SIMD well, unlike k-long dot products.
    g[:] = c
    for i in range(p.shape[0]):
        xi = 2.0 * x[i]
        for j in range(p.shape[1]):
            g[j] += xi * p[i, j]


@numba.njit(cache=True, nogil=True)
def _minor_cycle(p: np.ndarray, c: np.ndarray, support: np.ndarray, lam: np.ndarray, m: int) -> int:
    # Move to the support's affine minimiser or, when that leaves the simplex, to the boundary,
    # dropping the donors that reach zero; at most m passes. Returns the new support size.
    while True:
        alpha = _affine_minimiser(p, c, support, m)
        if np.all(alpha > 0.0):
            lam[:m] = alpha
            return m
        theta = 1.0
        for a in range(m):
            if alpha[a] <= 0.0:
                theta = min(theta, lam[a] / (lam[a] - alpha[a]))
        keep = 0
        for a in range(m):
            value = lam[a] + theta * (alpha[a] - lam[a])
            if value > 1e-15:
                support[keep] = support[a]
                lam[keep] = value
                keep += 1
        m = keep
        lam[:m] /= lam[:m].sum()


@numba.njit(cache=True, nogil=True)
def simplex_qp(p: np.ndarray, c: np.ndarray, tol: float) -> np.ndarray:
    """Exact minimiser of ``||P w||^2 + c'w`` over the unit simplex (active set on the support).

    ``p`` is ``(k, J)``: column ``j`` is ``sqrt(V) (X0_j - X1)``, so ``P w = sqrt(V) (X0 w - X1)`` on the
    simplex. Starts from the best single donor; each major step adds the donor with the most negative
    reduced gradient and runs the minor cycle (Wolfe 1976). Stops when no donor's reduced gradient is
    below the support's by more than ``tol`` relative to the objective: the KKT conditions.
    """
    k, n = p.shape
    cap = min(n, k + 3)
    support = np.empty(cap, dtype=np.int64)
    lam = np.empty(cap)
    f = c.copy()
    for i in range(k):
        for j in range(n):
            f[j] += p[i, j] * p[i, j]
    support[0] = int(np.argmin(f))
    lam[0] = 1.0
    m = 1
    x = p[:, support[0]].copy()
    scale = max(abs(f[support[0]]), 1e-300)
    g = np.empty(n)
    for _ in range(_MAX_MAJOR):
        _gradient(p, c, x, g)
        gbar = 0.0
        for a in range(m):
            gbar += lam[a] * g[support[a]]
        j = int(np.argmin(g))
        if g[j] >= gbar - tol * scale or m == cap or np.any(support[:m] == j):
            break  # optimal; (the last two only by rounding, on degenerate supports)
        support[m] = j
        lam[m] = 0.0
        m = _minor_cycle(p, c, support, lam, m + 1)
        x[:] = 0.0
        for a in range(m):
            x += lam[a] * p[:, support[a]]
    w = np.zeros(n)
    for a in range(m):
        w[support[a]] = lam[a]
    return w


@numba.njit(cache=True, nogil=True)
def weights_for_v(v: np.ndarray, diff: np.ndarray, penalty: float) -> np.ndarray:
    """``W(V)`` for the scaled predictor differences ``diff = X0 - X1`` (``(k, J)``) and penalty ``lam``."""
    p = diff * np.sqrt(v)[:, None]
    c = penalty * ((p * p).sum(axis=0))
    return simplex_qp(p, c, 1e-12)


@numba.njit(cache=True, nogil=True)
def v_loss(v: np.ndarray, diff: np.ndarray, penalty: float, zgap: np.ndarray) -> float:
    """Outcome MSPE over the fit periods of ``W(V)``; ``zgap`` is ``Z0 - Z1`` (``(T_fit, J)``)."""
    w = weights_for_v(v, diff, penalty)
    used = np.flatnonzero(w)  # at most k + 2 donors: the fit costs T_fit * (k + 2), not T_fit * J
    total = 0.0
    for t in range(zgap.shape[0]):
        e = 0.0
        for j in used:
            e += zgap[t, j] * w[j]
        total += e * e
    return total / zgap.shape[0]


def regression_v(scaled: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """Synth's regression-based starting ``V``: ``diag(B B')`` of the OLS of outcomes on predictors.

    ``scaled`` is ``(k, n)`` over treated and donors, ``outcomes`` ``(T_fit, n)``; least squares
    (not ``solve``) so that more predictors than units still give a start.
    """
    design = np.column_stack([np.ones(scaled.shape[1]), scaled.T])
    beta = np.linalg.lstsq(design, outcomes.T, rcond=None)[0][1:]
    v = np.einsum("ij,ij->i", beta, beta)
    return v / v.sum() if v.sum() > 0 and np.all(np.isfinite(v)) else np.full(len(v), 1.0 / len(v))


def optimise_v(
    diff: np.ndarray, zgap: np.ndarray, penalty: float, starts: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Nelder-Mead on ``V = |x| / sum |x|`` from each start; the lowest MSPE wins (earliest start on ties).

    Returns ``(v, w, loss)``. The MSPE is divided by its value at the first start so that the
    stopping tolerances are relative whatever the outcome's unit.
    """
    k = diff.shape[0]
    if k == 1:
        v = np.ones(1)
        return v, weights_for_v(v, diff, penalty), float(v_loss(v, diff, penalty, zgap))
    ref = max(float(v_loss(starts[0], diff, penalty, zgap)), 1e-300)

    def objective(x: np.ndarray) -> float:
        a = np.abs(x)
        total = a.sum()
        v = a / total if total > 0 else np.full(k, 1.0 / k)
        return float(v_loss(v, diff, penalty, zgap)) / ref

    best_v, best_f = starts[0], np.inf
    for start in starts:
        res = minimize(
            objective,
            start,
            method="Nelder-Mead",
            options={"maxiter": 200 * k, "xatol": 1e-6, "fatol": 1e-9, "adaptive": k > 5},
        )
        f = float(res.fun)
        if f < best_f * (1 - 1e-12):
            a = np.abs(res.x)
            best_v, best_f = a / a.sum(), f
    return best_v, weights_for_v(best_v, diff, penalty), best_f * ref


def penalty_by_holdout(diff: np.ndarray, train: np.ndarray, valid: np.ndarray, starts: list[np.ndarray]) -> float:
    """Abadie & L'Hour's ``lambda`` from a pre-period hold-out (``train``/``valid``: ``Z0 - Z1`` rows).

    ``V`` is fitted unpenalised on ``train``; each ``lambda`` of :data:`PENALTY_GRID` gives weights
    for that ``V`` and the one that predicts ``valid`` best wins, the largest on ties (more penalty:
    sparser, unique weights for the same fit).
    """
    v, _, _ = optimise_v(diff, train, 0.0, starts)
    errors = [float(np.mean((valid @ weights_for_v(v, diff, lam)) ** 2)) for lam in PENALTY_GRID]
    best = min(errors)
    return max(lam for lam, e in zip(PENALTY_GRID, errors, strict=True) if e <= best * (1 + 1e-9))


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
