"""Numba kernels of the space-time scan statistic: circles, and the search over cylinders.

Split from :mod:`bicentennial.hotspots.scan` so that the orchestration stays readable and the
compiled signatures stay few and stable: every array is C-contiguous float64 except the circle
structure (``indptr`` int64, ``members`` int32), and scalars are float64 / int64 / bool.

Counts and expected counts enter as prefix sums over time per area (``(n_areas, n_periods + 1)``):
adding an area to a growing circle is one vector add, and the cases in the time window
``[s, e]`` of the circle are ``pc[e + 1] - pc[s]`` (Kulldorff et al. 2005, §2.3 computes the same
cumulative sums).
"""

from __future__ import annotations

import math

import numba
import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
# The screen below only decides which circles get an exact look; any reassociation error is far
# inside the slack of its bound, so the vectoriser may have every flag.
_FAST = {"nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc"}
_PAD = 8  # rows of the screen are padded to whole SIMD vectors
_FAR = -1.0e30  # pads prefix sums: any window reaching into the pad has c - e < 0 and is skipped


@numba.njit(cache=True, nogil=True)
def poisson_llr(c: float, e: float, total: float) -> float:
    """Kulldorff's log likelihood ratio of a high-rate cylinder, 0 when ``c <= e``.

    ``c ln(c/e) + (C - c) ln((C - c)/(C - e))`` (Kulldorff 1997, eq. for the Poisson model;
    the space-time permutation model uses the same form, Kulldorff et al. 2005, eq. 2).
    """
    if c <= e:
        return 0.0
    llr = c * math.log(c / e)
    rest = total - c
    if rest > 0.0:
        llr += rest * math.log(rest / (total - e))
    return llr


@numba.njit(cache=True, nogil=True)
def _distances_km(lat: np.ndarray, lon: np.ndarray, i: int) -> np.ndarray:
    # Haversine: exact for a sphere and well conditioned for the short distances that matter here.
    out = np.empty(lat.size)
    cos_i = math.cos(lat[i])
    for j in range(lat.size):
        h = math.sin(0.5 * (lat[j] - lat[i])) ** 2 + cos_i * math.cos(lat[j]) * math.sin(0.5 * (lon[j] - lon[i])) ** 2
        out[j] = 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def circle_sizes(lat: np.ndarray, lon: np.ndarray, weight: np.ndarray, limit: float) -> np.ndarray:
    """Number of circles per centre: nearest areas first (ties by index) while the weight stays ``<= limit``."""
    n = lat.size
    sizes = np.zeros(n, dtype=np.int64)
    for i in numba.prange(n):
        order = np.argsort(_distances_km(lat, lon, i), kind="mergesort")
        acc = 0.0
        k = 0
        while k < n:
            acc += weight[order[k]]
            if acc > limit:
                break
            k += 1
        sizes[i] = k
    return sizes


@numba.njit(cache=True, nogil=True, parallel=True)
def circle_members(lat: np.ndarray, lon: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Members of every centre's largest circle, nearest first, and their distance to the centre (km)."""
    members = np.empty(indptr[-1], dtype=np.int32)
    dist = np.empty(indptr[-1])
    for i in numba.prange(lat.size):
        d = _distances_km(lat, lon, i)
        order = np.argsort(d, kind="mergesort")
        for k in range(indptr[i + 1] - indptr[i]):
            members[indptr[i] + k] = order[k]
            dist[indptr[i] + k] = d[order[k]]
    return members, dist


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _screen(pc: np.ndarray, pe: np.ndarray, periods: int, max_len: int, prospective: bool, total: float, thr2: float) -> float:
    """Largest excess of the bound ``(c-e)^2 (1/e + 1/(C-c))`` over ``thr2`` among the windows of one circle.

    The bound follows from ``ln x <= (x - 1/x)/2`` (x >= 1) and ``ln(1+y) >= y - y^2/2``, so a window
    can only have an LLR above ``thr2 / 2`` when its excess is positive; multiplied out to avoid
    divisions, with a select instead of a branch so that the loop vectorises.
    """
    worst = -1.0
    if prospective:  # every prospective window ends at the last period: a single short row
        for s in range(periods - max_len, periods):
            c = pc[periods] - pc[s]
            e = pe[periods] - pe[s]
            d = c - e
            rest = total - c
            v = d * d * (rest + e) - thr2 * e * rest
            worst = max(worst, v if d > 0.0 else -1.0)
        return worst
    for length in range(1, max_len + 1):
        padded = (periods - length + _PAD) // _PAD * _PAD  # periods - length + 1 starts, rounded up
        for s in range(padded):
            c = pc[s + length] - pc[s]
            e = pe[s + length] - pe[s]
            d = c - e
            rest = total - c
            v = d * d * (rest + e) - thr2 * e * rest
            worst = max(worst, v if d > 0.0 else -1.0)
    return worst


@numba.njit(cache=True, nogil=True)
def _best_window(
    pc: np.ndarray, pe: np.ndarray, periods: int, max_len: int, prospective: bool, total: float, floor: float
) -> tuple[float, int, int]:
    """Exact best window of one circle above ``floor``: (llr, start, end), start = end = -1 when none."""
    best, b_start, b_end = floor, -1, -1
    for end in range(periods - 1 if prospective else 0, periods):
        for s in range(max(0, end - max_len + 1), end + 1):
            c = pc[end + 1] - pc[s]
            e = pe[end + 1] - pe[s]
            d = c - e
            rest = total - c
            # The same bound as the screen: skip the logarithms when it cannot beat the best.
            if d <= 0.0 or d * d * (rest + e) <= 2.0 * best * e * rest * (1.0 - 1e-9):
                continue
            llr = poisson_llr(c, e, total)
            if llr > best:
                best, b_start, b_end = llr, s, end
    return best, b_start, b_end


@numba.njit(cache=True, nogil=True)
def _centre_max(
    i: int,
    pcases: np.ndarray,
    pexp: np.ndarray,
    indptr: np.ndarray,
    members: np.ndarray,
    max_len: int,
    prospective: bool,
    total: float,
    floor: float,
) -> float:
    periods = pcases.shape[1] - 1
    pc = np.full(periods + 1 + 2 * _PAD, _FAR)
    pe = np.zeros(periods + 1 + 2 * _PAD)
    pc[: periods + 1] = 0.0
    best = floor
    for p in range(indptr[i], indptr[i + 1]):
        a = members[p]
        for t in range(periods + 1):
            pc[t] += pcases[a, t]
            pe[t] += pexp[a, t]
        # Most circles of a replica cannot beat this centre's best so far: one vectorised pass decides.
        if _screen(pc, pe, periods, max_len, prospective, total, 2.0 * best * (1.0 - 1e-9)) > 0.0:
            best = _best_window(pc, pe, periods, max_len, prospective, total, best)[0]
    return best


@numba.njit(cache=True, nogil=True, parallel=True)
def max_llr_parallel(
    pcases: np.ndarray,
    pexp: np.ndarray,
    indptr: np.ndarray,
    members: np.ndarray,
    order: np.ndarray,
    max_len: int,
    prospective: bool,
    total: float,
    floor: float,
) -> float:
    """Largest LLR over all cylinders (at least ``floor``), centres spread over numba's threads."""
    best = np.zeros(order.size)
    for j in numba.prange(order.size):
        best[j] = _centre_max(order[j], pcases, pexp, indptr, members, max_len, prospective, total, floor)
    return best.max()


@numba.njit(cache=True, nogil=True)
def max_llr_serial(
    pcases: np.ndarray,
    pexp: np.ndarray,
    indptr: np.ndarray,
    members: np.ndarray,
    order: np.ndarray,
    max_len: int,
    prospective: bool,
    total: float,
    floor: float,
) -> float:
    """:func:`max_llr_parallel` on one thread: for worker processes (GNU OpenMP is not fork-safe)."""
    best = floor
    for j in range(order.size):
        best = max(best, _centre_max(order[j], pcases, pexp, indptr, members, max_len, prospective, total, floor))
    return best


@numba.njit(cache=True, nogil=True, parallel=True)
def best_per_circle(
    pcases: np.ndarray,
    pexp: np.ndarray,
    indptr: np.ndarray,
    members: np.ndarray,
    order: np.ndarray,
    max_len: int,
    prospective: bool,
    total: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best window of every circle ``(llr, start, end)``, indexed like ``members``; -1 where no c > e."""
    periods = pcases.shape[1] - 1
    llr = np.zeros(members.size)
    start = np.full(members.size, -1, dtype=np.int64)
    end = np.full(members.size, -1, dtype=np.int64)
    for j in numba.prange(order.size):
        i = order[j]
        pc = np.zeros(periods + 1)
        pe = np.zeros(periods + 1)
        for p in range(indptr[i], indptr[i + 1]):
            a = members[p]
            for t in range(periods + 1):
                pc[t] += pcases[a, t]
                pe[t] += pexp[a, t]
            llr[p], start[p], end[p] = _best_window(pc, pe, periods, max_len, prospective, total, 0.0)
    return llr, start, end
