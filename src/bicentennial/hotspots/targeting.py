"""Where to send homicide task forces, and how well past rankings predicted.

Two pure functions over monthly counts per area (rows: areas, columns: months, oldest first):

* :func:`rank_targets` ranks areas (or contiguous groups of areas) by the homicides expected in the next
  12 months, estimated with Marshall's (1991) global empirical-Bayes rate, which shrinks the noisy rates of
  small municipalities toward the national rate;
* :func:`predictive_accuracy` scores such a ranking on later months with the hit rate and the Predictive
  Accuracy Index (Chainey, Tompson & Uhlig 2008);
and :mod:`bicentennial.hotspots.displacement` checks, after a deployment, whether violence moved next door.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.weights import Weights

NAN = float("nan")


@dataclass(frozen=True)
class Target:
    """One task force's target: one area, or a group of contiguous areas (seed first)."""

    rank: int  # 1 = highest expected count
    areas: tuple[int, ...]  # area positions (rows of ``cases``)
    expected: float  # expected homicides in the next 12 months (sum over the areas)
    last12_count: int  # homicides in the last ``window`` months
    last12_rate: float  # crude rate of the last ``window`` months, per 100,000 inhabitants per year
    cumulative_share: float  # share of the national expected homicides covered by ranks 1..rank


@dataclass(frozen=True)
class Targeting:
    targets: tuple[Target, ...]
    covered_share: float  # share of the national expected homicides covered by all targets


def expected_counts(cases: ArrayLike, population: ArrayLike, *, window: int = 12) -> NDArray[np.float64]:
    """Expected homicides per area in the next 12 months, by global empirical Bayes.

    Parameters
    ----------
    cases : array_like, shape (n_areas, n_periods)
        Monthly counts, oldest first.
    population : array_like, shape (n_areas,)
        Inhabitants (positive).
    window : int
        Months counted back from the latest one that enter the rate.

    Returns
    -------
    ndarray, shape (n_areas,)
        ``theta_i * P_i * 12 / window``, the smoothed rate times population, per 12 months.

    Notes
    -----
    Marshall (1991), "Mapping disease and mortality rates using empirical Bayes estimators", Applied
    Statistics 40, 283–294 (global method of moments): with ``r_i = y_i / P_i``, national rate
    ``b = sum y / sum P``, ``s2 = sum P_i (r_i - b)^2 / sum P`` and ``a = max(s2 - b / mean(P), 0)``,
    ``theta_i = b + a / (a + b / P_i) (r_i - b)``. A small municipality with one homicide is thus pulled
    toward the national rate instead of topping the list. The same estimator as esda's
    ``Empirical_Bayes``, except that a negative between-area variance is truncated to 0 as Marshall
    prescribes (esda keeps it, which can give negative weights). It assumes next year resembles the last
    ``window`` months: it forecasts no trend.
    """
    counts = _check_counts(cases)
    pop = _check_population(population, counts.shape[0])
    recent = counts[:, -_whole("window", window, 1, counts.shape[1]) :].sum(axis=1)
    national = recent.sum() / pop.sum()
    rate = recent / pop
    between = max(float((pop * (rate - national) ** 2).sum() / pop.sum() - national / pop.mean()), 0.0)
    # When a = b = 0 (no homicides at all) every weight is 0 and theta = b = 0.
    weight = between / (between + national / pop) if between > 0 else np.zeros_like(pop)
    theta = national + weight * (rate - national)
    result: NDArray[np.float64] = theta * pop * 12.0 / window
    return result


def rank_targets(
    cases: ArrayLike,
    population: ArrayLike,
    *,
    teams: int,
    window: int = 12,
    weights: Weights | None = None,
    group_population_cap: float | None = None,
) -> Targeting:
    """Rank task-force targets by expected homicides in the next 12 months.

    Parameters
    ----------
    cases : array_like, shape (n_areas, n_periods)
        Monthly homicide counts, oldest first.
    population : array_like, shape (n_areas,)
        Inhabitants per area.
    teams : int
        Number of task forces, hence of targets (fewer when the areas run out).
    window : int
        Months of history behind the estimate (the "last 12" fields count these months).
    weights, group_population_cap
        Given together, each team's target grows from the best remaining area (the seed) by adding,
        one at a time, the unused neighbour of the group with the highest expected count whose
        addition keeps the group's population at or under the cap; it stops when no neighbour fits.
        A seed larger than the cap on its own is a one-area target. Areas serve one team at most.

    Returns
    -------
    Targeting
        Targets by rank; shares are of the national expected total (NaN when that total is 0).

    Notes
    -----
    Expected counts: :func:`expected_counts` (Marshall 1991). Ties are broken by the last ``window``
    months' count, then by area position, so the ranking is deterministic. Greedy growth is not an
    optimal partition (that is NP-hard); it keeps each group compact around its worst area.
    """
    counts = _check_counts(cases)
    pop = _check_population(population, counts.shape[0])
    _whole("teams", teams, 1)
    if (weights is None) != (group_population_cap is None):
        raise InvalidInput("weights and group_population_cap go together: give both to group areas, or neither")
    if weights is not None and weights.n != counts.shape[0]:
        raise InvalidInput(f"weights cover {weights.n} areas but cases has {counts.shape[0]} rows")
    if group_population_cap is not None and not group_population_cap > 0:
        raise InvalidInput(f"group_population_cap must be positive, got {group_population_cap!r}")
    expected = expected_counts(counts, pop, window=window)
    recent = counts[:, -window:].sum(axis=1)
    order = np.lexsort((np.arange(len(pop)), -recent, -expected))  # last key is the primary one
    rank_of = np.empty(len(pop), dtype=np.int64)
    rank_of[order] = np.arange(len(pop))
    used = np.zeros(len(pop), dtype=bool)
    groups: list[list[int]] = []
    for seed in order:
        if len(groups) == teams:
            break
        if used[seed]:
            continue
        group = [int(seed)]
        used[seed] = True
        if weights is not None and group_population_cap is not None:
            _grow(group, used, weights, pop, rank_of, group_population_cap)
        groups.append(group)
    return _targeting(groups, expected, recent, pop, window)


def predictive_accuracy(
    cases: ArrayLike,
    population: ArrayLike,
    *,
    train_end: int,
    horizon: int = 12,
    top: int,
    window: int = 12,
    area_km2: ArrayLike | None = None,
) -> dict[str, float]:
    """Hit rate and Predictive Accuracy Index of the top-``top`` ranking made at ``train_end``.

    Parameters
    ----------
    cases, population
        As in :func:`rank_targets`.
    train_end : int
        First period not seen by the ranking: areas are ranked on periods ``< train_end`` (the last
        ``window`` of them) and judged on ``[train_end, train_end + horizon)``.
    horizon : int
        Periods judged.
    top : int
        Areas flagged (single areas, no grouping).
    area_km2 : array_like, optional
        Surface per area; without it the denominator is the flagged areas' share of population.

    Returns
    -------
    dict
        ``hit_rate`` (share of the horizon's homicides in the flagged areas), ``area_share`` (their share of
        surface, or of population) and ``pai = hit_rate / area_share``; ``hit_rate`` and ``pai`` are NaN
        when the horizon has no homicides.

    Notes
    -----
    Chainey, Tompson & Uhlig (2008), "The utility of hotspot mapping for predicting spatial patterns of
    crime", Security Journal 21, 4–28: PAI = (n / N) / (a / A).
    """
    counts = _check_counts(cases)
    pop = _check_population(population, counts.shape[0])
    periods = counts.shape[1]
    _whole("train_end", train_end, 1, periods - 1)
    _whole("horizon", horizon, 1, periods - train_end)
    size = pop if area_km2 is None else _check_population(area_km2, counts.shape[0], field="area_km2")
    flagged = np.array(
        [a for t in rank_targets(counts[:, :train_end], pop, teams=top, window=window).targets for a in t.areas]
    )
    future = counts[:, train_end : train_end + horizon].sum(axis=1)
    hit_rate = float(future[flagged].sum() / future.sum()) if future.sum() > 0 else NAN
    area_share = float(size[flagged].sum() / size.sum())
    return {"hit_rate": hit_rate, "area_share": area_share, "pai": hit_rate / area_share}


def _grow(
    group: list[int],
    used: NDArray[np.bool_],
    weights: Weights,
    pop: NDArray[np.float64],
    rank_of: NDArray[np.int64],
    cap: float,
) -> None:
    """Add contiguous unused areas to ``group`` best-ranked first while the population fits under ``cap``."""
    total = float(pop[group].sum())
    while True:
        frontier = {int(j) for i in group for j in weights.neighbours(i) if not used[j]}
        fitting = [j for j in frontier if total + pop[j] <= cap]
        if not fitting:
            return
        best = min(fitting, key=lambda j: rank_of[j])  # rank order = expected, then count, then position
        group.append(best)
        used[best] = True
        total += float(pop[best])


def _targeting(
    groups: list[list[int]],
    expected: NDArray[np.float64],
    recent: NDArray[np.float64],
    pop: NDArray[np.float64],
    window: int,
) -> Targeting:
    national = float(expected.sum())
    targets, covered = [], 0.0
    for rank, group in enumerate(groups, start=1):
        members = np.asarray(group)
        group_expected = float(expected[members].sum())
        count = int(recent[members].sum())
        covered += group_expected
        rate = count / float(pop[members].sum()) * 1e5 * 12.0 / window
        share = covered / national if national > 0 else NAN
        targets.append(Target(rank, tuple(group), group_expected, count, rate, share))
    return Targeting(tuple(targets), targets[-1].cumulative_share if targets else 0.0)


def _check_counts(cases: ArrayLike) -> NDArray[np.float64]:
    counts = np.asarray(cases, dtype=float)
    if counts.ndim != 2 or counts.shape[0] < 1 or counts.shape[1] < 1:
        raise InvalidInput(f"cases must be a table of areas by periods, got shape {counts.shape}")
    bad = np.argwhere(~np.isfinite(counts) | (counts < 0) | (counts != np.round(counts)))
    if bad.size:
        i, t = bad[0]
        raise InvalidInput(f"cases: area {i}, period {t} is {counts[i, t]}; counts must be whole numbers >= 0")
    return counts


def _check_population(values: ArrayLike, n: int, *, field: str = "population") -> NDArray[np.float64]:
    pop = np.asarray(values, dtype=float)
    if pop.shape != (n,):
        raise InvalidInput(f"{field} must have one value per area ({n}), got shape {pop.shape}")
    bad = np.flatnonzero(~np.isfinite(pop) | (pop <= 0))
    if bad.size:
        raise InvalidInput(f"{field}: area {bad[0]} is {pop[bad[0]]}; it must be positive")
    return pop


def _whole(field: str, value: int, low: int, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]``, or InvalidInput naming the field."""
    whole = not isinstance(value, bool) and isinstance(value, int | np.integer)
    if not whole or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidInput(f"{field} must be a whole number {bounds}, got {value!r}")
    return int(value)
