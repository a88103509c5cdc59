"""All 780 pairs of the 40 Fadul breech-face scans with the CMC method (real validation).

Fadul et al. (2011) fired cartridges from 10 consecutively manufactured slides; NIST's CMC
method (Song 2013; Tong et al. 2015) and cmcR (Zemmels et al. 2022) separate all 63 known
matches from all 717 known non-matches with the ≥ 6 CMC rule. This prints the CMC count
distributions of both groups, the ROC AUC (Mann-Whitney) and the false positives/negatives at
the default rule, for the default count and for the other documented combinations of the two
directions (High CMC or original method; min or mean).

    python benchmarks/bench_ballistics_fadul.py [--data ../shared/data/ballistics/fadul] [--processes 2]
        [--region-size-multiplier 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

from bicentennial.ballistics.cmc import CmcParams, compare
from bicentennial.ballistics.x3p import Surface, read_x3p

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ballistics" / "fadul"
_SURFACES: dict[str, Surface] = {}
_STATE: dict[str, CmcParams] = {"params": CmcParams()}


def _init(data: str, files: list[str], params: CmcParams) -> None:
    _STATE["params"] = params
    for name in files:
        _SURFACES[name] = read_x3p(Path(data) / name)[0]


def _pair(pair: tuple[str, str]) -> dict[str, Any]:
    a, b = pair
    r = compare(_SURFACES[a], _SURFACES[b], params=_STATE["params"])
    return {
        "a": a,
        "b": b,
        "count": r.count,
        "high": r.high_cmc,
        "high_fwd": r.high_cmc_forward,
        "high_rev": r.high_cmc_reverse,
        "original": r.original_count,
        "decision": r.decision,
        "seconds": r.seconds,
    }


def auc(pos: list[float], neg: list[float]) -> float:
    """Mann-Whitney estimate of P(match score > non-match score), ties counted half."""
    p, n = np.asarray(pos, float), np.asarray(neg, float)
    greater = (p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()
    return float(greater / (p.size * n.size))


def report(rows: list[dict[str, Any]], truth: dict[str, str], threshold: int) -> None:
    match = [truth[r["a"]] == truth[r["b"]] for r in rows]
    scores = {
        "default rule (" + _STATE["params"].rule + ", " + _STATE["params"].combine + ")": [r["count"] for r in rows],
        "high CMC, min of directions": [r["high"] for r in rows],
        "high CMC, mean of directions": [(r["high_fwd"] + r["high_rev"]) / 2 for r in rows],
        "high CMC, max of directions": [max(r["high_fwd"], r["high_rev"]) for r in rows],
        "original method, combined (" + _STATE["params"].combine + ")": [r["original"] for r in rows],
    }
    for label, vals in scores.items():
        pos = [v for v, m in zip(vals, match, strict=True) if m]
        neg = [v for v, m in zip(vals, match, strict=True) if not m]
        fn = sum(v < threshold for v in pos)
        fp = sum(v >= threshold for v in neg)
        print(f"\n{label}: AUC {auc(pos, neg):.4f}; FP {fp}/{len(neg)}, FN {fn}/{len(pos)} at >= {threshold}")
        print(f"  matches     min {min(pos)} max {max(pos)}: {sorted(Counter(pos).items())}")
        print(f"  non-matches min {min(neg)} max {max(neg)}: {sorted(Counter(neg).items())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--region-size-multiplier", type=float, default=CmcParams.region_size_multiplier)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with (args.data / "ground_truth.csv").open(encoding="utf-8") as handle:
        truth = {row["file"]: row["slide"] for row in csv.DictReader(handle)}
    files = sorted(truth)
    pairs = list(itertools.combinations(files, 2))
    params = CmcParams(region_size_multiplier=args.region_size_multiplier, workers=1)
    _STATE["params"] = params
    start = time.perf_counter()
    with Pool(args.processes, initializer=_init, initargs=(str(args.data), files, params)) as pool:
        rows = pool.map(_pair, pairs, chunksize=8)
    wall = time.perf_counter() - start
    n_match = sum(truth[a] == truth[b] for a, b in pairs)
    print(
        f"{len(pairs)} pairs ({n_match} same-slide) in {wall:.1f} s with {args.processes} processes: "
        f"{len(pairs) / wall:.2f} comparisons/s; params {params}"
    )
    report(rows, truth, params.identification)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
