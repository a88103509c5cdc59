"""Synthetic breech-face scans: reproducible, individual per gun, posed as their ground truth says."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from bicentennial.ballistics.synthetic import firing_parameters, generate_scan, generate_set
from bicentennial.ballistics.x3p import read_x3p
from bicentennial.core.errors import InvalidInput

STILL = {"max_rotation_deg": 0.0, "max_shift": 0.0}


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    return float(np.corrcoef(a[both], b[both])[0, 1])


def test_same_seeds_same_scan_and_firings_differ() -> None:
    one = generate_scan(gun_seed=11, firing_seed=4, size=160)
    assert one.equals(generate_scan(gun_seed=11, firing_seed=4, size=160))
    other = generate_scan(gun_seed=11, firing_seed=5, size=160)
    assert not np.array_equal(one.heights, other.heights, equal_nan=True)
    assert "gun_seed=11; firing_seed=4" in one.meta["comment"]


def test_scan_looks_like_a_processed_breech_face() -> None:
    scan = generate_scan(gun_seed=3, firing_seed=8)
    h = scan.heights
    assert h.shape == (545, 545) and scan.dx == scan.dy == 6.25e-6
    assert np.isnan(h[272, 272]) and np.isnan(h[0, 0]) and np.isnan(h[-1, -1])  # aperture and outside the primer
    assert 0.35 < np.isnan(h).mean() < 0.65
    assert np.nanstd(h) == pytest.approx(math.sqrt(1.2**2 + 0.4**2 + 0.4**2) * 1e-6, rel=0.25)
    assert not np.isnan(h[272, 272 + 200])  # the breech-face annulus has data


def test_same_gun_correlates_and_different_guns_do_not() -> None:
    gun1_a = generate_scan(gun_seed=1, firing_seed=1, size=200, **STILL).heights
    gun1_b = generate_scan(gun_seed=1, firing_seed=2, size=200, **STILL).heights
    gun2 = generate_scan(gun_seed=2, firing_seed=1, size=200, **STILL).heights
    assert _corr(gun1_a, gun1_b) > 0.8
    assert abs(_corr(gun1_a, gun2)) < 0.35  # only the shared class striations agree


def test_pose_follows_the_documented_convention() -> None:
    """A face point p appears at R(rotation)·p + shift: undoing that pose re-aligns the scan."""
    size = 200
    reference = generate_scan(gun_seed=5, firing_seed=9, size=size, noise_rms=0.0, dropout=0.0, **STILL).heights
    scan = generate_scan(gun_seed=5, firing_seed=3, size=size, noise_rms=0.0, dropout=0.0)
    truth = firing_parameters(5, 3)
    assert abs(truth.rotation_deg) > 5
    scores = {}
    for sign in (1, -1):
        theta, centre = sign * math.radians(truth.rotation_deg), (size - 1) / 2
        y, x = np.mgrid[0:size, 0:size] - centre
        cols = math.cos(theta) * x - math.sin(theta) * y + truth.shift_x / scan.dx + centre
        rows = math.sin(theta) * x + math.cos(theta) * y + truth.shift_y / scan.dx + centre
        back = ndimage.map_coordinates(scan.heights, [rows, cols], order=1, cval=np.nan)
        scores[sign] = _corr(back, reference)
    assert scores[1] > 0.95 and abs(scores[-1]) < 0.3


def test_generate_set_writes_readable_scans_and_ground_truth(tmp_path: Path) -> None:
    truth_path = generate_set(2, 2, seed=42, out_dir=tmp_path / "set", size=96)
    with truth_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["file"] for r in rows] == ["Synth_1-1.x3p", "Synth_1-2.x3p", "Synth_2-1.x3p", "Synth_2-2.x3p"]
    assert [r["slide"] for r in rows] == ["1", "1", "2", "2"]
    scans = {}
    for row in rows:
        surface, deviations = read_x3p(tmp_path / "set" / row["file"], strict=True)
        assert deviations == [] and surface.heights.shape == (96, 96)
        again = generate_scan(
            gun_seed=int(row["gun_seed"]), firing_seed=int(row["firing_seed"]), size=96, model_seed=42
        )
        assert np.array_equal(surface.heights, again.heights, equal_nan=True)
        pose = firing_parameters(int(row["gun_seed"]), int(row["firing_seed"]))
        assert float(row["rotation_deg"]) == pytest.approx(pose.rotation_deg, abs=1e-3)
        scans[row["file"]] = surface.heights
    assert not np.array_equal(scans["Synth_1-1.x3p"], scans["Synth_2-1.x3p"], equal_nan=True)
    assert rows[0]["gun_seed"] == rows[1]["gun_seed"] != rows[2]["gun_seed"]


@pytest.mark.parametrize("kwargs", [{"size": 8}, {"dx": 0.0}, {"dx": -1e-6}])
def test_bad_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        generate_scan(gun_seed=1, firing_seed=1, **kwargs)  # type: ignore[arg-type]


def test_empty_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        generate_set(0, 2, seed=1, out_dir=tmp_path)
