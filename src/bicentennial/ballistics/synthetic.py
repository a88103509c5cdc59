"""Synthetic breech-face scans with known ground truth, for tests and method validation.

A breech face leaves two kinds of marks on a primer (Fadul et al. 2011; Song 2013, CMC):
*class* marks that all guns of a model share (here parallel striations from the machining
tool, at the model's spacing) and *individual* marks unique to each gun (here a band-limited
random field seeded by the gun). Each firing shows the same breech face rotated (the case turns
in the chamber, within ±30° as in NIST's CMC search range) and shifted, with partial contact (a
sector the breech face did not touch), measurement noise, drop-outs, the firing-pin aperture
and the outer edge of the primer missing — the defects a real processed scan has. The field is
band-passed 16–500 µm like the processed Fadul scans, so the comparison code sees the same
wavelengths it would in casework.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from bicentennial.ballistics.x3p import Surface, write_x3p
from bicentennial.core.errors import InvalidInput

CREATOR = "Bicentennial synthetic breech-face generator"
COMMENT = (
    "synthetic breech face: gun_seed={gun}; firing_seed={firing}; rotation_deg={rot:.3f}; shift_um={sx:.2f},{sy:.2f}"
)
MSG_SIZE = "synthetic scan size must be between 32 and 4096 points, not {size}"
MSG_STEP = "synthetic point spacing dx must be positive, not {dx}"
MSG_COUNT = "guns and firings per gun must be at least 1 (got {guns} and {firings})"
CSV_FIELDS = ("file", "scan", "slide", "gun_seed", "firing_seed", "rotation_deg", "shift_x_um", "shift_y_um")


@dataclass(frozen=True)
class Firing:
    """How one firing placed the breech face on the primer: the ground truth of a comparison."""

    rotation_deg: float
    shift_x: float  # metres
    shift_y: float  # metres
    missing_sector_start_deg: float
    missing_sector_width_deg: float


def firing_parameters(
    gun_seed: int, firing_seed: int, *, max_rotation_deg: float = 30.0, max_shift: float = 60e-6
) -> Firing:
    """The random pose and contact of one firing, drawn from (gun_seed, firing_seed) only."""
    rng = np.random.default_rng([abs(gun_seed), abs(firing_seed), 1])
    return Firing(
        rotation_deg=float(rng.uniform(-max_rotation_deg, max_rotation_deg)),
        shift_x=float(rng.uniform(-max_shift, max_shift)),
        shift_y=float(rng.uniform(-max_shift, max_shift)),
        missing_sector_start_deg=float(rng.uniform(0, 360)),
        missing_sector_width_deg=float(rng.uniform(0, 60)),
    )


def _gaussian_band(freq: np.ndarray, short: float, long: float) -> np.ndarray:
    """ISO 16610-61 Gaussian transfer: keep wavelengths between ``short`` and ``long`` (metres)."""
    alpha = math.sqrt(math.log(2) / math.pi)
    low_pass = np.exp(-math.pi * (alpha * freq * short) ** 2)
    high_pass = 1.0 - np.exp(-math.pi * (alpha * freq * long) ** 2)
    return low_pass * high_pass


def _field(rng: np.random.Generator, n: int, dx: float, band: tuple[float, float]) -> np.ndarray:
    """A band-limited random field with a 1/f amplitude spectrum, unit RMS."""
    fy, fx = np.fft.fftfreq(n, dx)[:, None], np.fft.rfftfreq(n, dx)[None, :]
    freq = np.hypot(fx, fy)
    spectrum = np.fft.rfft2(rng.standard_normal((n, n)))
    with np.errstate(divide="ignore"):
        shaping = np.where(freq > 0, 1.0 / freq, 0.0) * _gaussian_band(freq, *band)
    field = np.fft.irfft2(spectrum * shaping, s=(n, n))
    return field / field.std()


def _striations(model_seed: int, n: int, dx: float, spacing: float) -> np.ndarray:
    """Class marks: the model's parallel tool striations, identical for every gun of the model."""
    rng = np.random.default_rng([abs(model_seed), 2])
    angle, phase = rng.uniform(0, math.pi), rng.uniform(0, 2 * math.pi)
    y, x = (np.mgrid[0:n, 0:n] - n / 2) * dx
    across = x * math.cos(angle) + y * math.sin(angle)
    return np.sin(2 * math.pi * across / spacing + phase) * math.sqrt(2)


def _breech_face(gun_seed: int, model_seed: int, n: int, dx: float, texture_rms: float, class_rms: float) -> np.ndarray:
    individual = _field(np.random.default_rng([abs(gun_seed), 0]), n, dx, (16e-6, 500e-6))
    return texture_rms * individual + class_rms * _striations(model_seed, n, dx, spacing=150e-6)


def _place(face: np.ndarray, size: int, firing: Firing, dx: float) -> np.ndarray:
    """Rotate the breech face about its centre and shift it, sampled on the scan grid."""
    theta = math.radians(firing.rotation_deg)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    centre_in, centre_out = (np.array(face.shape) - 1) / 2, (np.array([size, size]) - 1) / 2
    shift = np.array([firing.shift_y, firing.shift_x]) / dx
    offset = centre_in - rotation @ (centre_out + shift)
    return ndimage.affine_transform(face, rotation, offset=offset, output_shape=(size, size), order=3, mode="reflect")


def _missing(rng: np.random.Generator, size: int, firing: Firing, dx: float, dropout: float) -> np.ndarray:
    """Where a processed scan has no data: outside the primer, the firing-pin hole, no contact, drop-outs."""
    centre = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size]
    y, x = y - centre - firing.shift_y / dx, x - centre - firing.shift_x / dx
    radius, angle = np.hypot(x, y), np.degrees(np.arctan2(y, x)) % 360
    outer, aperture = 0.48 * size, (0.2 + 0.05 * rng.random()) * size
    sector = (angle - firing.missing_sector_start_deg) % 360 < firing.missing_sector_width_deg
    blobs = ndimage.gaussian_filter(rng.standard_normal((size, size)), 3.0)
    clustered = blobs > np.quantile(blobs, 1 - dropout)
    isolated = rng.random((size, size)) < dropout / 4
    return (radius > outer) | (radius < aperture) | (sector & (radius > 0.7 * outer)) | clustered | isolated


def generate_scan(
    *,
    gun_seed: int,
    firing_seed: int,
    size: int = 545,
    dx: float = 6.25e-6,
    model_seed: int = 0,
    texture_rms: float = 1.2e-6,
    class_rms: float = 0.4e-6,
    noise_rms: float = 0.4e-6,
    dropout: float = 0.02,
    max_rotation_deg: float = 30.0,
    max_shift: float = 60e-6,
) -> Surface:
    """One processed breech-face scan of ``gun_seed`` fired as ``firing_seed``; same seeds, same scan.

    A point p = (x, y) of the breech face relative to its centre (x along columns, y along rows)
    appears in the scan at R(rotation_deg)·p + (shift_x, shift_y) relative to the scan centre.

    Parameters
    ----------
    gun_seed, firing_seed : int
        Seeds of the gun's individual marks and of this firing's pose, contact, noise and gaps.
    size, dx : int, float
        Scan size in points (square) and spacing in metres (6.25 µm as the processed Fadul set).
    model_seed : int
        Seed of the class marks shared by all guns of one model (the striation angle and phase).
    texture_rms, class_rms, noise_rms : float
        RMS heights in metres of the individual marks, the class striations and the noise.
    dropout : float
        Fraction of points lost in clustered drop-outs (a quarter as much again as isolated points).
    max_rotation_deg, max_shift : float
        Bounds of the uniform random rotation (degrees) and shift per axis (metres).

    Returns
    -------
    Surface
        Heights in metres with NaN where data is missing; ``meta["comment"]`` records the seeds
        and the true rotation and shift.
    """
    if not 32 <= size <= 4096:
        raise InvalidInput(MSG_SIZE.format(size=size))
    if not dx > 0:
        raise InvalidInput(MSG_STEP.format(dx=dx))
    firing = firing_parameters(gun_seed, firing_seed, max_rotation_deg=max_rotation_deg, max_shift=max_shift)
    # The gun's face depends on (gun_seed, model_seed, size, dx) only, never on the firing; 1.5× the scan
    # covers any rotation plus a shift of 4 % of the scan (146 µm at 545 × 6.25 µm) before reflection.
    canvas = 2 * math.ceil(0.75 * size) + 16
    face = _breech_face(gun_seed, model_seed, canvas, dx, texture_rms, class_rms)
    heights = _place(face, size, firing, dx)
    rng = np.random.default_rng([abs(gun_seed), abs(firing_seed), 3])
    noise = ndimage.gaussian_filter(rng.standard_normal((size, size)), 1.0)
    heights += noise_rms * noise / noise.std()
    heights[_missing(rng, size, firing, dx, dropout)] = np.nan
    comment = COMMENT.format(
        gun=gun_seed, firing=firing_seed, rot=firing.rotation_deg, sx=firing.shift_x * 1e6, sy=firing.shift_y * 1e6
    )
    return Surface(heights, dx, dx, {"creator": CREATOR, "comment": comment, "source": "synthetic"})


def generate_set(
    guns: int, firings_per_gun: int, seed: int, out_dir: Path, *, size: int = 545, dx: float = 6.25e-6
) -> Path:
    """Write ``Synth_{gun}-{firing}.x3p`` scans and ``ground_truth.csv``; return the CSV's path.

    The CSV has Fadul's columns (file, scan, slide — here the gun number) plus the seeds and
    the true rotation and shift, so a comparison's registration can be checked as well as its
    verdict. All guns share one model (class marks), as Fadul's consecutively made slides do.
    """
    if guns < 1 or firings_per_gun < 1:
        raise InvalidInput(MSG_COUNT.format(guns=guns, firings=firings_per_gun))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for gun in range(1, guns + 1):
        gun_seed = int(np.random.SeedSequence([abs(seed), gun]).generate_state(1)[0])
        for shot in range(1, firings_per_gun + 1):
            firing_seed = int(np.random.SeedSequence([abs(seed), gun, shot]).generate_state(1)[0])
            scan = generate_scan(gun_seed=gun_seed, firing_seed=firing_seed, size=size, dx=dx, model_seed=seed)
            name = f"Synth_{gun}-{shot}.x3p"
            write_x3p(scan, out_dir / name)
            firing = firing_parameters(gun_seed, firing_seed)
            rows.append((name, f"Synth {gun}-{shot}", gun, gun_seed, firing_seed, f"{firing.rotation_deg:.3f}",
                         f"{firing.shift_x * 1e6:.2f}", f"{firing.shift_y * 1e6:.2f}"))  # fmt: skip
    path = out_dir / "ground_truth.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        writer.writerows(rows)
    return path
