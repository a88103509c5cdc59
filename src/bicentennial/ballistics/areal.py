"""Areal cross-correlation of two whole breech faces: a fast second score beside the CMC count.

The classical areal score (Vorburger et al. 2007, NIST's "CCFmax") is the maximum over rotations
and translations of the normalised cross-correlation of the two topographies. Here it is a
pre-filter: both scans are block-averaged to a coarse grid (factor 4 by default, 25 µm at the
Fadul 6.25 µm spacing), the cross-correlation of every rotation on a coarse grid is one batched
FFT, and the score is the Pearson correlation over the points observed in both at the best
alignment (so missing points neither add nor dilute agreement).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft
from scipy import ndimage

from bicentennial.ballistics.cmc import MSG_RESOLUTION, RESOLUTION_TOLERANCE
from bicentennial.ballistics.cmc_kernels import masked_corr, standardise
from bicentennial.ballistics.x3p import Surface
from bicentennial.core.errors import InvalidInput

DEFAULT_THETAS = tuple(float(t) for t in range(-30, 31, 3))
MIN_OVERLAP_FRACTION = 0.25


def block_mean(z: np.ndarray, factor: int) -> np.ndarray:
    """Mean of each ``factor × factor`` block over its observed points (NaN when none)."""
    h, w = (z.shape[0] // factor) * factor, (z.shape[1] // factor) * factor
    blocks = z[:h, :w].reshape(h // factor, factor, w // factor, factor)
    valid = np.isfinite(blocks)
    n = valid.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(valid, blocks, 0.0).sum(axis=(1, 3)) / n, np.nan)


def areal_correlation(
    a: Surface, b: Surface, *, factor: int = 4, thetas: tuple[float, ...] = DEFAULT_THETAS, workers: int = 2
) -> tuple[float, float, int, int]:
    """Best whole-surface correlation of ``b`` rotated and shifted onto ``a``.

    Returns
    -------
    (r, theta, dx, dy)
        Pearson correlation at the best alignment, the rotation of ``b`` in degrees and the shift
        of ``a``'s content in the rotated ``b``, centre to centre, in points of the input grid
        (both in the sense of the CMC cells' θ, dx, dy).
    """
    if abs(a.dx - b.dx) > RESOLUTION_TOLERANCE * max(a.dx, b.dx):
        raise InvalidInput(MSG_RESOLUTION.format(a=f"{a.dx * 1e6:g}", b=f"{b.dx * 1e6:g}"))
    za, zb = block_mean(np.asarray(a.heights, float), factor), block_mean(np.asarray(b.heights, float), factor)
    va, ma = standardise(za)
    vb, mb = standardise(zb)
    side = max(vb.shape) + 2
    stack = np.stack([_rotate(_centre_pad(vb, side), t) for t in thetas])
    masks = np.stack([_rotate(_centre_pad(mb.astype(np.float32), side), t) for t in thetas]) > 0.5
    stack *= masks
    shape = (va.shape[0] + side - 1, va.shape[1] + side - 1)
    fast = (sfft.next_fast_len(shape[0], real=True), sfft.next_fast_len(shape[1], real=True))
    fa = np.conj(sfft.rfft2(va, s=fast, workers=workers))
    ccf = sfft.irfft2(sfft.rfft2(stack, s=fast, workers=workers) * fa, s=fast, workers=workers)
    k, u, v = (int(i) for i in np.unravel_index(int(np.argmax(ccf)), ccf.shape))
    # ccf[u] = sum_n b[n + u] a[n] (no wrap: the FFT length covers every linear offset), so b's
    # corner sits at -u in a; indices past side - 1 are the negative u.
    oy = -u if u <= side - 1 else fast[0] - u
    ox = -v if v <= side - 1 else fast[1] - v
    r = _overlap_corr(va, ma, stack[k], masks[k], oy, ox)
    dy = -(oy + side / 2 - va.shape[0] / 2) * factor  # where a's content lies in b, as the CMC cells' shifts
    dx = -(ox + side / 2 - va.shape[1] / 2) * factor
    return r, float(thetas[k]), round(float(dx)), round(float(dy))


def _centre_pad(z: np.ndarray, side: int) -> np.ndarray:
    out = np.zeros((side, side), np.float32)
    y0, x0 = (side - z.shape[0]) // 2, (side - z.shape[1]) // 2
    out[y0 : y0 + z.shape[0], x0 : x0 + z.shape[1]] = z
    return out


def _rotate(z: np.ndarray, theta: float) -> np.ndarray:
    """Rotate about the centre, nearest neighbour; the sense matches cmc_kernels.rotation_map."""
    t = math.radians(theta)
    c, s = math.cos(t), math.sin(t)
    centre = (np.asarray(z.shape, float) - 1) / 2
    matrix = np.array([[c, s], [-s, c]])
    offset = centre - matrix @ centre
    return ndimage.affine_transform(z, matrix, offset=offset, order=0, cval=0.0)


def _overlap_corr(a: np.ndarray, ma: np.ndarray, b: np.ndarray, mb: np.ndarray, oy: int, ox: int) -> float:
    """Pearson correlation of a and b (b's corner at (oy, ox) in a) over points observed in both."""
    y0, x0 = max(0, oy), max(0, ox)
    y1, x1 = min(a.shape[0], oy + b.shape[0]), min(a.shape[1], ox + b.shape[1])
    if y1 <= y0 or x1 <= x0:
        return float("nan")
    pa, pma = a[y0:y1, x0:x1], ma[y0:y1, x0:x1]
    pb, pmb = b[y0 - oy : y1 - oy, x0 - ox : x1 - ox], mb[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    both = pma & pmb
    if both.sum() < MIN_OVERLAP_FRACTION * min(ma.sum(), mb.sum()):
        return float("nan")
    return float(masked_corr(pa[None], pb[None], both[None].astype(np.float32))[0])
