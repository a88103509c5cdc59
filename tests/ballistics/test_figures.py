"""Figures of a CMC comparison: valid Plotly JSON, and the CMC boxes land on the same features."""

from __future__ import annotations

import dataclasses
import io
import json
from functools import cache

import numpy as np
import pytest
from PIL import Image

from bicentennial.ballistics import figures
from bicentennial.ballistics.cmc import CellResult, CmcParams, CmcResult, compare
from bicentennial.ballistics.synthetic import generate_scan
from bicentennial.ballistics.x3p import Surface
from bicentennial.core.errors import InvalidInput

PARAMS = CmcParams()


def _(text: str) -> str:
    return text


def translated(text: str) -> str:
    """A stand-in translator: marks the strings it was given, keeps the placeholders."""
    return f"[{text}]"


@cache
def pair() -> tuple[Surface, Surface, CmcResult]:
    """Two firings of one synthetic gun: rotated about 13° and shifted against each other."""
    a = generate_scan(gun_seed=7, firing_seed=1, size=256)
    b = generate_scan(gun_seed=7, firing_seed=2, size=256)
    return a, b, compare(a, b, params=PARAMS)


def landed_correlation(a: Surface, b: Surface, cell: CellResult) -> float:
    """Correlation of the cell's heights with the target's heights where figures.land puts them."""
    ch, cw = figures.cell_size(a.shape, PARAMS.cells)
    ys, xs = np.mgrid[cell.row * ch : min((cell.row + 1) * ch, a.shape[0]), cell.col * cw : (cell.col + 1) * cw]
    ys, xs = ys.ravel(), xs.ravel()
    q = np.floor(figures.land(np.column_stack([xs + 0.5, ys + 0.5]), cell, a.shape, b.shape)).astype(int)
    inside = (q[:, 0] >= 0) & (q[:, 0] < b.shape[1]) & (q[:, 1] >= 0) & (q[:, 1] < b.shape[0])
    va, vb = a.heights[ys[inside], xs[inside]], b.heights[q[inside, 1], q[inside, 0]]
    both = np.isfinite(va) & np.isfinite(vb)
    return float(np.corrcoef(va[both], vb[both])[0, 1])


def test_cmc_cells_land_on_the_same_features_in_the_target() -> None:
    a, b, result = pair()
    cmcs = [c for c in result.cells if c.is_cmc]
    assert result.decision == "identification" and len(cmcs) >= 20
    assert {c.theta for c in cmcs} <= {-12.0, -15.0}  # the true relative rotation is 1.39° − 14.69° = −13.3°
    landed = [landed_correlation(a, b, c) for c in cmcs]
    # Mapping each point by θ and (dx, dy) reproduces the CCF the comparison found at that cell.
    assert np.allclose(landed, [c.ccf for c in cmcs], atol=0.03)
    assert min(landed) > 0.7
    # The opposite rotation sense lands on unrelated texture: the sign convention matters and is right.
    flipped = [landed_correlation(a, b, dataclasses.replace(c, theta=-c.theta)) for c in cmcs]
    assert np.median(flipped) < 0.3


def test_land_is_a_rotation_about_the_centre_after_the_shift() -> None:
    cell = CellResult(0, 0, theta=90.0, dx=10, dy=0, ccf=1.0, is_cmc=True)
    centre = figures.land(np.array([[50.0, 50.0]]), cell, (100, 100), (200, 200))
    assert np.allclose(centre, [[100.0, 110.0]])  # (0, 0) + (10, 0) turned 90° → (0, 10), around (100, 100)


def test_cell_polygon_is_cut_at_the_scan_edge() -> None:
    cell = CellResult(7, 7, 0.0, 0, 0, 1.0, True)
    poly = figures.cell_polygon(cell, (545, 545), (8, 8))
    assert poly.tolist() == [[483, 483], [545, 483], [545, 545], [483, 545], [483, 483]]


def test_height_map_is_downsampled_with_gaps_in_micrometres() -> None:
    heights = np.full((400, 640), 2e-6)
    heights[:, :320] = -1e-6
    heights[:8, :8] = np.nan  # an 8 × 8 corner missing: its 2 × 2 blocks (factor 4) are gaps
    surface = Surface(heights, 2e-6, 2e-6, {"source": "test.x3p"})
    fig = json.loads(figures.height_map(surface, translated, title="Scan", max_points=160))
    (trace,) = fig["data"]
    z = np.array(trace["z"], dtype=float)
    assert trace["type"] == "heatmap" and z.shape == (100, 160)  # factor 4: 640 / 4 = 160
    assert np.isnan(z[0, 0]) and trace["z"][0][0] is None and trace["z"][0][2] is not None
    assert z[50, 0] == pytest.approx(-1.0) and z[50, -1] == pytest.approx(2.0)
    assert trace["x"][0] == pytest.approx(4.0) and trace["x"][-1] == pytest.approx(1276.0)  # block centres, µm
    layout = fig["layout"]
    assert layout["yaxis"]["scaleanchor"] == "x"
    assert layout["coloraxis"]["cmin"] == -layout["coloraxis"]["cmax"] == pytest.approx(-2.0)
    assert layout["coloraxis"]["colorbar"]["title"]["text"] == "[µm]"  # wrapped by the translator
    assert "test.x3p" in layout["title"]["text"] and "400 × 640" in layout["title"]["text"]


def test_comparison_draws_grid_cmc_cells_and_where_they_landed() -> None:
    a, b, result = pair()
    fig = json.loads(figures.comparison(a, b, result, _, params=PARAMS))
    kinds = [t["type"] for t in fig["data"]]
    assert kinds == ["heatmap", "heatmap", "scatter", "scatter", "scatter", "scatter"]
    assert fig["data"][0]["xaxis"] == "x" and fig["data"][1]["xaxis"] == "x2"
    cmcs = [c for c in result.cells if c.is_cmc]
    ref_outline, tgt_outline = fig["data"][2], fig["data"][3]
    assert ref_outline["fill"] == tgt_outline["fill"] == "toself" and tgt_outline["xaxis"] == "x2"
    assert ref_outline["x"].count(None) == tgt_outline["x"].count(None) == len(cmcs)
    hover = fig["data"][4]["text"]
    assert len(hover) == len(result.cells)
    first = result.cells[0]
    assert hover[0].startswith(f"cell {first.row},{first.col}: θ {first.theta:g}°") and "CCF" in hover[0]
    assert len(fig["data"][5]["text"]) == len(cmcs)
    assert len(fig["layout"]["shapes"]) == 18  # 9 horizontal and 9 vertical grid lines
    assert {s["xref"] for s in fig["layout"]["shapes"]} == {"x"}
    assert "Identification" in fig["layout"]["title"]["text"]
    # The landed boxes are the reference boxes rotated by about 13°: not axis-aligned any more.
    box = np.array(tgt_outline["x"][:5], float), np.array(tgt_outline["y"][:5], float)
    assert len(set(np.round(box[0], 1))) == 4 and len(set(np.round(box[1], 1))) == 4


def test_comparison_without_any_cmc_is_still_a_figure() -> None:
    a, b, result = pair()
    none = dataclasses.replace(result, cells=[dataclasses.replace(c, is_cmc=False) for c in result.cells])
    fig = json.loads(figures.comparison(a, b, none, _, params=PARAMS))
    assert fig["data"][3]["x"] == [] and fig["data"][5]["text"] == []


@pytest.mark.parametrize("size", [64, 256])
def test_png_thumbnail_is_a_small_greyscale_image(size: int) -> None:
    a = pair()[0]
    image = Image.open(io.BytesIO(figures.png_thumbnail(a, size=size)))
    assert image.format == "PNG" and image.mode == "LA" and max(image.size) == size
    grey, alpha = (np.asarray(band, float) for band in image.split())
    assert (alpha == 0).any() and (alpha == 255).any()  # the firing-pin hole and the exterior are transparent
    assert grey[alpha > 0].std() > 20  # texture, not a flat grey


def test_png_thumbnail_follows_the_heights() -> None:
    ramp = np.tile(np.linspace(-1e-6, 1e-6, 100), (50, 1))
    image = Image.open(io.BytesIO(figures.png_thumbnail(Surface(ramp, 1e-6, 1e-6), size=100)))
    grey = np.asarray(image.split()[0], float)
    assert image.size == (100, 50) and grey[:, 0].mean() < 10 and grey[:, -1].mean() > 245


def test_png_thumbnail_size_is_checked() -> None:
    with pytest.raises(InvalidInput, match="at least 8"):
        figures.png_thumbnail(pair()[0], size=2)
