"""Emerging hot spots: where homicide clusters are new, intensifying, persistent, fading or gone.

The method is ArcGIS Pro's *Emerging Hot Spot Analysis*: a space-time Getis–Ord Gi* z-score for every
(area, period) bin, a Mann–Kendall trend test on each area's series of z-scores, and one of 17 patterns
per area. The pattern definitions below are quoted from "How Emerging Hot Spot Analysis works" (Esri,
ArcGIS Pro 2.8–3.x tool reference); ``hot`` is a bin with ``p < alpha`` and ``z > 0``, ``cold`` one with
``p < alpha`` and ``z < 0``, and "ninety percent" counts bins (``hot bins >= 0.9 T``).

================  =============================================================================================
``new_hot``       "A location that is a statistically significant hot spot for the final time step and has never
                  been a statistically significant hot spot before."
``consecutive_``  "A location with a single uninterrupted run of at least two statistically significant hot spot
``hot``           bins in the final time-step intervals. The location has never been a statistically significant
                  hot spot prior to the final hot spot run and less than ninety percent of all bins are
                  statistically significant hot spots."
``intensifying_`` "A location that has been a statistically significant hot spot for ninety percent of the
``hot``           time-step intervals, including the final time step. In addition, the intensity of clustering of
                  high counts in each time step is increasing overall and that increase is statistically
                  significant."
``persistent_``   "A location that has been a statistically significant hot spot for ninety percent of the
``hot``           time-step intervals with no discernible trend indicating an increase or decrease in the
                  intensity of clustering over time."
``diminishing_``  "A location that has been a statistically significant hot spot for ninety percent of the
``hot``           time-step intervals, including the final time step. In addition, the intensity of clustering in
                  each time step is decreasing overall and that decrease is statistically significant."
``sporadic_hot``  "A statistically significant hot spot for the final time-step interval with a history of also
                  being an on-again and off-again hot spot. Less than ninety percent of the time-step intervals
                  have been statistically significant hot spots and none of the time-step intervals have been
                  statistically significant cold spots."
``oscillating_``  "A statistically significant hot spot for the final time-step interval that has a history of
``hot``           also being a statistically significant cold spot during a prior time step. Less than ninety
                  percent of the time-step intervals have been statistically significant hot spots."
``historical_``   "The most recent time period is not hot, but at least ninety percent of the time-step intervals
``hot``           have been statistically significant hot spots."
``no_pattern``    "Does not fall into any of the hot or cold spot patterns defined below."
================  =============================================================================================

The wording is the current one; ArcGIS Pro 2.8 lacked "at least two" (consecutive) and opened sporadic with
"A location that is an on-again then off-again hot spot", without requiring the final bin to be hot.
The eight cold patterns mirror these with hot and cold swapped; for cold spots "intensifying" means the
clustering of *low* counts strengthens, i.e. the z-scores trend *down* (Mann–Kendall decreasing).

Where the quoted texts overlap, this module decides as follows (Esri does not publish its order): a location
whose final bin is hot is judged only against the hot patterns (and mirror for cold); ``historical`` needs a
final bin that is not hot, so it wins over ``persistent`` for such a location; ``new`` and ``consecutive``
are checked before ``sporadic``/``oscillating``, so "oscillating" means an on-and-off hot history with an
earlier cold spot, "sporadic" the same without one. A location hot in the last bin and in at least 90 % of
bins is intensifying, diminishing or persistent by the trend alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.weights import Weights
from bicentennial.outcomes.trends import mann_kendall

GlobalWindow = Literal["neighborhood_time_step", "entire_cube"]

_PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical")
CLASSES: tuple[str, ...] = (
    *(f"{pattern}_hot" for pattern in _PATTERNS),
    *(f"{pattern}_cold" for pattern in _PATTERNS),
    "no_pattern",
)


@dataclass(frozen=True)
class EmergingResult:
    """Per-area pattern and trend, and the per-bin Gi* z-scores and p-values behind them."""

    classes: tuple[str, ...]  # one of CLASSES per area
    trend_tau: NDArray[np.float64]  # Kendall's tau of each area's z series (n,)
    trend_p: NDArray[np.float64]  # two-sided Mann–Kendall p-value (n,)
    z: NDArray[np.float64]  # (n, T) space-time Gi* z-scores
    p: NDArray[np.float64]  # (n, T) p-values used for significance (Benjamini–Hochberg adjusted when fdr=True)


def space_time_gistar(
    values: ArrayLike,
    w: Weights,
    *,
    time_step: int = 1,
    global_window: GlobalWindow = "neighborhood_time_step",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Space-time Getis–Ord Gi* z-score and two-sided p-value for every (area, period) bin.

    Parameters
    ----------
    values : array_like, shape (n_areas, n_periods)
        Counts (or any finite values) per area and period, areas in ``w.ids`` order.
    w : Weights
        Spatial neighbours; each area also counts itself with weight 1 (the "star" in Gi*).
    time_step : int
        ArcGIS's *Neighborhood Time Step*: bin ``(i, t)`` sums its spatial neighbours and itself in
        periods ``t - time_step, ..., t`` (fewer at the start of the series). 0 gives a purely spatial Gi*.
    global_window : {"neighborhood_time_step", "entire_cube"}
        Bins whose mean and standard deviation the local sum is compared with (ArcGIS's *Global Window*):
        those of periods ``t - time_step .. t`` (default), or all bins of the cube (ArcGIS's default).

    Returns
    -------
    z, p : ndarray, shape (n_areas, n_periods)
        z-scores and ``p = 2 P(Z > |z|)``. A bin whose neighbourhood has no variance to compare with
        (constant values, or a neighbourhood that is the whole window) gets ``z = 0, p = 1``.

    Notes
    -----
    Getis & Ord (1992), Ord & Getis (1995), in ArcGIS's form (Esri, "How Hot Spot Analysis works")::

        z_i = (sum_j w_ij x_j - xbar sum_j w_ij) / (S sqrt((N sum_j w_ij^2 - (sum_j w_ij)^2) / (N - 1)))

    with ``j`` over the space-time neighbourhood, ``xbar`` and ``S`` (population standard deviation) over
    the ``N`` bins of the global window. The default global window compares each month with the national
    level of the same months, so a country-wide rise does not make every area "hot" late in the series;
    with ``time_step=0`` it is exactly esda's ``G_Local(star=True, transform="B")`` for each period.
    """
    x = _check_values(values, w)
    k = _check_time_step(time_step)
    if global_window not in ("neighborhood_time_step", "entire_cube"):
        raise InvalidInput(f"global_window must be neighborhood_time_step or entire_cube, got {global_window!r}")
    n, periods = x.shape
    # Gi* is unchanged by adding a constant to every value; centring first avoids cancellation in S.
    x = x - x.mean()
    star = (w.to_sparse() + scipy.sparse.identity(n, format="csr")).tocsr()
    row_sum = np.asarray(star.sum(axis=1)).ravel()
    row_sq = np.asarray(star.multiply(star).sum(axis=1)).ravel()
    first = np.maximum(np.arange(periods) - k, 0)
    slices = (np.arange(periods) - first + 1).astype(float)  # periods in each bin's time window
    local = _window_sums(star @ x, first)
    sum_w = row_sum[:, None] * slices
    sum_w2 = row_sq[:, None] * slices
    if global_window == "entire_cube":
        count = np.full(periods, float(x.size))
        total, squares = np.full(periods, x.sum()), np.full(periods, (x**2).sum())
    else:
        count = n * slices
        total = _window_sums(x.sum(axis=0)[None, :], first)[0]
        squares = _window_sums((x**2).sum(axis=0)[None, :], first)[0]
    mean = total / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):  # a one-bin window (N = 1) has no variance: z = 0
        denominator = std * np.sqrt(np.maximum(count * sum_w2 - sum_w**2, 0.0) / (count - 1))
        # Relative threshold: float noise in a zero variance must not turn into a huge z-score.
        defined = denominator > 1e-12 * max(float(np.abs(x).max()), 1e-300) * np.sqrt(sum_w2)
        z = np.where(defined, (local - mean * sum_w) / denominator, 0.0)
    return z, 2.0 * stats.norm.sf(np.abs(z))


def classify(z: ArrayLike, p: ArrayLike, *, alpha: float = 0.05) -> tuple[str, ...]:
    """Emerging hot spot pattern of each area from its z-scores and p-values over time.

    Parameters
    ----------
    z, p : array_like, shape (n_areas, n_periods)
        Gi* z-scores and p-values per bin, oldest period first.
    alpha : float
        A bin is significant when ``p < alpha``; the Mann–Kendall trend of the z series is significant
        when its two-sided p-value is below ``alpha``.

    Returns
    -------
    tuple of str
        One of :data:`CLASSES` per area.

    Notes
    -----
    Definitions and tie-breaking are in the module docstring (Esri, "How Emerging Hot Spot Analysis
    works"); the trend is :func:`bicentennial.outcomes.trends.mann_kendall` (Mann 1945; Kendall 1975).
    """
    return _classify(z, p, alpha)[0]


def emerging_hotspots(
    values: ArrayLike,
    w: Weights,
    *,
    time_step: int = 1,
    alpha: float = 0.05,
    global_window: GlobalWindow = "neighborhood_time_step",
    fdr: bool = False,
) -> EmergingResult:
    """Emerging Hot Spot Analysis: space-time Gi*, Mann–Kendall on each area's z-scores, 17 patterns.

    Parameters
    ----------
    values : array_like, shape (n_areas, n_periods)
        Counts per area (``w.ids`` order) and period, oldest first; at least two periods.
    w : Weights
        Spatial neighbours.
    time_step, global_window
        As in :func:`space_time_gistar`.
    alpha : float
        Significance level for bins and trends (0.05: ArcGIS's 95 % confidence).
    fdr : bool
        Apply the Benjamini–Hochberg false discovery rate correction over all bins before classifying, as
        ArcGIS Pro does; ``p`` then holds the adjusted p-values.

    Notes
    -----
    Esri, "How Emerging Hot Spot Analysis works" (ArcGIS Pro tool reference); Getis & Ord (1992);
    Mann (1945); Benjamini & Hochberg (1995), JRSS B 57, 289–300.
    """
    z, p = space_time_gistar(values, w, time_step=time_step, global_window=global_window)
    if fdr:
        p = stats.false_discovery_control(p.ravel(), method="bh").reshape(p.shape)
    classes, tau, trend_p = _classify(z, p, alpha)
    return EmergingResult(classes, tau, trend_p, z, p)


def _classify(
    z: ArrayLike, p: ArrayLike, alpha: float
) -> tuple[tuple[str, ...], NDArray[np.float64], NDArray[np.float64]]:
    zs, ps = np.asarray(z, dtype=float), np.asarray(p, dtype=float)
    if zs.ndim != 2 or zs.shape != ps.shape or zs.shape[1] < 2:
        raise InvalidInput(f"z and p must have the same shape (areas, periods >= 2); got {zs.shape} and {ps.shape}")
    if not (np.isfinite(zs).all() and np.isfinite(ps).all()):
        raise InvalidInput("z and p must be finite")
    significant = ps < alpha
    hot, cold = significant & (zs > 0), significant & (zs < 0)
    trends = [mann_kendall(row, alpha=alpha) for row in zs]
    classes = tuple(_pattern(hot[i], cold[i], trends[i].trend) for i in range(zs.shape[0]))
    tau = np.array([t.tau for t in trends], dtype=float)
    return classes, tau, np.array([t.p_value for t in trends], dtype=float)


def _pattern(hot: NDArray[np.bool_], cold: NDArray[np.bool_], trend: str) -> str:
    """One area's pattern; ``trend`` is the Mann–Kendall label of its z series."""
    if hot[-1]:
        return _family(hot, cold, trend, "hot", strengthening="increasing")
    if cold[-1]:
        return _family(cold, hot, trend, "cold", strengthening="decreasing")
    if _mostly(hot):
        return "historical_hot"
    return "historical_cold" if _mostly(cold) else "no_pattern"


def _family(same: NDArray[np.bool_], other: NDArray[np.bool_], trend: str, kind: str, *, strengthening: str) -> str:
    """Pattern of a location significant as ``kind`` in the final bin (``same``: bins of that kind)."""
    if _mostly(same):
        pattern = "persistent" if trend == "no trend" else "intensifying" if trend == strengthening else "diminishing"
    elif same.sum() == 1:
        pattern = "new"
    elif _final_run(same) >= 2 and _final_run(same) == same.sum():
        pattern = "consecutive"
    else:
        pattern = "oscillating" if other.any() else "sporadic"
    return f"{pattern}_{kind}"


def _mostly(bins: NDArray[np.bool_]) -> bool:
    # "ninety percent of the time-step intervals", in integers so 9 of 10 counts exactly.
    return 10 * int(bins.sum()) >= 9 * bins.size


def _final_run(bins: NDArray[np.bool_]) -> int:
    misses = np.flatnonzero(~bins)
    return int(bins.size - 1 - misses[-1]) if misses.size else int(bins.size)


def _window_sums(a: NDArray[np.float64], first: NDArray[np.intp]) -> NDArray[np.float64]:
    """``out[:, t] = a[:, first[t]:t + 1].sum(axis=1)`` by cumulative sums."""
    cumulative = np.concatenate([np.zeros((a.shape[0], 1)), np.cumsum(a, axis=1)], axis=1)
    result: NDArray[np.float64] = cumulative[:, 1:] - cumulative[:, first]
    return result


def _check_values(values: ArrayLike, w: Weights) -> NDArray[np.float64]:
    x = np.asarray(values, dtype=float)
    if x.ndim != 2:
        raise InvalidInput(f"values must be a table of areas by periods, got shape {x.shape}")
    if x.shape[0] != w.n:
        raise InvalidInput(f"values has {x.shape[0]} areas (rows) but the weights have {w.n}")
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise InvalidInput(f"values needs at least one area and one period, got shape {x.shape}")
    bad = np.argwhere(~np.isfinite(x))
    if bad.size:
        i, t = bad[0]
        raise InvalidInput(f"values: area {w.ids[i]} (row {i}), period {t} is {x[i, t]}; values must be finite")
    return x


def _check_time_step(time_step: int) -> int:
    if isinstance(time_step, bool) or not isinstance(time_step, int | np.integer) or time_step < 0:
        raise InvalidInput(f"time_step must be a whole number of periods >= 0, got {time_step!r}")
    return int(time_step)
