"""CMC comparison: synthetic sanity, decision rules, the real Fadul pair test and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from bicentennial.ballistics import cmc_kernels as kernels
from bicentennial.ballistics.areal import areal_correlation
from bicentennial.ballistics.cmc import (
    ELIMINATION,
    IDENTIFICATION,
    INCONCLUSIVE,
    CmcParams,
    compare,
    decide,
    high_cmc,
    original_cmc,
)
from bicentennial.ballistics.x3p import Surface, read_x3p
from bicentennial.core.errors import InvalidInput

SPACING = 6.25e-6
THETAS = np.asarray(CmcParams().thetas)


def texture(seed: int, n: int = 420) -> np.ndarray:
    """Band-limited random breech face: a disc with a firing-pin hole, heights in metres."""
    rng = np.random.default_rng(seed)
    z = ndimage.gaussian_filter(rng.standard_normal((n, n)), 1.0) * 1e-6
    yy, xx = np.indices((n, n)) - (n - 1) / 2
    r = np.hypot(yy, xx)
    z[(r > n / 2 - 5) | (r < n / 8)] = np.nan
    return z


def rotated(z: np.ndarray, angle: float, shift: tuple[int, int], noise: float, seed: int) -> np.ndarray:
    valid = np.isfinite(z)
    out = ndimage.rotate(np.nan_to_num(z), angle, reshape=False, order=1)
    out[ndimage.rotate(valid.astype(float), angle, reshape=False, order=1) < 0.99] = np.nan
    out = ndimage.shift(out, shift, order=0, cval=np.nan)
    return out + noise * np.nanstd(z) * np.random.default_rng(seed).standard_normal(z.shape)


def surface(z: np.ndarray, spacing: float = SPACING) -> Surface:
    return Surface(heights=z, dx=spacing, dy=spacing)


@pytest.fixture(scope="module")
def synthetic() -> tuple[Surface, Surface, Surface]:
    a = texture(1)
    return surface(a), surface(rotated(a, 12.0, (7, -5), 0.05, 5)), surface(texture(2))


def test_rotated_shifted_copy_is_identified_at_the_right_rotation(synthetic: tuple[Surface, Surface, Surface]) -> None:
    a, b, _ = synthetic
    result = compare(a, b)
    assert result.decision == IDENTIFICATION
    assert result.count >= 40 and result.cmc_count >= 40 and result.cmc_count_reverse >= 40
    assert result.high_cmc >= 40 and result.count == min(result.cmc_count, result.cmc_count_reverse)
    agreed = [c for c in result.cells if c.is_cmc]
    # ndimage rotates by +12°, so the target must be turned back by -12°; its content moved 7 down, 5 left.
    assert {c.theta for c in agreed} <= {-12.0, -9.0, -15.0}
    assert np.median([c.theta for c in agreed]) == -12.0
    assert abs(np.median([c.dy for c in agreed]) - 7) <= 1.5 and abs(np.median([c.dx for c in agreed]) + 5) <= 1.5
    assert min(c.ccf for c in agreed) > 0.8
    assert np.median([c.theta for c in result.cells_reverse if c.is_cmc]) == 12.0
    assert result.params["x_thresh"] == 20 and len(result.params["thetas"]) == 21


def test_unrelated_surfaces_have_no_congruent_cells(synthetic: tuple[Surface, Surface, Surface]) -> None:
    a, _, c = synthetic
    result = compare(a, c)
    assert result.count <= 1 and result.high_cmc <= 1
    assert result.decision == ELIMINATION


def test_areal_correlation_finds_the_rotation(synthetic: tuple[Surface, Surface, Surface]) -> None:
    a, b, c = synthetic
    r, theta, dx, dy = areal_correlation(a, b)
    assert theta == -12.0 and r > 0.4
    assert abs(dy - 7) <= 8 and abs(dx + 5) <= 8  # coarse grid: factor 4
    assert areal_correlation(a, c)[0] < 0.2
    assert areal_correlation(a, a)[:2] == pytest.approx((1.0, 0.0))


def test_masked_corr_equals_pearson_on_the_common_points() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    b += a
    w = (rng.random((4, 9, 9)) > 0.3).astype(np.float32)
    got = kernels.masked_corr(a, b, w)
    for i in range(4):
        m = w[i] > 0
        assert got[i] == pytest.approx(np.corrcoef(a[i][m], b[i][m])[0, 1], abs=1e-5)
    w[0] = 0
    assert np.isnan(kernels.masked_corr(a, b, w)[0])


def _result(dx: np.ndarray, dy: np.ndarray, corr: np.ndarray) -> kernels.DirectionResult:
    return kernels.DirectionResult(np.arange(corr.shape[1]), dy, dx, corr)


def test_high_cmc_rule_counts_cells_at_the_mode_and_fails_a_diffuse_one() -> None:
    n, k = THETAS.size, 10
    rng = np.random.default_rng(0)
    dx = rng.integers(-60, 60, (n, k))
    dy = rng.integers(-60, 60, (n, k))
    corr = np.full((n, k), 0.3)
    i = list(THETAS).index(9.0)
    dx[i, :8], dy[i, :8], corr[i, :8] = 3, -4, 0.8  # eight cells agree at θ = 9°
    at, flags, passed = high_cmc(_result(dx, dy, corr), THETAS, CmcParams())
    assert passed and flags.sum() == 8 and set(THETAS[at[flags]]) == {9.0}
    best, orig = original_cmc(_result(dx, dy, corr), THETAS, CmcParams())
    assert orig.sum() == 8 and set(THETAS[best[:8]]) == {9.0}
    j = list(THETAS).index(-21.0)  # an equally high count 30° away: the mode is too diffuse
    dx[j, :8], dy[j, :8], corr[j, :8] = 3, -4, 0.8
    assert high_cmc(_result(dx, dy, corr), THETAS, CmcParams())[2] is False


def test_decision_rule_and_inconclusive_band() -> None:
    assert decide(6, CmcParams()) == IDENTIFICATION
    assert decide(5, CmcParams()) == ELIMINATION
    assert decide(3, CmcParams(elimination_max=1)) == INCONCLUSIVE
    assert decide(1, CmcParams(elimination_max=1)) == ELIMINATION


def test_comparing_scans_of_different_resolution_is_refused(synthetic: tuple[Surface, Surface, Surface]) -> None:
    a, b, _ = synthetic
    with pytest.raises(InvalidInput, match="different point spacings"):
        compare(a, surface(b.heights, 3.125e-6))
    with pytest.raises(InvalidInput, match="different point spacings"):
        areal_correlation(a, surface(b.heights, 3.125e-6))
    with pytest.raises(InvalidInput, match="too small"):
        compare(a, surface(np.zeros((10, 10))))
    with pytest.raises(InvalidInput, match="no observed points"):
        compare(a, surface(np.full((100, 100), np.nan)))


def _fadul(name: str) -> Path:
    """The three scans kept in tests/data (Fadul 1-1, 1-2, 2-1)."""
    path = Path(__file__).resolve().parents[1] / "data" / "ballistics" / "fadul" / name
    assert path.exists(), f"{path} is missing"
    return path


def test_fadul_same_slide_scores_far_above_different_slide() -> None:
    """Fadul 1-1 and 1-2 come from slide 1, 2-1 from slide 2 (cmcR: about 18 CMCs for 1-1 vs 1-2)."""
    a, b, c = (read_x3p(_fadul(f"Fadul_{n}.x3p"))[0] for n in ("1-1", "1-2", "2-1"))
    match, non_match = compare(a, b), compare(a, c)
    assert match.decision == IDENTIFICATION and match.count >= 12 and match.high_cmc >= 12
    assert non_match.decision == ELIMINATION and non_match.count <= 2 and non_match.high_cmc <= 2
    agreed = [cell.theta for cell in match.cells if cell.is_cmc]
    assert 18.0 <= np.median(agreed) <= 27.0
    assert areal_correlation(a, b)[0] > areal_correlation(a, c)[0] + 0.2
