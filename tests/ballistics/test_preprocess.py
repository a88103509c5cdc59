"""Breech-face preprocessing: ISO Gaussian band-pass, robust plane, circle crops, down-sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bicentennial.ballistics.preprocess import (
    PreprocessParams,
    band_pass,
    fit_circle,
    gaussian_lowpass,
    preprocess,
    remove_plane,
)
from bicentennial.ballistics.x3p import Surface
from bicentennial.core.errors import InvalidInput

SPACING = 3.125e-6


def wave(wavelength: float, n: int = 256, spacing: float = SPACING) -> np.ndarray:
    x = np.arange(n) * spacing
    return np.tile(np.sin(2 * math.pi * x / wavelength), (n, 1))


def amplitude(z: np.ndarray) -> float:
    core = z[100:156, 60:196]
    return float((np.nanmax(core) - np.nanmin(core)) / 2)


def test_gaussian_filter_transmits_half_the_amplitude_at_the_cutoff() -> None:
    """ISO 16610-61 defines the cutoff as the wavelength passed at 50 % amplitude."""
    assert amplitude(gaussian_lowpass(wave(50e-6), SPACING, 50e-6)) == pytest.approx(0.5, abs=0.02)
    assert amplitude(gaussian_lowpass(wave(200e-6), SPACING, 50e-6)) > 0.95
    assert amplitude(gaussian_lowpass(wave(15e-6), SPACING, 50e-6)) < 0.002


def test_band_pass_keeps_the_16_to_500_um_band() -> None:
    assert amplitude(band_pass(wave(80e-6), SPACING, 16e-6, 500e-6)) > 0.9
    assert amplitude(band_pass(wave(8e-6), SPACING, 16e-6, 500e-6)) < 0.1
    assert np.nanmax(np.abs(band_pass(np.full((64, 64), 3e-6), SPACING, 16e-6, 500e-6))) < 1e-18


def test_missing_points_stay_missing_and_do_not_bias_the_filter() -> None:
    z = np.full((120, 120), 2.0)
    z[40:70, 50:60] = np.nan
    out = gaussian_lowpass(z, SPACING, 100e-6)
    assert np.isnan(out[40:70, 50:60]).all()
    assert np.nanmax(np.abs(out - 2.0)) < 1e-12


def test_median_plane_ignores_outliers() -> None:
    yy, xx = np.indices((200, 200), dtype=float)
    plane = 5.0 + 0.02 * xx - 0.01 * yy
    z = plane + np.random.default_rng(0).normal(0, 0.001, plane.shape)
    z[::7, ::3] += 50.0  # about 5 % huge spikes pull least squares, not the median plane
    record: dict[str, object] = {}
    out = remove_plane(z, 30, record)
    assert abs(np.median(out)) < 0.01
    assert record["plane"] == pytest.approx({"offset": 5.0, "slope_x": 0.02, "slope_y": -0.01}, abs=2e-3)


def test_circle_fit_is_robust_to_outliers() -> None:
    t = np.linspace(0, 2 * math.pi, 400, endpoint=False)
    y, x = 50 + 30 * np.sin(t), 80 + 30 * np.cos(t)
    y[:60] += 25  # a notch in the edge
    assert fit_circle(y, x) == pytest.approx((50, 80, 30), abs=0.5)


def breech_face(n: int = 400) -> Surface:
    """A tilted disc of texture (radius 180 points) with a 40-point firing-pin hole at (200, 210)."""
    rng = np.random.default_rng(1)
    yy, xx = np.indices((n, n), dtype=float)
    z = 1e-6 * rng.standard_normal((n, n)) + 2e-5 * xx / n
    z[np.hypot(yy - 200, xx - 200) > 180] = np.nan
    z[np.hypot(yy - 200, xx - 210) < 40] = np.nan
    return Surface(heights=z, dx=SPACING, dy=SPACING)


def test_preprocess_crops_detrends_filters_and_downsamples() -> None:
    out, record = preprocess(breech_face())
    assert out.dx == pytest.approx(2 * SPACING) and record["downsample_used"] == 2
    ext = np.asarray(record["exterior_circle_um"]) / (SPACING * 1e6)
    pin = np.asarray(record["firing_pin_circle_um"]) / (SPACING * 1e6)
    assert ext == pytest.approx([200, 200, 180], abs=1.5)
    assert pin == pytest.approx([200, 210, 40], abs=1.5)
    margin = 20e-6 / SPACING  # 6.4 points
    assert out.heights.shape[0] == pytest.approx((2 * (180 - margin)) / 2, abs=2)
    h = out.heights
    cy = (200 - record["crop_box"][0]) / 2
    cx = (210 - record["crop_box"][2]) / 2
    assert np.isnan(h[int(cy) - 15 : int(cy) + 15, int(cx) - 15 : int(cx) + 15]).all()
    assert np.isfinite(h[int(cy) - 40, int(cx)]) and np.isnan(h[0, 0])
    assert abs(np.nanmean(h)) < 1e-7 and record["short_cutoff_um"] == 16.0 and record["long_cutoff_um"] == 500.0


def test_preprocessed_flag_skips_every_step_and_bad_cutoffs_are_refused() -> None:
    s = breech_face(80)
    out, record = preprocess(s, params=PreprocessParams(preprocessed=True))
    assert out is s and record["preprocessed"] is True
    with pytest.raises(InvalidInput, match="band-pass"):
        preprocess(s, params=PreprocessParams(short_cutoff_um=600))
    with pytest.raises(InvalidInput, match="no observed points"):
        preprocess(Surface(heights=np.full((20, 20), np.nan), dx=SPACING, dy=SPACING))
