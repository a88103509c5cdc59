"""Local indicators of spatial association: Getis–Ord Gi* and local Moran's I, with FDR control.

Both reproduce esda (PySAL) on the same inputs: statistics and analytical moments to
rounding, pseudo p-values to Monte Carlo error (a different random stream, the same
conditional-permutation scheme). The permutation test compares neighbour sums in one
numba kernel instead of recomputing statistics (see :mod:`.local_kernels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse
import scipy.stats

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.local_kernels import draw_table, permutation_counts
from bicentennial.hotspots.weights import Weights

Transform = Literal["B", "R"]
Correction = Literal["none", "fdr", "by"]


@dataclass(frozen=True)
class LocalStatistic:
    """One local statistic per area, in the order of ``Weights.ids``.

    Attributes
    ----------
    statistic : ndarray
        Gi* (esda ``G_Local.Gs``) or local Moran's Ii (esda ``Moran_Local.Is``); NaN for an
        area without neighbours.
    z : ndarray
        Gi*: analytical z under normality (esda ``Zs``). Local Moran: the permutation z
        (esda ``z_sim``), or with ``permutations=0`` the exact conditional-randomisation z
        (esda ``(Is - EIc) / sqrt(VIc)``, Sokal et al. 1998), which ``z_sim`` estimates.
    p_norm : ndarray
        One-sided normal p-value of ``|z|`` (esda ``p_norm`` for Gi*, ``p_z_sim`` for Moran);
        double it for a two-sided test.
    p_sim : ndarray or None
        Conditional-permutation pseudo p-value, esda's "directed" rule: (min(#≥, #<) + 1) /
        (permutations + 1), i.e. one-sided in the direction the observation lies. ``None``
        when ``permutations == 0``. 1.0 where the test is degenerate (no neighbours; for
        Moran, z_i = 0), where esda reports a spurious 1 / (permutations + 1).
    quadrant : ndarray or None
        Local Moran only: 1 HH, 2 LH, 3 LL, 4 HL (esda ``q``, PySAL scheme).
    hot, cold : ndarray of bool
        Significant after the multiple-testing correction (on ``p_sim``, or ``p_norm``
        without permutations) at ``alpha``. Gi*: high / low tail. Moran: HH / LL clusters
        (HL and LH outliers are neither).
    """

    statistic: np.ndarray
    z: np.ndarray
    p_norm: np.ndarray
    p_sim: np.ndarray | None
    quadrant: np.ndarray | None
    hot: np.ndarray
    cold: np.ndarray


def adjust_p(p: np.ndarray, method: Correction) -> np.ndarray:
    """Adjust p-values for testing every area at once.

    Parameters
    ----------
    p : ndarray
        p-values in [0, 1].
    method : {"none", "fdr", "by"}
        ``"fdr"``: Benjamini–Hochberg (1995), valid for independent or positively dependent
        tests; ``"by"``: Benjamini–Yekutieli (2001), valid under any dependence (neighbouring
        local statistics share data), more conservative.

    Returns
    -------
    ndarray
        Adjusted p-values: compare with ``alpha`` to control the false discovery rate.

    Notes
    -----
    Delegates to ``scipy.stats.false_discovery_control``. Caldas de Castro & Singer (2006)
    recommend FDR over Bonferroni for LISA maps.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise InvalidInput("p: expected a 1-D array of p-values between 0 and 1")
    if method == "none" or p.size == 0:
        return p.copy()
    if method not in ("fdr", "by"):
        raise InvalidInput(f"correction: {method!r} is not one of none, fdr, by")
    return np.asarray(scipy.stats.false_discovery_control(p, method="bh" if method == "fdr" else "by"))


def empirical_bayes_rates(cases: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Global empirical Bayes smoothed rates (cases per person; multiply for per 100,000).

    Each crude rate is shrunk towards the overall rate, the more so the smaller the
    population, so that a village with one homicide does not top the map.

    Notes
    -----
    Marshall (1991), method-of-moments estimator, as esda ``smoothing.Empirical_Bayes(e, b).r``.
    Where the moment estimate of the between-area variance is negative, Marshall sets it to
    zero (every rate becomes the overall rate); esda leaves it negative, which can produce
    negative rates. This function follows Marshall.
    """
    e = _finite(cases, "cases")
    b = _finite(population, "population")
    if e.shape != b.shape:
        raise InvalidInput(f"cases and population: {e.size} and {b.size} areas")
    if np.any(e < 0):
        raise InvalidInput(f"cases: area {int(np.flatnonzero(e < 0)[0])} is negative")
    if np.any(b <= 0):
        raise InvalidInput(f"population: area {int(np.flatnonzero(b <= 0)[0])} is not positive")
    overall = e.sum() / b.sum()
    rate = e / b
    between = (b * (rate - overall) ** 2).sum() / b.sum() - overall / b.mean()
    between = max(between, 0.0)
    if between == 0.0:
        return np.full_like(rate, overall)
    shrink = between / (between + overall / b)
    return np.asarray(shrink * rate + (1.0 - shrink) * overall)


def gistar(
    values: np.ndarray,
    w: Weights,
    *,
    permutations: int = 999,
    seed: int | None = 0,
    transform: Transform = "R",
    alpha: float = 0.05,
    correction: Correction = "fdr",
) -> LocalStatistic:
    """Getis–Ord Gi*: is each area, with its neighbours, a concentration of high or low values?

    Parameters
    ----------
    values : ndarray
        Non-negative counts or rates, one per area of ``w``.
    w : Weights
        Neighbours (without self); the area itself is added with weight 1 (``"B"``) or the
        row's largest weight before row-standardising (``"R"``), as esda with ``star=True``.
    permutations : int
        Conditional permutations for ``p_sim`` (0 to skip).
    seed : int or None
        Seed of the draw table (numpy ``default_rng``); results are reproducible per seed.
    transform : {"R", "B"}
        Row-standardised or binary weights.
    alpha, correction
        Significance level and multiple-testing control for ``hot``/``cold``.

    Notes
    -----
    Getis & Ord (1992); Ord & Getis (1995). Statistic, moments and z as esda
    ``G_Local(values, w, transform, star=True)``, including its moments for row-standardised
    weights. p-values as esda's "directed" alternative.

    A pseudo p-value cannot fall below 1 / (permutations + 1), so with m areas the
    Benjamini–Hochberg step flags nothing unless about m / ((permutations + 1)·alpha) areas
    reach that floor: on 50,000 areas with 999 permutations, a thousand. For large maps raise
    ``permutations`` (the kernel is cheap) or read ``p_norm``.
    """
    y, rng = _prepare(values, w, permutations, seed, transform, alpha)
    if np.any(y < 0) or y.sum() <= 0:
        raise InvalidInput("values: Gi* needs non-negative values (counts or rates) that are not all zero")
    rows = np.repeat(np.arange(w.n), w.cardinalities)
    self_weight = np.ones(w.n)
    if transform == "R":
        linked = w.cardinalities > 0  # reduceat over the rows that have entries: their starts delimit them
        self_weight[linked] = np.maximum.reduceat(w.values, w.indptr[:-1][linked]) if w.values.size else 1.0
        scale = 1.0 / (self_weight + np.bincount(rows, weights=w.values, minlength=w.n))
        self_weight, other = self_weight * scale, w.values * scale[rows]
    else:
        other = np.ones(w.indices.size)
    lag = self_weight * y + _sparse(w, other) @ y
    n, total = w.n, y.sum()
    statistic = lag / total
    cardinality = self_weight + np.bincount(rows, weights=other, minlength=n)
    mean = total / n
    variance = (y**2).sum() / n - mean**2
    expected_variance = cardinality * (n - cardinality) / (n - 1) / n**2 * variance / mean**2
    z = (statistic - cardinality / n) / np.sqrt(expected_variance)
    islands = w.cardinalities == 0
    statistic[islands], z[islands] = np.nan, np.nan
    p_norm = np.where(islands, 1.0, scipy.stats.norm.sf(np.abs(z)))
    p_sim, high = None, z > 0
    if permutations:
        larger, _, _ = _permute(y, w, other, np.ones(n), permutations, rng)
        p_sim, high = _pseudo_p(larger, permutations, islands)
    hot, cold = _flags(p_norm if p_sim is None else p_sim, high, ~high, alpha, correction)
    return LocalStatistic(statistic, z, p_norm, p_sim, None, hot, cold)


def local_moran(
    values: np.ndarray,
    w: Weights,
    *,
    permutations: int = 999,
    seed: int | None = 0,
    transform: Transform = "R",
    alpha: float = 0.05,
    correction: Correction = "fdr",
) -> LocalStatistic:
    """Local Moran's Ii: clusters of similar values (HH, LL) and outliers (HL, LH).

    Parameters are as :func:`gistar`; ``values`` may take any sign.

    Notes
    -----
    Anselin (1995), "Local indicators of spatial association — LISA". Statistic, quadrants,
    ``z_sim`` and pseudo p-values as esda ``Moran_Local(values, w, transformation)``; the
    conditional-randomisation moments of Sokal, Oden & Thomson (1998) when
    ``permutations == 0``.
    """
    y, rng = _prepare(values, w, permutations, seed, transform, alpha)
    if y.std() == 0:
        raise InvalidInput("values: all equal, local Moran's I is undefined")
    n = w.n
    z = (y - y.mean()) / y.std()
    rows = np.repeat(np.arange(n), w.cardinalities)
    row_sum = np.bincount(rows, weights=w.values, minlength=n)
    other = w.values / row_sum[rows] if transform == "R" else np.ones(w.indices.size)
    lag = _sparse(w, other) @ z
    scaling = (n - 1) / (z * z).sum()
    statistic = scaling * z * lag
    quadrant = np.select([(z > 0) & (lag > 0), (z <= 0) & (lag > 0), (z <= 0) & (lag <= 0)], [1, 2, 3], 4)
    degenerate = (w.cardinalities == 0) | (z == 0)
    p_sim = None
    if permutations:
        larger, mean, sd = _permute(z, w, other, np.sign(z), permutations, rng)
        p_sim, _ = _pseudo_p(larger, permutations, degenerate)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_out = (statistic - scaling * z * mean) / (scaling * np.abs(z) * sd)
    else:
        wi, wi2 = np.bincount(rows, other, n), np.bincount(rows, other**2, n)
        m2 = (z * z).sum() / n
        expectation = -(z**2 * wi) / ((n - 1) * m2)
        variance = (z / m2) ** 2 * n / (n - 2) * (wi2 - wi**2 / (n - 1)) * (m2 - z**2 / (n - 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            z_out = (statistic - expectation) / np.sqrt(variance)
    statistic[w.cardinalities == 0] = np.nan
    z_out[degenerate] = np.nan
    p_norm = np.where(degenerate, 1.0, scipy.stats.norm.sf(np.abs(z_out)))
    hot, cold = _flags(p_norm if p_sim is None else p_sim, quadrant == 1, quadrant == 3, alpha, correction)
    return LocalStatistic(statistic, z_out, p_norm, p_sim, quadrant, hot, cold)


def _finite(values: np.ndarray, label: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidInput(f"{label}: expected one value per area")
    if not np.all(np.isfinite(array)):
        raise InvalidInput(f"{label}: area {int(np.flatnonzero(~np.isfinite(array))[0])} is not a finite number")
    return array


def _prepare(
    values: np.ndarray, w: Weights, permutations: int, seed: int | None, transform: str, alpha: float
) -> tuple[np.ndarray, np.random.Generator]:
    """Validate the common arguments; name the first offending area by its id."""
    y = np.asarray(values, dtype=np.float64)
    if y.shape != (w.n,):
        raise InvalidInput(f"values: {y.size} values for {w.n} areas")
    if not np.all(np.isfinite(y)):
        raise InvalidInput(f"values: area {w.ids[int(np.flatnonzero(~np.isfinite(y))[0])]!r} is not a finite number")
    if w.n < 3:
        raise InvalidInput("values: local statistics need at least 3 areas")
    if transform not in ("B", "R"):
        raise InvalidInput(f"transform: {transform!r} is not 'B' (binary) or 'R' (row-standardised)")
    if not isinstance(permutations, int | np.integer) or permutations < 0:
        raise InvalidInput("permutations: a whole number, 0 or more")
    if not 0 < alpha < 1:
        raise InvalidInput("alpha: between 0 and 1")
    return y, np.random.default_rng(seed)


def _sparse(w: Weights, values: np.ndarray) -> scipy.sparse.csr_array:
    return scipy.sparse.csr_array((values, w.indices, w.indptr), shape=(w.n, w.n))


def _permute(
    y: np.ndarray, w: Weights, other: np.ndarray, sign: np.ndarray, permutations: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the kernel: counts of permuted neighbour sums at or beyond the observed sum, their mean and sd."""
    k_max = int(w.cardinalities.max(initial=0))
    draws = draw_table(w.n, max(k_max, 1), permutations, rng)
    rows = np.repeat(np.arange(w.n), w.cardinalities)
    # Sums equal in exact arithmetic (integer counts) may differ in the last bits when added
    # in another order: a relative 1e-12 tolerance lets them tie, as the test intends.
    tolerance = 1e-12 * np.bincount(rows, weights=np.abs(other), minlength=w.n) * np.abs(y).max()
    indptr, indices = w.indptr.astype(np.int64), w.indices.astype(np.int64)
    return permutation_counts(y, indptr, indices, other.astype(np.float64), sign.astype(np.float64), tolerance, draws)


def _pseudo_p(larger: np.ndarray, permutations: int, degenerate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """esda's "directed" pseudo p-value, and whether the observation lies in the upper tail."""
    high = permutations - larger >= larger
    extreme = np.where(high, larger, permutations - larger)
    p = (extreme + 1.0) / (permutations + 1.0)
    return np.where(degenerate | (larger < 0), 1.0, p), high


def _flags(
    p: np.ndarray, high: np.ndarray, low: np.ndarray, alpha: float, correction: Correction
) -> tuple[np.ndarray, np.ndarray]:
    significant = adjust_p(p, correction) <= alpha
    return significant & high, significant & low
