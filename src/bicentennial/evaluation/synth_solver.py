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
Nelder-Mead from several starts, parametrised as ``V = |x| / sum |x|`` as the R package ``Synth``
does (Abadie, Diamond & Hainmueller 2011, ``fn.V``), floored at :data:`V_FLOOR`, then polished by
Nelder-Mead restarts and Powell. When the predictors can be matched exactly no search is needed
(:func:`matched_weights`). The penalty choice of the penalised estimator lives here
too; the augmented estimator's ridge is in :mod:`bicentennial.evaluation.augmented`.
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
_IN_HULL = 1e-10  # inner MSPE, relative to a typical donor's, below which the predictors count as matched
_MATCH_PENALTY = 1e6
_OPTIONS: dict[str, dict[str, float]] = {
    "Nelder-Mead": {"xatol": 1e-6, "fatol": 1e-9},
    "Powell": {"xtol": 1e-6, "ftol": 1e-10},
}
_POLISH_ROUNDS = 5
V_FLOOR = 1e-6  # every predictor keeps a weight (see to_v); far below any weight that shapes a fit


@numba.njit(cache=True, nogil=True)
def _gradient(p: np.ndarray, c: np.ndarray, x: np.ndarray, g: np.ndarray) -> None:
    # Row by row over donors: k contiguous axpy passes that SIMD well, unlike k-long dot products.
    for j in range(p.shape[1]):
        g[j] = c[j]
    for i in range(p.shape[0]):
        xi = 2.0 * x[i]
        for j in range(p.shape[1]):
            g[j] += xi * p[i, j]


# The kernels below use plain loops, not numpy calls: numba compiles np.linalg.solve, axis sums and
# fancy indexing slowly (seconds each), and the arrays they would touch are a handful of numbers.


@numba.njit(cache=True, nogil=True)
def _gauss_solve(a: np.ndarray, b: np.ndarray) -> None:
    # Gaussian elimination with partial pivoting, in place (the answer lands in b): the KKT
    # systems are at most (k + 4)-square and indefinite, so no Cholesky.
    n = b.size
    for col in range(n):
        piv = col
        for r in range(col + 1, n):
            if abs(a[r, col]) > abs(a[piv, col]):
                piv = r
        if piv != col:
            for q in range(n):
                a[col, q], a[piv, q] = a[piv, q], a[col, q]
            b[col], b[piv] = b[piv], b[col]
        d = a[col, col] if a[col, col] != 0.0 else 1e-300
        for r in range(col + 1, n):
            factor = a[r, col] / d
            if factor != 0.0:
                for q in range(col, n):
                    a[r, q] -= factor * a[col, q]
                b[r] -= factor * b[col]
    for r in range(n - 1, -1, -1):
        total = b[r]
        for q in range(r + 1, n):
            total -= a[r, q] * b[q]
        b[r] = total / (a[r, r] if a[r, r] != 0.0 else 1e-300)


@numba.njit(cache=True, nogil=True)
def _affine_minimiser(p: np.ndarray, c: np.ndarray, support: np.ndarray, m: int) -> np.ndarray:
    # Minimiser of ||P_S a||^2 + c_S'a on the affine hull {sum a = 1}: the KKT system
    # [[2 P_S'P_S, 1], [1', 0]] [a; mu] = [-c_S; 1]. Returns [a; mu].
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
    _gauss_solve(kkt, rhs)
    return rhs


@numba.njit(cache=True, nogil=True)
def _minor_cycle(p: np.ndarray, c: np.ndarray, support: np.ndarray, lam: np.ndarray, m: int) -> int:
    # Move to the support's affine minimiser or, when that leaves the simplex, to the boundary,
    # dropping the donors that reach zero; at most m passes. Returns the new support size.
    while True:
        alpha = _affine_minimiser(p, c, support, m)
        theta = 1.0
        for a in range(m):
            if alpha[a] <= 0.0:
                theta = min(theta, lam[a] / (lam[a] - alpha[a]))
        keep = 0
        total = 0.0
        for a in range(m):
            value = lam[a] + theta * (alpha[a] - lam[a])
            if value > 1e-15:
                support[keep] = support[a]
                lam[keep] = value
                total += value
                keep += 1
        for a in range(keep):
            lam[a] /= total
        if theta == 1.0 and keep == m:
            return m
        m = keep


@numba.njit(cache=True, nogil=True)
def simplex_qp(p: np.ndarray, c: np.ndarray, tol: float, support: np.ndarray, lam: np.ndarray, m: int) -> int:
    """Exact minimiser of ``||P w||^2 + c'w`` over the unit simplex (active set on the support).

    ``p`` is ``(k, J)``: column ``j`` is ``sqrt(V) (X0_j - X1)``, so ``P w = sqrt(V) (X0 w - X1)`` on the
    simplex. The solution is returned in place as ``support[:m]`` (donor indices) and ``lam[:m]``
    (their weights, positive, summing to one); the return value is ``m``. Both arrays hold at least
    ``min(J, k + 3)`` entries. With ``m == 0`` the search starts from the best single donor;
    otherwise from the given support and weights (a warm start: the outer search moves ``V`` a
    little at a time, and the support seldom changes). Each major step adds the donor with the most
    negative reduced gradient and runs the minor cycle (Wolfe 1976); it stops when no donor's reduced
    gradient is below the support's by more than ``tol`` relative to the objective: the KKT conditions.
    """
    k, n = p.shape
    cap = min(n, k + 3)
    g = np.empty(n)
    if m == 0:
        for j in range(n):
            g[j] = c[j]
        for i in range(k):
            for j in range(n):
                g[j] += p[i, j] * p[i, j]
        support[0] = np.argmin(g)
        lam[0] = 1.0
        m = 1
    else:
        m = _minor_cycle(p, c, support, lam, m)
    scale = 1e-300
    for a in range(m):
        own = c[support[a]]
        for i in range(k):
            own += p[i, support[a]] ** 2
        scale = max(scale, own)
    x = np.empty(k)
    for _ in range(_MAX_MAJOR):
        for i in range(k):
            x[i] = 0.0
            for a in range(m):
                x[i] += lam[a] * p[i, support[a]]
        _gradient(p, c, x, g)
        gbar = 0.0
        for a in range(m):
            gbar += lam[a] * g[support[a]]
        enter = np.argmin(g)
        known = False
        for a in range(m):
            known = known or support[a] == enter
        if g[enter] >= gbar - tol * scale or m == cap or known:
            break  # optimal; (the last two only by rounding, on degenerate supports)
        support[m] = enter
        lam[m] = 0.0
        m = _minor_cycle(p, c, support, lam, m + 1)
        kept = False
        for a in range(m):
            kept = kept or support[a] == enter
        if not kept:
            break  # the new donor left at once: no descent is left, only rounding
    return m


@numba.njit(cache=True, nogil=True)
def solve_v(
    x: np.ndarray,
    diff: np.ndarray,
    penalty: float,
    zgap: np.ndarray,
    support: np.ndarray,
    lam: np.ndarray,
    m: int,
    floor: float,
) -> tuple[float, int]:
    """``W(V)`` in place (``support[:m]``, ``lam[:m]``) and its outcome MSPE over the fit periods.

    ``V = floor + (1 - k floor) |x| / sum |x|`` (:func:`to_v`, computed here so that the search's
    many evaluations pay no numpy call overhead; ``floor = 0`` passes a ready ``V`` through).
    ``diff = X0 - X1`` is ``(k, J)`` (scaled predictors), ``zgap = Z0 - Z1`` is ``(T_fit, J)``;
    ``m > 0`` warm-starts from the given support (see :func:`simplex_qp`). Returns ``(mspe, m)``;
    the fit costs ``T_fit * m``, not ``T_fit * J``. The only compiled entry point, so that numba
    compiles the solver once.
    """
    k, n = diff.shape
    total = 0.0
    for i in range(k):
        total += abs(x[i])
    p = np.empty((k, n))
    c = np.zeros(n)
    for i in range(k):
        share = abs(x[i]) / total if total > 0 else 1.0 / k
        root = np.sqrt(floor + (1.0 - k * floor) * share)
        for j in range(n):
            p[i, j] = diff[i, j] * root
            c[j] += penalty * p[i, j] * p[i, j]
    m = simplex_qp(p, c, 1e-12, support, lam, m)
    sse = 0.0
    for t in range(zgap.shape[0]):
        e = 0.0
        for a in range(m):
            e += zgap[t, support[a]] * lam[a]
        sse += e * e
    return sse / max(zgap.shape[0], 1), m


def weights_for_v(v: np.ndarray, diff: np.ndarray, penalty: float) -> np.ndarray:
    """``W(V)`` for ``diff = X0 - X1`` (``(k, J)``), from a cold start: a function of ``V`` alone."""
    k, n = diff.shape
    support = np.empty(k + 3, dtype=np.int64)
    lam = np.empty(k + 3)
    _, m = solve_v(np.asarray(v, dtype=float), diff, float(penalty), np.zeros((0, n)), support, lam, 0, 0.0)
    w = np.zeros(n)
    w[support[:m]] = lam[:m]
    return w


def regression_v(scaled: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """Synth's regression-based starting ``V``: ``diag(B B')`` of the OLS of outcomes on predictors.

    ``scaled`` is ``(k, n)`` over treated and donors, ``outcomes`` ``(T_fit, n)``. Normal equations
    as Synth (``solve(t(X) %*% X)``), with a pseudo-inverse so that collinear predictors or more
    predictors than units still give a start.
    """
    design = np.column_stack([np.ones(scaled.shape[1]), scaled.T])
    beta = (np.linalg.pinv(design.T @ design) @ (design.T @ outcomes.T))[1:]
    v = np.einsum("ij,ij->i", beta, beta)
    return v / v.sum() if v.sum() > 0 and np.all(np.isfinite(v)) else np.full(len(v), 1.0 / len(v))


def matched_weights(diff: np.ndarray, zgap: np.ndarray) -> np.ndarray | None:
    """Best outcome fit among the weights that reproduce the treated predictors, or None if none do.

    When the treated unit's scaled predictors are a convex combination of the donors', every
    ``V`` with positive entries has the same inner solution set ``{W : X0 W = X1}``, so ``V`` is
    not identified and the bilevel problem's (optimistic) solution is the ``W`` in that set that
    minimises the outcome MSPE (the bilevel reading of Synth by Malo, Eskelinen, Zhou & Kuosmanen
    2023, Comput. Econ.). The equality is imposed by a penalty ``rho`` a million times the outcome term's scale: the
    predictors then match to about 1e-6 of their spread, far below anything a balance table shows.
    """
    k = diff.shape[0]
    w = weights_for_v(np.full(k, 1.0 / k), diff, 0.0)
    inner = float(np.sum((diff @ w) ** 2)) / k
    scale_inner = float(np.mean(np.sum(diff**2, axis=0))) / k
    if inner > _IN_HULL * scale_inner:
        return None
    outer = zgap / np.sqrt(zgap.shape[0])
    scale_outer = max(float(np.mean(np.sum(outer**2, axis=0))), 1e-300)
    rho = _MATCH_PENALTY * scale_outer / max(scale_inner * k, 1e-300)
    p = np.ascontiguousarray(np.vstack([outer, np.sqrt(rho) * diff]))
    return weights_for_v(np.ones(p.shape[0]), p, 0.0)


def to_v(x: np.ndarray, k: int) -> np.ndarray:
    """Synth's ``|x| / sum |x|``, floored at :data:`V_FLOOR` so that every predictor keeps a weight.

    At a ``V`` with zeros the inner problem can have a whole face of solutions, and the outcome MSPE
    would then measure the QP solver's tie-breaking, not the data: an unbounded search walks into
    such corners (on the Basque data pysyncon's SLSQP and this solver then disagree a hundredfold).
    """
    a = np.abs(np.asarray(x, dtype=float))
    total = a.sum()
    share = a / total if total > 0 else np.full(k, 1.0 / k)
    return V_FLOOR + (1.0 - k * V_FLOOR) * share


def _mspe(zgap: np.ndarray, w: np.ndarray) -> float:
    return float(np.mean((zgap @ w) ** 2))


def optimise_v(
    diff: np.ndarray, zgap: np.ndarray, penalty: float, starts: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Nelder-Mead on ``V = |x| / sum |x|`` from each start; the lowest MSPE wins (earliest start on ties).

    Returns ``(v, w, mspe)``, ``w`` recomputed from a cold start at the chosen ``V``. Unpenalised
    fits whose predictors can be matched exactly skip the search (:func:`matched_weights`). The
    MSPE is divided by its value at the first start so that the stopping tolerances are relative
    whatever the outcome's unit.
    """
    k = diff.shape[0]
    matched = matched_weights(diff, zgap) if penalty == 0 else None
    if k == 1 or matched is not None:
        v = np.full(k, 1.0 / k)
        w = weights_for_v(v, diff, penalty) if matched is None else matched
        return v, w, _mspe(zgap, w)
    support = np.empty(k + 3, dtype=np.int64)
    lam = np.empty(k + 3)
    state = [0]  # support size carried from one evaluation to the next (warm start)

    def objective(x: np.ndarray) -> float:
        loss, state[0] = solve_v(x, diff, penalty, zgap, support, lam, state[0], V_FLOOR)
        return float(loss) / ref

    def search(method: str, start: np.ndarray) -> tuple[np.ndarray, float]:
        state[0] = 0
        options = _OPTIONS[method] | ({"maxiter": 200 * k, "adaptive": k > 5} if method == "Nelder-Mead" else {})
        res = minimize(objective, start, method=method, options=options)
        return to_v(res.x, k), float(res.fun)

    ref = 1.0
    ref = max(objective(starts[0]), 1e-300)
    best_v, best_f = starts[0], np.inf
    for start in starts:
        v, f = search("Nelder-Mead", start)
        if f < best_f * (1 - 1e-12):
            best_v, best_f = v, f
    # Nelder-Mead stalls on this piecewise-smooth surface: restart it, and Powell's line searches,
    # from the best point until neither improves. A true local minimum (Synth's Basque solution is
    # one) stays put; a stalled simplex moves on.
    for _ in range(_POLISH_ROUNDS):
        before = best_f
        for method in ("Nelder-Mead", "Powell"):
            v, f = search(method, best_v)
            if f < best_f * (1 - 1e-9):
                best_v, best_f = v, f
        if best_f >= before * (1 - 1e-9):
            break
    w = weights_for_v(best_v, diff, penalty)
    return best_v, w, _mspe(zgap, w)


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
