"""Batched FFT kernels of the Congruent Matching Cells comparison (one direction).

The CMC method (Song 2013; cmcR, Zemmels et al. 2022) correlates every reference cell with a
larger region of the rotated target, for 21 rotations. Done cell by cell that is thousands of
small FFTs; here each rotation is one batched float32 ``rfft2``/``irfft2`` over all kept cells
(pocketfft with ``workers``), the rotation itself is a cached nearest-neighbour gather (cmcR
rotates with ``interpolation = 0``), and only the per-cell argmax and the pairwise-complete
correlation at the argmax run afterwards, vectorised over the cells.

Geometry. The reference is split into ``rows × cols`` equal cells of ``ceil(n/rows)`` points
(the last ones padded with missing points). The target is padded to a square bucket, centred,
rotated about its centre by θ and the region of cell k is the ``m·cell`` square (``m² =``
``region_size_multiplier``) centred where the cell centre falls when both scans' centres are
laid on each other. cmcR anchors both scans at their top-left corner instead; the Fadul scans
are crops of the same breech-face circle, so centre anchoring keeps the expected shift near 0.
The circular correlation is computed on a fast FFT length ``L ≥ region``; offsets whose value
would wrap around are excluded, so every reported offset is an exact linear correlation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft as sfft

SIZE_BUCKET = 64
MIN_OVERLAP = 10


@dataclass(frozen=True)
class CellGrid:
    """The reference side of one direction: standardised cells and their spectra."""

    rows: int
    cols: int
    ch: int
    cw: int
    index: np.ndarray  # (k,) flat cell number row*cols+col of each kept cell
    centres: np.ndarray  # (k, 2) cell centre relative to the reference centre, in points (y, x)
    values: np.ndarray  # (k, ch, cw) float32 standardised heights, 0 where missing
    valid: np.ndarray  # (k, ch, cw) bool
    spectra: np.ndarray  # (k, L, L//2+1) complex64 conjugate spectra
    fft_len: int
    region: int


@dataclass(frozen=True)
class DirectionResult:
    """Per rotation × kept cell: best offset from the centred position, its correlation."""

    index: np.ndarray  # (k,) cell numbers
    dy: np.ndarray  # (n_theta, k) int
    dx: np.ndarray  # (n_theta, k) int
    corr: np.ndarray  # (n_theta, k) float, NaN where the region or the overlap is too sparse


def standardise(heights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zero-mean unit-variance heights with missing points set to 0 (cmcR replaceMissing)."""
    valid = np.isfinite(heights)
    if not valid.any():
        return np.zeros(heights.shape, np.float32), valid
    vals = heights[valid]
    sd = float(vals.std()) or 1.0
    out = np.where(valid, (heights - float(vals.mean())) / sd, 0.0).astype(np.float32)
    return out, valid


def cell_grid(reference: np.ndarray, rows: int, cols: int, min_observed: float, region_multiplier: float) -> CellGrid:
    """Split the reference, keep cells with enough observed points and FFT them once."""
    h, w = reference.shape
    ch, cw = math.ceil(h / rows), math.ceil(w / cols)
    padded = np.full((rows * ch, cols * cw), np.nan)
    padded[:h, :w] = reference
    cells = padded.reshape(rows, ch, cols, cw).transpose(0, 2, 1, 3).reshape(rows * cols, ch, cw)
    observed = np.isfinite(cells).mean(axis=(1, 2))
    keep = np.flatnonzero(observed >= min_observed)
    side = round(math.sqrt(region_multiplier) * max(ch, cw))
    fft_len = sfft.next_fast_len(side, real=True)
    values = np.zeros((keep.size, ch, cw), np.float32)
    valid = np.zeros((keep.size, ch, cw), bool)
    for i, k in enumerate(keep):
        values[i], valid[i] = _cell_standardise(cells[k])
    spectra = np.conj(sfft.rfft2(values, s=(fft_len, fft_len), workers=-1)).astype(np.complex64)
    r, c = np.divmod(keep, cols)
    centres = np.stack([r * ch + ch / 2 - h / 2, c * cw + cw / 2 - w / 2], axis=1)
    return CellGrid(rows, cols, ch, cw, keep, centres, values, valid, spectra, fft_len, side)


def _cell_standardise(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    valid = np.isfinite(cell)
    vals = cell[valid]
    sd = float(vals.std()) or 1.0
    return np.where(valid, (cell - float(vals.mean())) / sd, 0.0).astype(np.float32), valid


def bucket(n: int) -> int:
    """Pad sizes to a multiple of SIZE_BUCKET so rotation maps are shared between scans."""
    return SIZE_BUCKET * math.ceil(n / SIZE_BUCKET)


@lru_cache(maxsize=64)
def rotation_map(side: int, canvas: int, theta: float) -> np.ndarray:
    """Flat source index (``side²`` = missing) of each canvas point, target rotated by θ degrees.

    Nearest neighbour, about the centre of a ``side × side`` source placed at the centre of a
    ``canvas × canvas`` output; cached because every comparison at this size reuses it.
    """
    t = math.radians(theta)
    c, s = math.cos(t), math.sin(t)
    off = (canvas - 1) / 2
    centre = (side - 1) / 2
    grid = np.arange(canvas, dtype=np.float64) - off
    sy = np.rint(c * grid[:, None] + s * grid[None, :] + centre).astype(np.int64)
    sx = np.rint(-s * grid[:, None] + c * grid[None, :] + centre).astype(np.int64)
    inside = (sy >= 0) & (sy < side) & (sx >= 0) & (sx < side)
    out = np.where(inside, sy * side + sx, side * side).astype(np.int32).reshape(canvas, canvas)
    out.setflags(write=False)
    return out


def correlate_direction(
    grid: CellGrid, target: np.ndarray, thetas: tuple[float, ...], min_observed: float, workers: int
) -> DirectionResult:
    """Best offset and pairwise-complete correlation of every kept cell at every rotation.

    Missing points are carried as exact zeros of the standardised heights (cmcR replaces them by
    0 after standardising); an observed point that is exactly 0.0 in float32 is counted missing.
    """
    values, _ = standardise(target)
    side = bucket(max(*target.shape, grid.rows * grid.ch, grid.cols * grid.cw))
    flat = _padded_flat(values, side)
    pad = max(grid.ch, grid.cw)
    canvas = bucket(side + grid.region + 2 * pad + 4)
    tops = np.rint(grid.centres + (canvas - 1) / 2 - (grid.region - 1) / 2).astype(np.int64)
    n, k = len(thetas), grid.index.size
    dy, dx = np.zeros((n, k), np.int64), np.zeros((n, k), np.int64)
    corr = np.full((n, k), np.nan)
    if k == 0:
        return DirectionResult(grid.index, dy, dx, corr)
    reach = grid.fft_len - grid.region  # a searched patch ends at most this far outside its region
    lo, hi = tops.min(axis=0) - reach, tops.max(axis=0) + grid.region + reach
    tops = tops - lo  # only the bounding box of the kept cells' regions is rotated
    weights = grid.valid.astype(np.float32)
    for i, theta in enumerate(thetas):
        window = rotation_map(side, canvas, float(theta))[lo[0] : hi[0], lo[1] : hi[1]]
        canvas_v = np.take(flat, window)
        dy[i], dx[i], corr[i] = _one_rotation(grid, weights, canvas_v, tops, min_observed, workers)
    return DirectionResult(grid.index, dy, dx, corr)


def _padded_flat(values: np.ndarray, side: int) -> np.ndarray:
    h, w = values.shape
    y0, x0 = (side - h) // 2, (side - w) // 2
    v = np.zeros(side * side + 1, np.float32)
    v[:-1].reshape(side, side)[y0 : y0 + h, x0 : x0 + w] = values
    return v


def _one_rotation(
    grid: CellGrid, weights: np.ndarray, cv: np.ndarray, tops: np.ndarray, min_observed: float, workers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, ln = grid.region, grid.fft_len
    regions = np.lib.stride_tricks.sliding_window_view(cv, (r, r))[tops[:, 0], tops[:, 1]]
    region_obs = np.count_nonzero(regions.reshape(regions.shape[0], -1), axis=1) / float(r * r)
    spectra = sfft.rfft2(regions, s=(ln, ln), workers=workers)
    spectra *= grid.spectra
    ccf = sfft.irfft2(spectra, s=(ln, ln), workers=workers, overwrite_x=True)
    lo, hi = ln - max(grid.ch, grid.cw) + 1, r  # offsets in [lo, hi) would wrap around
    if lo < hi:
        ccf[:, lo:hi, :] = -np.inf
        ccf[:, :, lo:hi] = -np.inf
    best = np.argmax(ccf.reshape(ccf.shape[0], -1), axis=1)
    u, v = np.divmod(best, ln)
    u = np.where(u >= hi, u - ln, u)
    v = np.where(v >= hi, v - ln, v)
    corr = _pairwise_corr(grid, weights, cv, tops, u, v)
    corr[region_obs < min_observed] = np.nan
    centre_y, centre_x = (r - grid.ch) // 2, (r - grid.cw) // 2
    return u - centre_y, v - centre_x, corr


def _pairwise_corr(
    grid: CellGrid, weights: np.ndarray, cv: np.ndarray, tops: np.ndarray, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """cmcR's pairwiseCompCor: Pearson correlation over points observed in both, region only."""
    patches = np.lib.stride_tricks.sliding_window_view(cv, (grid.ch, grid.cw))[tops[:, 0] + u, tops[:, 1] + v]
    outside = (u < 0) | (v < 0) | (u > grid.region - grid.ch) | (v > grid.region - grid.cw)
    for i in np.flatnonzero(outside):  # partial overlaps: cmcR pads the region with NA
        ry, rx = u[i] + np.arange(grid.ch), v[i] + np.arange(grid.cw)
        patches[i] *= ((ry >= 0) & (ry < grid.region))[:, None] & ((rx >= 0) & (rx < grid.region))[None, :]
    return masked_corr(grid.values, patches, weights * (patches != 0))


def masked_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Batched Pearson correlation of a[i] and b[i] over the points where the 0/1 weight w[i] is 1."""
    axes = (1, 2)
    n = w.sum(axis=axes, dtype=np.float64)
    aw, bw = a * w, b * w
    sa, sb = aw.sum(axis=axes, dtype=np.float64), bw.sum(axis=axes, dtype=np.float64)
    saa = np.einsum("kij,kij->k", aw, a, dtype=np.float64)
    sbb = np.einsum("kij,kij->k", bw, b, dtype=np.float64)
    sab = np.einsum("kij,kij->k", aw, b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.sqrt(np.maximum(n * saa - sa * sa, 0.0) * np.maximum(n * sbb - sb * sb, 0.0))
        out = (n * sab - sa * sb) / den
    out[(n < MIN_OVERLAP) | ~np.isfinite(out)] = np.nan
    return out
