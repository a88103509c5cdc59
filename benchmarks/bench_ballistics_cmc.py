"""Speed of one full CMC comparison: Fadul 1-1 vs 1-2 (≈545×545 at 6.25 µm).

One comparison is 8×8 cells × 21 rotations × both directions. Bar: ≥ 4 comparisons per second
on 2 cores (cmcR needs tens of seconds). For the ratio, a naive numpy version of one direction
is timed too: the target rotated with ``scipy.ndimage.rotate``, then one complex128
``numpy.fft`` cross-correlation per cell and rotation, as a straightforward port of cmcR's
``comparison_allTogether`` would do.

    python benchmarks/bench_ballistics_cmc.py [--data ../shared/data/ballistics/fadul] [--repeat 20]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

from bicentennial.ballistics import cmc_kernels as kernels
from bicentennial.ballistics.areal import areal_correlation
from bicentennial.ballistics.cmc import CmcParams, compare
from bicentennial.ballistics.x3p import read_x3p

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ballistics" / "fadul"


def naive_direction(reference: np.ndarray, target: np.ndarray, params: CmcParams) -> int:
    """One direction, cell by cell and rotation by rotation; returns how many correlations it ran."""
    grid = kernels.cell_grid(reference, *params.cells, params.min_observed, params.region_size_multiplier)
    values, _ = kernels.standardise(target)
    r, ch, cw = grid.region, grid.ch, grid.cw
    pad = r + max(ch, cw)
    canvas = np.pad(values, pad)
    cy, cx = (canvas.shape[0] - 1) / 2, (canvas.shape[1] - 1) / 2
    runs = 0
    for theta in params.thetas:
        rotated = ndimage.rotate(canvas, theta, reshape=False, order=0)
        for k in range(grid.index.size):
            y0 = round(float(cy + grid.centres[k, 0] - (r - 1) / 2))
            x0 = round(float(cx + grid.centres[k, 1] - (r - 1) / 2))
            region = rotated[y0 : y0 + r, x0 : x0 + r]
            size = (r + ch - 1, r + cw - 1)
            ccf = np.real(np.fft.ifft2(np.fft.fft2(region, size) * np.conj(np.fft.fft2(grid.values[k], size))))
            u, v = np.unravel_index(int(np.argmax(ccf)), ccf.shape)
            patch = np.zeros((ch, cw))
            sub = region[u : u + ch, v : v + cw]
            patch[: sub.shape[0], : sub.shape[1]] = sub
            m = grid.valid[k] & (patch != 0)
            if m.sum() > 2:
                np.corrcoef(grid.values[k][m], patch[m])
            runs += 1
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    a = read_x3p(args.data / "Fadul_1-1.x3p")[0]
    b = read_x3p(args.data / "Fadul_1-2.x3p")[0]
    params = CmcParams()
    first = time.perf_counter()
    result = compare(a, b, params=params)  # plans FFT sizes and rotation maps once
    first = time.perf_counter() - first
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        compare(a, b, params=params)
        times.append(time.perf_counter() - start)
    best, median = min(times), float(np.median(times))
    print(
        f"Fadul 1-1 vs 1-2: CMC {result.cmc_count}/{result.cmc_count_reverse} (combined {result.high_cmc}), "
        f"{result.decision}; first call {first:.3f} s (rotation maps built)"
    )
    print(
        f"full comparison (8x8 cells, {len(params.thetas)} rotations, both directions): median {median:.3f} s, "
        f"best {best:.3f} s -> {1 / median:.2f} comparisons/s (bar >= 4)"
    )
    start = time.perf_counter()
    r = areal_correlation(a, b)
    print(f"areal correlation {r[0]:.3f} at theta {r[1]:g}: {time.perf_counter() - start:.3f} s")
    start = time.perf_counter()
    runs = naive_direction(np.asarray(a.heights), np.asarray(b.heights), params)
    naive = time.perf_counter() - start
    one_way = median / 2
    print(
        f"naive numpy, one direction ({runs} cell correlations): {naive:.2f} s; "
        f"batched one direction ~{one_way:.3f} s -> {naive / one_way:.0f}x; cells/s {runs / one_way:,.0f}"
    )
    if not math.isfinite(median) or 1 / median < 4:
        print("BELOW BAR: fewer than 4 comparisons per second on this machine now")


if __name__ == "__main__":
    main()
