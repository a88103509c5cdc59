"""Firearm analytics at national scale: one million synthetic traces.

Generates 1,000,000 traces with planted straw-purchase rings, then computes the trafficking
indicators and the candidate networks, printing seconds for each step and the peak resident
memory. Bars: generation < 60 s, indicators < 5 s, networks < 30 s.

    python benchmarks/bench_firearms_analytics.py [--count 1000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import time

from bicentennial.firearms.demo import generate_traces
from bicentennial.firearms.indicators import compute_indicators
from bicentennial.firearms.networks import find_networks


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    t = time.perf_counter()
    rows, rings = generate_traces(args.count, seed=args.seed)
    print(f"generate_traces({args.count:,}): {time.perf_counter() - t:.1f} s (bar 60 s), peak {peak_mb():,.0f} MB")

    t = time.perf_counter()
    ind = compute_indicators(rows)
    print(f"compute_indicators: {time.perf_counter() - t:.2f} s (bar 5 s), peak {peak_mb():,.0f} MB")
    print(f"  US-sourced {ind.us_sourced_share:.1%}, median time-to-crime {ind.time_to_crime_median_days} days")

    t = time.perf_counter()
    nets = find_networks(rows)
    print(f"find_networks: {time.perf_counter() - t:.1f} s (bar 30 s), peak {peak_mb():,.0f} MB")
    ring_of = {p: k for k, ring in enumerate(rings) for p in ring.purchasers}
    ranks = sorted(n.id for n in nets if any(p in ring_of for p in n.purchasers))
    print(f"  {len(nets):,} networks, largest {max(n.guns for n in nets)} guns; planted rings ranked {ranks}")


if __name__ == "__main__":
    main()
