"""Kulldorff's space-time scan statistic: where and when homicides cluster beyond chance.

Cylinders (a circle of areas around a centre × a window of consecutive periods) are scored by
their likelihood ratio against the null of no clustering; the most likely cylinder and the
non-overlapping secondary ones get Monte Carlo p-values from replicas of the data generated
under the null. Two probability models, as in SaTScan: the discrete Poisson model (expected
counts from the population at risk) and the space-time permutation model (expected counts
from the space and time margins of the cases, no population needed).

References: Kulldorff M (1997) A spatial scan statistic, Commun Stat Theory Methods 26:1481;
Kulldorff M et al. (1998, 2001) space-time and prospective space-time scan statistics;
Kulldorff M et al. (2005) A space-time permutation scan statistic for disease outbreak
detection, PLoS Med 2:e59; Abrams AM et al. (2010) Gumbel based p-value approximations,
Int J Health Geogr 9:61; SaTScan User Guide v10 (sections Secondary clusters, Recurrence interval).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bicentennial.core.errors import InvalidInput
from bicentennial.core.jobs import run_tasks
from bicentennial.hotspots import scan_kernels
from bicentennial.hotspots.scan_replicas import Design, ReplicaChunk, run_replica_chunk

Model = Literal["poisson", "space-time-permutation"]
MODELS: tuple[str, ...] = ("poisson", "space-time-permutation")
EULER_GAMMA = 0.5772156649015329


@dataclass(frozen=True)
class ScanParameters:
    """What to scan for; SaTScan's defaults except the 10 % circle, usual for national homicide data."""

    model: Model = "poisson"
    max_population: float = 0.10  # max share of total population inside a circle (STP: share of cases)
    max_time: float = 0.50  # max share of the study period in a time window
    replicas: int = 999  # 0 (no inference) or >= 9
    seed: int = 20211008
    prospective: bool = False  # only windows ending at the last period
    max_clusters: int = 10  # most likely + non-overlapping secondary clusters reported

    def validate(self) -> None:
        """Raise :class:`InvalidInput` naming the first parameter out of its range."""
        checks = (
            ("model", self.model in MODELS, f"one of {', '.join(MODELS)}"),
            ("max_population", _number(self.max_population) and 0 < self.max_population <= 0.5, "in (0, 0.5]"),
            ("max_time", _number(self.max_time) and 0 < self.max_time <= 0.9, "in (0, 0.9]"),
            ("replicas", _integer(self.replicas) and (self.replicas == 0 or self.replicas >= 9), "0 or >= 9"),
            ("seed", _integer(self.seed) and self.seed >= 0, "a non-negative integer"),
            ("prospective", isinstance(self.prospective, bool | np.bool_), "true or false"),
            ("max_clusters", _integer(self.max_clusters) and self.max_clusters >= 1, "an integer >= 1"),
        )
        for name, ok, expected in checks:
            if not ok:
                raise InvalidInput(f"scan parameter {name}: must be {expected}, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Cluster:
    """One reported cylinder; ``locations`` nearest to the centre first."""

    rank: int  # 1 = most likely
    centre: int  # area index
    locations: tuple[int, ...]
    radius_km: float
    start: int  # period index, inclusive
    end: int  # period index, inclusive
    observed: int
    expected: float
    relative_risk: float  # SaTScan's RR: (c/e) / ((C-c)/(C-e))
    llr: float
    p_value: float | None  # Monte Carlo rank p (None when replicas == 0)
    gumbel_p_value: float | None  # Gumbel approximation fitted to replica maxima
    recurrence_interval: float | None  # in periods; prospective only (1 / p per analysis, as SaTScan)
    location_observed: tuple[int, ...] = ()  # cases of each location in [start, end]
    location_expected: tuple[float, ...] = ()


@dataclass(frozen=True)
class ScanResult:
    """Clusters (most likely first), the replica maxima they were judged against, and the work done."""

    clusters: tuple[Cluster, ...]
    replica_llrs: np.ndarray = field(repr=False)  # max LLR of each replica, in replica order
    cylinders: int  # circles × windows, every one evaluated (a bound may spare its logarithm, not its count)
    seconds: float
    parameters: ScanParameters


def scan_space_time(
    cases: np.ndarray,
    coords: np.ndarray,
    population: np.ndarray | None,
    parameters: ScanParameters,
    *,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
    threads_per_task: int | None = None,
) -> ScanResult:
    """Retrospective or prospective space-time scan for high-rate clusters.

    Parameters
    ----------
    cases : int array (n_areas, n_periods), >= 0.
    coords : float array (n_areas, 2), (latitude, longitude) in degrees.
    population : float array (n_areas, n_periods), >= 0; required for ``poisson``, ignored otherwise.
    parameters : ScanParameters
    scheduler, workers, progress
        Passed to :func:`bicentennial.core.jobs.run_tasks`; ``progress(done, total)`` counts replica chunks.
    chunk_size : replicas per task (default: 10 in this process, about four tasks per worker otherwise).
    threads_per_task : numba threads inside a task (default: all in this process, 1 in worker processes).

    Returns
    -------
    ScanResult
        Identical for a given seed whatever the chunking, workers or scheduler: replica ``j`` always
        draws from child ``j`` of ``SeedSequence(seed)``.

    Notes
    -----
    Poisson: ``mu_zt = C P_zt / sum(P)``, replicas multinomial(C, mu / C) (Kulldorff 1997, 2001).
    Space-time permutation: ``mu_zt = C_z C_t / C``, replicas permute the cases' periods, keeping
    both margins (Kulldorff et al. 2005). Both score ``c ln(c/e) + (C-c) ln((C-c)/(C-e))`` for
    ``c > e``. Circles grow around every area while the population (Poisson: averaged over the
    periods; permutation: the cases) stays within ``max_population`` of the total. Secondary clusters
    are the next best cylinders sharing no location with a reported one (SaTScan's default), with
    p-values from the same replica maxima. Gumbel p-values fit location and scale by the method of
    moments (Abrams et al. 2010).
    """
    began = time.perf_counter()
    parameters.validate()
    counts, lat_lon, pop = _checked_inputs(cases, coords, population, parameters.model)
    design, radius = _design(counts, lat_lon, pop, parameters, threads_per_task, in_process=not scheduler and workers <= 0)
    observed = _observed_scan(counts, design)
    replica_llrs = _replicas(design, parameters, scheduler, workers, progress, chunk_size)
    clusters = _clusters(counts, design, radius, observed, replica_llrs, parameters)
    cylinders = int(design.members.size) * _window_count(counts.shape[1], design.max_len, parameters.prospective)
    return ScanResult(clusters, replica_llrs, cylinders, time.perf_counter() - began, parameters)


def gumbel_p_value(llr: float, replica_llrs: np.ndarray) -> float | None:
    """``1 - exp(-exp(-(llr - mu)/beta))`` with beta = s √6 / π, mu = mean - γ beta (method of moments)."""
    if replica_llrs.size < 2 or float(np.std(replica_llrs, ddof=1)) == 0.0:
        return None
    beta = float(np.std(replica_llrs, ddof=1)) * math.sqrt(6.0) / math.pi
    mu = float(np.mean(replica_llrs)) - EULER_GAMMA * beta
    return float(-math.expm1(-math.exp(-(llr - mu) / beta)))  # expm1 keeps tiny p-values exact


def _number(x: object) -> bool:
    return isinstance(x, int | float | np.number) and not isinstance(x, bool) and math.isfinite(float(x))  # type: ignore[arg-type]


def _integer(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _checked_inputs(
    cases: np.ndarray, coords: np.ndarray, population: np.ndarray | None, model: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    counts = np.asarray(cases)
    if counts.ndim != 2 or counts.shape[0] < 1 or counts.shape[1] < 1:
        raise InvalidInput(f"cases: expected an (areas, periods) table, got shape {counts.shape}")
    values = counts.astype(np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        area, period = (int(v) for v in np.argwhere(bad)[0])
        raise InvalidInput(f"cases: area {area}, period {period} is {counts[area, period]!r}; need a whole count >= 0")
    lat_lon = np.asarray(coords, dtype=np.float64)
    if lat_lon.shape != (counts.shape[0], 2):
        raise InvalidInput(f"coords: expected shape ({counts.shape[0]}, 2) for (lat, lon), got {lat_lon.shape}")
    bad_rows = ~(np.abs(lat_lon[:, 0]) <= 90) | ~(np.abs(lat_lon[:, 1]) <= 180)
    if bad_rows.any():
        area = int(np.flatnonzero(bad_rows)[0])
        raise InvalidInput(f"coords: area {area} has lat/lon {tuple(lat_lon[area])}, outside ±90 / ±180")
    if values.sum() <= 0:
        raise InvalidInput("cases: no cases in the study period; nothing to scan")
    if model != "poisson":
        return values, lat_lon, None
    if population is None:
        raise InvalidInput("population: required for the poisson model")
    pop = np.asarray(population, dtype=np.float64)
    if pop.shape != counts.shape:
        raise InvalidInput(f"population: expected shape {counts.shape} like cases, got {pop.shape}")
    bad = ~np.isfinite(pop) | (pop < 0) | ((pop == 0) & (values > 0))
    if bad.any():
        area, period = (int(v) for v in np.argwhere(bad)[0])
        raise InvalidInput(
            f"population: area {area}, period {period} is {pop[area, period]!r} with {int(values[area, period])} "
            "cases; need a population >= 0, and > 0 where there are cases"
        )
    return values, lat_lon, pop


def _design(
    counts: np.ndarray,
    lat_lon: np.ndarray,
    pop: np.ndarray | None,
    parameters: ScanParameters,
    threads_per_task: int | None,
    *,
    in_process: bool,
) -> tuple[Design, np.ndarray]:
    n, periods = counts.shape
    total = float(counts.sum())
    if pop is None:  # space-time permutation: the margins are the null (Kulldorff et al. 2005, eq. 1)
        expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / total
        weight = counts.sum(axis=1)
    else:
        expected = total * pop / pop.sum()
        weight = pop.mean(axis=1)
    lat, lon = np.radians(lat_lon[:, 0]), np.radians(lat_lon[:, 1])
    # A hair of tolerance so that a circle holding exactly the maximum share is kept despite rounding.
    sizes = scan_kernels.circle_sizes(lat, lon, weight, parameters.max_population * float(weight.sum()) * (1 + 1e-12))
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    members, radius = scan_kernels.circle_members(lat, lon, indptr)
    # Static thread splits get equal numbers of centres; dealing centres by circle count evens the work.
    by_size = np.argsort(-sizes, kind="stable")
    order = np.concatenate([by_size[0::2], by_size[1::2][::-1]]).astype(np.int64)
    max_len = max(1, math.floor(parameters.max_time * periods + 1e-9))
    case_areas, case_periods = np.nonzero(counts)
    reps = counts[case_areas, case_periods].astype(np.int64)
    design = Design(
        model=parameters.model,
        expected=expected,
        pexp=_prefix(expected),
        indptr=indptr,
        members=members,
        order=order,
        max_len=max_len,
        prospective=bool(parameters.prospective),
        total=total,
        case_areas=np.repeat(case_areas, reps).astype(np.int64),
        case_periods=np.repeat(case_periods, reps).astype(np.int64),
        threads=(0 if in_process else 1) if threads_per_task is None else int(threads_per_task),
    )
    return design, radius


def _prefix(table: np.ndarray) -> np.ndarray:
    out = np.zeros((table.shape[0], table.shape[1] + 1))
    np.cumsum(table, axis=1, out=out[:, 1:])
    return out


def _window_count(periods: int, max_len: int, prospective: bool) -> int:
    if prospective:
        return min(max_len, periods)
    return sum(periods - length + 1 for length in range(1, min(max_len, periods) + 1))


def _observed_scan(counts: np.ndarray, design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return scan_kernels.best_per_circle(
        _prefix(counts),
        design.pexp,
        design.indptr,
        design.members,
        design.order,
        design.max_len,
        design.prospective,
        design.total,
    )


def _replicas(
    design: Design,
    parameters: ScanParameters,
    scheduler: str | None,
    workers: int,
    progress: Callable[[int, int], None] | None,
    chunk_size: int | None,
) -> np.ndarray:
    if parameters.replicas == 0:
        return np.zeros(0)
    seeds = np.random.SeedSequence(parameters.seed).spawn(parameters.replicas)
    if chunk_size is None:
        chunk_size = 10 if design.threads == 0 else max(1, math.ceil(len(seeds) / (4 * max(1, workers))))
    if chunk_size < 1:
        raise InvalidInput(f"chunk_size: must be >= 1, got {chunk_size}")
    chunks = [ReplicaChunk(design, tuple(seeds[i : i + chunk_size])) for i in range(0, len(seeds), chunk_size)]
    results = run_tasks(run_replica_chunk, chunks, scheduler=scheduler, workers=workers, progress=progress)
    return np.concatenate(results)


def _clusters(
    counts: np.ndarray,
    design: Design,
    radius: np.ndarray,
    observed: tuple[np.ndarray, np.ndarray, np.ndarray],
    replica_llrs: np.ndarray,
    parameters: ScanParameters,
) -> tuple[Cluster, ...]:
    llr, start, end = observed
    sizes = np.diff(design.indptr)
    centre_of = np.repeat(np.arange(sizes.size), sizes)
    open_ = llr > 0.0
    taken = np.zeros(sizes.size, dtype=bool)
    clusters: list[Cluster] = []
    while len(clusters) < parameters.max_clusters and open_.any():
        p = int(np.argmax(np.where(open_, llr, -np.inf)))
        centre = int(centre_of[p])
        locations = design.members[design.indptr[centre] : p + 1]
        clusters.append(
            _cluster(len(clusters) + 1, centre, locations, float(radius[p]), int(start[p]), int(end[p]), float(llr[p]))
            .with_counts(counts, design, replica_llrs, parameters)
        )
        # SaTScan's "no geographical overlap": a circle is out once it holds any reported location.
        taken[locations] = True
        inside = np.cumsum(taken[design.members])
        before = np.concatenate([[0], inside])[design.indptr[centre_of]]
        open_ &= inside == before
    return tuple(clusters)
