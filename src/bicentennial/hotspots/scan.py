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
from bicentennial.hotspots.scan_kernels import Design, ReplicaChunk, run_replica_chunk

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
    chunk_size : replicas per task (default: about four tasks per local worker process, else 10).
    threads_per_task : numba threads inside a task (default: 1 in worker processes and for small scans,
        numba's default otherwise). Above 1 only in this process or on Dask workers: GNU OpenMP,
        numba's threading layer here, cannot start in a child forked after the parent used it.

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
    design, radius = _design(
        counts, lat_lon, pop, parameters, threads_per_task, in_process=not scheduler and workers <= 0
    )
    head = (_prefix(counts), design.pexp, design.indptr, design.members, design.order)
    observed = scan_kernels.best_per_circle(*head, design.max_len, design.prospective, design.total)
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
    return isinstance(x, int | float | np.number) and not isinstance(x, bool) and math.isfinite(float(x))


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
    periods = counts.shape[1]
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
    prospective = bool(parameters.prospective)
    # The permutation model shuffles the period of every case; the Poisson model needs no case list.
    case_areas, case_periods = np.nonzero(counts) if pop is None else (np.zeros(0, np.int64),) * 2
    reps = counts[case_areas, case_periods].astype(np.int64)
    design = Design(
        model=parameters.model,
        expected=expected,
        pexp=_prefix(expected),
        indptr=indptr,
        members=members,
        order=order,
        probe=np.ascontiguousarray(order[::16]),
        max_len=max_len,
        prospective=prospective,
        total=total,
        case_areas=np.repeat(case_areas, reps).astype(np.int64),
        case_periods=np.repeat(case_periods, reps).astype(np.int64),
        threads=_threads(threads_per_task, in_process, members.size * _window_count(periods, max_len, prospective)),
    )
    return design, radius


def _threads(requested: int | None, in_process: bool, cylinders: int) -> int:
    if requested is not None:
        return int(requested)
    # Worker processes get one thread each (and GNU OpenMP must not run in a forked child); in this
    # process, waking numba's threads costs more than a scan of fewer than a few million cylinders.
    return 0 if in_process and cylinders > 4_000_000 else 1


def _prefix(table: np.ndarray) -> np.ndarray:
    out = np.zeros((table.shape[0], table.shape[1] + 1))
    np.cumsum(table, axis=1, out=out[:, 1:])
    return out


def _window_count(periods: int, max_len: int, prospective: bool) -> int:
    return max_len if prospective else max_len * (periods + 1) - max_len * (max_len + 1) // 2  # sum of T - L + 1


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
        # Local processes: about four tasks each evens the load; otherwise ten replicas per progress tick.
        chunk_size = math.ceil(len(seeds) / (4 * workers)) if workers > 0 and not scheduler else 10
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
    llr = observed[0]
    sizes = np.diff(design.indptr)
    centre_of = np.repeat(np.arange(sizes.size), sizes)
    open_ = llr > 0.0
    taken = np.zeros(sizes.size, dtype=bool)
    clusters: list[Cluster] = []
    while len(clusters) < parameters.max_clusters and open_.any():
        p = int(np.argmax(np.where(open_, llr, -np.inf)))
        cluster = _cluster(len(clusters) + 1, int(centre_of[p]), p, counts, design, radius, observed, replica_llrs)
        clusters.append(cluster)
        # SaTScan's "no geographical overlap": a circle is out once it holds any reported location.
        taken[list(cluster.locations)] = True
        inside = np.cumsum(taken[design.members])
        before = np.concatenate([[0], inside])[design.indptr[centre_of]]
        open_ &= inside == before
    return tuple(clusters)


def _cluster(
    rank: int,
    centre: int,
    p: int,
    counts: np.ndarray,
    design: Design,
    radius: np.ndarray,
    observed: tuple[np.ndarray, np.ndarray, np.ndarray],
    replica_llrs: np.ndarray,
) -> Cluster:
    llr, start, end = float(observed[0][p]), int(observed[1][p]), int(observed[2][p])
    locations = design.members[design.indptr[centre] : p + 1]
    loc_obs = counts[locations, start : end + 1].sum(axis=1)
    loc_exp = design.expected[locations, start : end + 1].sum(axis=1)
    c, e, total = float(loc_obs.sum()), float(loc_exp.sum()), design.total
    p_value = gumbel = recurrence = None
    if replica_llrs.size:
        p_value = (1 + int(np.count_nonzero(replica_llrs >= llr))) / (1 + replica_llrs.size)
        gumbel = gumbel_p_value(llr, replica_llrs)
        # SaTScan: a prospective analysis repeated every period sees this by chance once every 1/p periods.
        recurrence = 1.0 / p_value if design.prospective else None
    return Cluster(
        rank=rank,
        centre=centre,
        locations=tuple(int(a) for a in locations),
        radius_km=float(radius[p]),
        start=start,
        end=end,
        observed=round(c),
        expected=e,
        relative_risk=(c / e) / ((total - c) / (total - e)) if total > c else math.inf,
        llr=llr,
        p_value=p_value,
        gumbel_p_value=gumbel,
        recurrence_interval=recurrence,
        location_observed=tuple(round(v) for v in loc_obs),
        location_expected=tuple(float(v) for v in loc_exp),
    )
