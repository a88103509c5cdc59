"""Breech-face preprocessing before a CMC comparison (cmcR's pipeline, Zemmels et al. 2022).

The comparison must see only the breech-face impression: the exterior of the primer and the
firing-pin aperture are cut away (robust circle fits to the edge of the observed points), the
tilt of the cartridge in the microscope is removed with a median (L1) plane fit, found by
iteratively reweighted least squares, as cmcR's quantile de-trend does, and the Gaussian
band-pass of ISO 16610-61 (weighting function ``exp(-π (x/αλ)²)/(αλ)``, ``α = √(ln 2/π)``)
keeps wavelengths between 16 and 500 µm (cmcR's defaults); missing points are handled by
normalised convolution (the zeroth-order Gaussian regression filter), so holes neither spread
nor bias the result. Scans finer than 5 µm are then down-sampled by 2 (NIST/cmcR compare at
6.25 µm). Files already processed this way (the published Fadul set) pass ``preprocessed=True``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from bicentennial.ballistics.x3p import Surface
from bicentennial.core.errors import InvalidInput

ALPHA = math.sqrt(math.log(2) / math.pi)
MSG_EMPTY = "the scan has no observed points"
MSG_CUTOFF = "invalid band-pass: short cutoff {short} µm must be positive and below the long cutoff {long} µm"
MSG_NOTHING_LEFT = "nothing of the scan is left after cropping the exterior and the firing-pin aperture"
MIN_EDGE_POINTS = 20
PLANE_SAMPLE = 50_000


@dataclass(frozen=True)
class PreprocessParams:
    """Every preprocessing setting; lengths in micrometres."""

    preprocessed: bool = False
    crop_exterior: bool = True
    crop_firing_pin: bool = True
    edge_margin_um: float = 20.0
    short_cutoff_um: float = 16.0
    long_cutoff_um: float = 500.0
    downsample: int | None = None
    downsample_below_um: float = 5.0
    plane_iterations: int = 30


def preprocess(surface: Surface, *, params: PreprocessParams = PreprocessParams()) -> tuple[Surface, dict[str, Any]]:
    """Crop, de-trend, band-pass and down-sample a breech-face scan.

    Returns
    -------
    (Surface, dict)
        The processed surface and a record of every parameter and fitted quantity (circle centres
        and radii in µm, plane coefficients, crop box, down-sampling factor).
    """
    record: dict[str, Any] = dataclasses.asdict(params)
    record.update(input_shape=list(np.shape(surface.heights)), input_dx_um=surface.dx * 1e6)
    if params.preprocessed:
        return surface, record
    if not 0 < params.short_cutoff_um < params.long_cutoff_um:
        raise InvalidInput(MSG_CUTOFF.format(short=params.short_cutoff_um, long=params.long_cutoff_um))
    z = np.array(surface.heights, dtype=np.float64)
    if not np.isfinite(z).any():
        raise InvalidInput(MSG_EMPTY)
    z, box = _crop_circles(z, surface.dx, params, record)
    z = remove_plane(z, params.plane_iterations, record)
    z = band_pass(z, surface.dx, params.short_cutoff_um * 1e-6, params.long_cutoff_um * 1e-6)
    factor = params.downsample or (2 if surface.dx * 1e6 < params.downsample_below_um else 1)
    z = z[::factor, ::factor]
    record.update(crop_box=box, downsample_used=factor, output_shape=list(z.shape))
    mask = surface.mask
    if mask is not None and np.shape(mask) == np.shape(surface.heights):
        mask = np.asarray(mask)[box[0] : box[1], box[2] : box[3]][::factor, ::factor]
    else:
        mask = None
    out = dataclasses.replace(surface, heights=z, dx=surface.dx * factor, dy=surface.dy * factor, mask=mask)
    return out, record


def gaussian_lowpass(z: np.ndarray, spacing: float, cutoff: float) -> np.ndarray:
    """ISO 16610-61 Gaussian low-pass at ``cutoff`` (same unit as ``spacing``), NaN-aware."""
    sigma = ALPHA * cutoff / (math.sqrt(2 * math.pi) * spacing)
    valid = np.isfinite(z)
    num = ndimage.gaussian_filter(np.where(valid, z, 0.0), sigma, mode="constant")
    den = ndimage.gaussian_filter(valid.astype(np.float64), sigma, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[~valid] = np.nan
    return out


def band_pass(z: np.ndarray, spacing: float, short: float, long: float) -> np.ndarray:
    """Keep wavelengths between ``short`` and ``long``: low-pass at short minus low-pass at long."""
    return gaussian_lowpass(z, spacing, short) - gaussian_lowpass(z, spacing, long)


def remove_plane(z: np.ndarray, iterations: int, record: dict[str, Any] | None = None) -> np.ndarray:
    """Subtract the least-absolute-deviations plane (median regression, as cmcR's ``rq`` fit)."""
    ys, xs = np.nonzero(np.isfinite(z))
    step = max(1, ys.size // PLANE_SAMPLE)
    y, x = ys[::step].astype(float), xs[::step].astype(float)
    design = np.column_stack([np.ones_like(x), x, y])
    target = z[ys[::step], xs[::step]]
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    floor = 1e-9 * (np.nanstd(target) or 1.0)
    for _ in range(iterations):
        w = 1.0 / np.maximum(np.abs(target - design @ coef), floor)
        sw = np.sqrt(w)
        coef = np.linalg.lstsq(design * sw[:, None], target * sw, rcond=None)[0]
    if record is not None:
        record["plane"] = {"offset": float(coef[0]), "slope_x": float(coef[1]), "slope_y": float(coef[2])}
    yy, xx = np.indices(z.shape, dtype=float)
    return z - (coef[0] + coef[1] * xx + coef[2] * yy)


def fit_circle(y: np.ndarray, x: np.ndarray, rounds: int = 6) -> tuple[float, float, float]:
    """Robust circle (cy, cx, r): Kåsa least squares, trimming points beyond 2.5 MADs each round."""
    keep = np.ones(y.size, bool)
    cy = cx = r = 0.0
    for _ in range(rounds):
        a = np.column_stack([x[keep], y[keep], np.ones(keep.sum())])
        b = x[keep] ** 2 + y[keep] ** 2
        sol = np.linalg.lstsq(a, b, rcond=None)[0]
        cx, cy = sol[0] / 2, sol[1] / 2
        r = math.sqrt(max(sol[2] + cx * cx + cy * cy, 0.0))
        resid = np.abs(np.hypot(y - cy, x - cx) - r)
        mad = np.median(resid[keep]) + 1e-9
        new = resid <= 2.5 * 1.4826 * mad + 0.5
        if new.sum() < 3 or np.array_equal(new, keep):
            break
        keep = new
    return float(cy), float(cx), float(r)


def _edges(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inner = ndimage.binary_erosion(valid, border_value=1)
    edge = valid & ~inner
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = False
    ey, ex = np.nonzero(edge)
    return ey, ex


def _crop_circles(
    z: np.ndarray, spacing: float, p: PreprocessParams, record: dict[str, Any]
) -> tuple[np.ndarray, list[int]]:
    valid = np.isfinite(z)
    big = ndimage.label(valid)[0]
    if big.max() > 1:  # the breech face is the largest connected patch; specks outside are dropped
        sizes = np.bincount(big.ravel())
        sizes[0] = 0
        valid &= big == sizes.argmax()
    ey, ex = _edges(valid)
    vy, vx = np.nonzero(valid)
    cy, cx = float(vy.mean()), float(vx.mean())
    dist = np.hypot(ey - cy, ex - cx)
    margin = p.edge_margin_um * 1e-6 / spacing
    yy, xx = np.indices(z.shape, dtype=float)
    outer_r = float(dist.max()) if dist.size else 0.0
    if p.crop_exterior and dist.size >= MIN_EDGE_POINTS:
        far = dist >= np.median(dist)
        cy, cx, outer_r = fit_circle(ey[far].astype(float), ex[far].astype(float))
        valid &= np.hypot(yy - cy, xx - cx) <= outer_r - margin
        record["exterior_circle_um"] = [cy * spacing * 1e6, cx * spacing * 1e6, outer_r * spacing * 1e6]
    near = dist < 0.5 * outer_r
    if p.crop_firing_pin and near.sum() >= MIN_EDGE_POINTS:
        fy, fx, fr = fit_circle(ey[near].astype(float), ex[near].astype(float))
        valid &= np.hypot(yy - fy, xx - fx) > fr + margin
        record["firing_pin_circle_um"] = [fy * spacing * 1e6, fx * spacing * 1e6, fr * spacing * 1e6]
    if not valid.any():
        raise InvalidInput(MSG_NOTHING_LEFT)
    rows, cols = np.nonzero(valid.any(axis=1))[0], np.nonzero(valid.any(axis=0))[0]
    box = [int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1]
    out = np.where(valid, z, np.nan)[box[0] : box[1], box[2] : box[3]]
    return out, box
