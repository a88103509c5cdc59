"""Space-time scan at national scale: 2,469 municipalities × 36 months of synthetic homicides.

Real INEGI 2020 municipal centroids and populations (bundled CSV), about 3,000 homicides a month
drawn as Poisson by population with a planted cluster (RR 1.5 for six months in the municipalities
around Chilpancingo holding 1 % of the population). Circles up to 10 %
of the population, windows up to 50 % of the period (SaTScan's defaults but the circle size).

Bars (2 cores): >= 3e8 cylinders/s in one replica; 99 replicas + Gumbel < 60 s; 999 replicas
< 600 s; and the Dask speed-up from one to two LocalCluster workers (one thread each, numba on one
thread inside every task), all measured in this run.

    python benchmarks/bench_hotspots_scan.py [--replicas 999] [--dask-replicas 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np

from bicentennial.core.jobs import run_tasks
from bicentennial.hotspots import scan as scan_module
from bicentennial.hotspots.scan import ScanParameters, scan_space_time
from bicentennial.hotspots.scan_kernels import Design, ReplicaChunk, draw_replica, replica_max, run_replica_chunk

CSV = Path(__file__).resolve().parents[1] / "src" / "bicentennial" / "geo" / "data" / "mx_municipios_2020.csv"
MONTHS = 36


def municipalities() -> tuple[list[str], np.ndarray, np.ndarray]:
    ids, pop, coords = [], [], []
    with CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            inside = row["centroide_dentro"] != "0"  # else the centroid falls outside: use the interior point
            lat = row["lat_centroide"] if inside else row["lat_punto_interior"]
            lon = row["lon_centroide"] if inside else row["lon_punto_interior"]
            ids.append(row["cvegeo"])
            pop.append(float(row["pob_2020"]))
            coords.append((float(lat), float(lon)))
    return ids, np.array(pop), np.array(coords)


def synthetic_homicides(pop: np.ndarray, coords: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, set[int]]:
    rng = np.random.default_rng(seed)
    population = np.repeat(pop[:, None], MONTHS, axis=1)
    rate = 3000 * population / pop.sum()  # about 3,000 a month, spread by population
    centre = int(np.argmin(np.hypot(coords[:, 0] - 17.55, coords[:, 1] + 99.5)))  # around Chilpancingo
    near = np.argsort(np.hypot(*(coords - coords[centre]).T), kind="stable")
    near = near[: int(np.searchsorted(np.cumsum(pop[near]) / pop.sum(), 0.01)) + 1]  # about 1 % of Mexico
    rate[near, 20:26] *= 1.5
    return rng.poisson(rate), population, {int(a) for a in near}


def dask_seconds(workers: int, design: Design, replicas: int, seed: int) -> tuple[float, np.ndarray]:
    """Replica maxima on a LocalCluster: one thread per worker, numba's serial kernel inside every task."""
    from distributed import Client, LocalCluster

    serial = dataclasses.replace(design, threads=1)
    seeds = np.random.SeedSequence(seed).spawn(replicas)
    per = max(1, replicas // 4)
    chunks = [ReplicaChunk(serial, tuple(seeds[i : i + per])) for i in range(0, replicas, per)]
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.run(run_replica_chunk, ReplicaChunk(serial, tuple(seeds[:1])))  # load numba's cache first
        t = time.perf_counter()
        maxima = run_tasks(run_replica_chunk, chunks, scheduler=cluster.scheduler_address)
        return time.perf_counter() - t, np.concatenate(maxima)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=999, help="replicas of the full run (0 skips it)")
    parser.add_argument("--dask-replicas", type=int, default=20, help="replicas for the Dask comparison (0 skips)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    ids, pop, coords = municipalities()
    cases, population, planted = synthetic_homicides(pop, coords, args.seed)
    print(f"{len(ids):,} municipalities × {MONTHS} months, {cases.sum():,} homicides")

    t = time.perf_counter()
    observed = scan_space_time(cases, coords, population, ScanParameters(replicas=0))
    print(f"no-replica scan (compile/cache load, circles, every circle's best window): {time.perf_counter() - t:.1f} s")
    print(f"cylinders per scan: {observed.cylinders:,} (all evaluated; the bound only spares logarithms)")

    checked = scan_module._checked_inputs(cases, coords, population, "poisson")
    design, _ = scan_module._design(*checked, ScanParameters(), None, in_process=True)
    seeds = np.random.SeedSequence(args.seed).spawn(6)
    replica_max(draw_replica(design, np.random.default_rng(seeds[0])), design)  # warm
    times = []
    for seed in seeds[1:]:
        data = draw_replica(design, np.random.default_rng(seed))
        t = time.perf_counter()
        replica_max(data, design)
        times.append(time.perf_counter() - t)
    one = statistics.median(times)
    print(f"one replica: {one:.3f} s (median of 5) -> {observed.cylinders / one:.3g} cylinders/s (bar 3e8)")

    t = time.perf_counter()
    result = scan_space_time(cases, coords, population, ScanParameters(replicas=99))
    top = result.clusters[0]
    print(f"99 replicas + Gumbel: {time.perf_counter() - t:.1f} s (bar 60 s)")
    found = bool(planted & set(top.locations)) and top.start <= 25 and top.end >= 20
    print(
        f"  most likely: {ids[top.centre]} +{len(top.locations) - 1} areas, months {top.start}-{top.end}, "
        f"LLR {top.llr:.1f}, p {top.p_value}, Gumbel p {top.gumbel_p_value:.2g}, planted cluster found: {found}"
    )

    if args.replicas:
        t = time.perf_counter()
        scan_space_time(cases, coords, population, ScanParameters(replicas=args.replicas))
        print(f"{args.replicas} replicas: {time.perf_counter() - t:.1f} s (bar 600 s for 999)")

    if args.dask_replicas:
        one_worker, first = dask_seconds(1, design, args.dask_replicas, args.seed)
        two_workers, second = dask_seconds(2, design, args.dask_replicas, args.seed)
        print(
            f"Dask LocalCluster, {args.dask_replicas} replicas in 4 tasks, 1 thread per worker: 1 worker "
            f"{one_worker:.1f} s, 2 workers {two_workers:.1f} s, speed-up {one_worker / two_workers:.2f}× "
            f"(identical maxima: {np.array_equal(first, second)})"
        )


if __name__ == "__main__":
    main()
