"""Figures of breech-face scans and of a Congruent Matching Cells comparison.

A CMC count is only evidence if an examiner can see what it counts: which cells of the reference
agreed and where each landed in the other scan (Song 2013 shows exactly this pair of panels; so
does cmcR's ``cmcPlot``, Zemmels et al. 2022). Heights are shown in µm on a colour scale centred
on 0 (processed scans are band-passed, so 0 is the mean plane) and clipped at the 99th percentile
of |height| so that a few spikes do not wash the texture out. Rows are drawn top to bottom, as the
scan's image and the list thumbnail show them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from bicentennial.ballistics.areal import block_mean
from bicentennial.ballistics.cmc import ELIMINATION, IDENTIFICATION, INCONCLUSIVE, CellResult, CmcParams, CmcResult
from bicentennial.ballistics.x3p import Surface
from bicentennial.core.errors import InvalidInput
from bicentennial.core.i18n import N_
from bicentennial.web.charts import layout

COLOURSCALE = "Cividis"  # perceptually uniform and readable with every colour-vision deficiency
CMC_COLOUR = "#e7298a"  # magenta: absent from cividis's blue–grey–yellow, so the CMC cells stand out
CMC_FILL = "rgba(231, 41, 138, 0.22)"
OTHER_COLOUR = "rgba(255, 255, 255, 0.75)"
GRID_COLOUR = "rgba(255, 255, 255, 0.55)"
CLIP_PERCENTILE = 99.0

UNIT = "µm"
X_LABEL = "x (µm)"
Y_LABEL = "y (µm)"
HOVER_HEIGHT = "x %{x:.0f} µm, y %{y:.0f} µm<br>height %{z:.3f} µm<extra></extra>"
SOURCE_SCAN = N_("{name} · {ny} × {nx} points at {dx:g} µm, shown as {sy} × {sx} block means")
CELL_HOVER = N_("cell {row},{col}: θ {theta:g}°, dx {dx} pt, dy {dy} pt, CCF {ccf:.2f}")
NAME_CMC = N_("Congruent matching cells")
NAME_LANDED = N_("Where they landed")
TITLE_COMPARISON = N_("{decision}: {count:g} congruent matching cells ({forward} and {reverse} the other way)")
SOURCE_COMPARISON = N_(
    "{rows} × {cols} cells, {rule}: a CMC is within {x_thresh} points and {theta_thresh:g}°, CCF ≥ {corr:g}"
)
RULE_LABELS = {"original": N_("original CMC (Song 2013)"), "high": N_("High CMC (Tong et al. 2015)")}
DECISION_LABELS = {
    IDENTIFICATION: N_("Identification"),
    INCONCLUSIVE: N_("Inconclusive"),
    ELIMINATION: N_("Elimination"),
}
MSG_THUMB_SIZE = "thumbnail size must be at least 8 pixels, not {size}"


def downsample(heights: np.ndarray, max_points: int) -> tuple[np.ndarray, int]:
    """Block means (missing points ignored) so that neither side exceeds ``max_points``; and the factor."""
    z = np.asarray(heights, dtype=np.float64)
    factor = max(1, math.ceil(max(z.shape) / max(1, max_points)))
    if factor == 1:
        return z, 1
    h, w = math.ceil(z.shape[0] / factor) * factor, math.ceil(z.shape[1] / factor) * factor
    padded = np.full((h, w), np.nan)
    padded[: z.shape[0], : z.shape[1]] = z
    return block_mean(padded, factor), factor


def colour_limit(*arrays: np.ndarray) -> float:
    """Symmetric colour range: the 99th percentile of |height| over all observed points (1 if none)."""
    values = np.concatenate([np.abs(a[np.isfinite(a)]).ravel() for a in arrays])
    limit = float(np.percentile(values, CLIP_PERCENTILE)) if values.size else 0.0
    return limit if limit > 0 else 1.0


def _json_grid(z: np.ndarray) -> list[list[float | None]]:
    """Nested lists with ``None`` (JSON null) for missing points, which Plotly leaves as gaps."""
    return [[None if math.isnan(v) else v for v in row] for row in np.round(z, 4).tolist()]


def _heatmap(surface: Surface, max_points: int) -> tuple[go.Heatmap, tuple[int, int]]:
    z, factor = downsample(surface.heights, max_points)
    x = (np.arange(z.shape[1]) + 0.5) * factor * surface.dx * 1e6
    y = (np.arange(z.shape[0]) + 0.5) * factor * surface.dy * 1e6
    trace = go.Heatmap(
        z=_json_grid(z * 1e6), x=x.round(2).tolist(), y=y.round(2).tolist(), coloraxis="coloraxis",
        hovertemplate=HOVER_HEIGHT, hoverongaps=False,
    )  # fmt: skip
    return trace, (int(z.shape[0]), int(z.shape[1]))


def _coloraxis(limit: float, _: Callable[[str], str]) -> dict[str, object]:
    return {"colorscale": COLOURSCALE, "cmin": -limit, "cmax": limit, "colorbar": {"title": {"text": _(UNIT)}}}


def height_map(surface: Surface, _: Callable[[str], str], *, title: str, max_points: int = 300) -> str:
    """Plotly JSON of one scan's heights (µm), down-sampled by block means, at equal aspect."""
    trace, (sy, sx) = _heatmap(surface, max_points)
    fig = go.Figure(trace)
    fig.update_layout(coloraxis=_coloraxis(colour_limit(np.asarray(surface.heights) * 1e6), _))
    fig.update_yaxes(scaleanchor="x", scaleratio=1, autorange="reversed", constrain="domain")
    fig.update_xaxes(constrain="domain")
    ny, nx = surface.shape
    name = str(surface.meta.get("source", ""))
    source = _(SOURCE_SCAN).format(name=name, ny=ny, nx=nx, dx=surface.dx * 1e6, sy=sy, sx=sx)
    return layout(fig, title=title, x=_(X_LABEL), y=_(Y_LABEL), source=source, height=520)


def cell_size(shape: tuple[int, int], cells: tuple[int, int]) -> tuple[int, int]:
    """Cell height and width in points: ``ceil(n / cells)`` as cmc_kernels.cell_grid splits the reference."""
    return math.ceil(shape[0] / cells[0]), math.ceil(shape[1] / cells[1])


def cell_polygon(cell: CellResult, shape: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """Closed outline (5 × (x, y), in points from the scan's corner) of a reference cell, cut at the edge."""
    ch, cw = cell_size(shape, cells)
    x0, x1 = cell.col * cw, min((cell.col + 1) * cw, shape[1])
    y0, y1 = cell.row * ch, min((cell.row + 1) * ch, shape[0])
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=np.float64)


def land(
    points: np.ndarray, cell: CellResult, reference_shape: tuple[int, int], target_shape: tuple[int, int]
) -> np.ndarray:
    """Where reference points (x, y in points from its corner) lie in the target, by the cell's θ and shift.

    cmc_kernels lays the scans centre on centre, rotates the target about its centre by θ
    (``rotation_map``: the rotated target at p shows the target at R(θ)·p) and measures the cell's
    (dx, dy) from where its centre falls. So a reference point p, relative to the reference centre,
    is at p + (dx, dy) in the rotated target, i.e. at R(θ)·(p + (dx, dy)) in the target, with
    R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]] acting on (x, y) and y pointing down the rows.
    """
    h, w = reference_shape
    ht, wt = target_shape
    p = np.asarray(points, np.float64) - (w / 2, h / 2) + (cell.dx, cell.dy)
    t = math.radians(cell.theta)
    c, s = math.cos(t), math.sin(t)
    return np.column_stack([c * p[:, 0] - s * p[:, 1] + wt / 2, s * p[:, 0] + c * p[:, 1] + ht / 2])


def _outline_trace(polygons: Sequence[np.ndarray], um: float, name: str, axes: tuple[str, str]) -> go.Scatter:
    """All CMC cells as one filled trace: polygons separated by gaps (``fill="toself"`` closes each)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for poly in polygons:
        xs += [*(poly[:, 0] * um).round(2).tolist(), None]
        ys += [*(poly[:, 1] * um).round(2).tolist(), None]
    return go.Scatter(
        x=xs, y=ys, mode="lines", fill="toself", fillcolor=CMC_FILL, line={"color": CMC_COLOUR, "width": 2},
        name=name, hoverinfo="skip", xaxis=axes[0], yaxis=axes[1],
    )  # fmt: skip


def _hover_trace(
    centres: np.ndarray, um: float, texts: list[str], colours: list[str], axes: tuple[str, str]
) -> go.Scatter:
    return go.Scatter(
        x=(centres[:, 0] * um).round(2).tolist() if len(texts) else [],
        y=(centres[:, 1] * um).round(2).tolist() if len(texts) else [],
        mode="markers", marker={"color": colours, "size": 7, "line": {"width": 1, "color": "#222"}},
        text=texts, hovertemplate="%{text}<extra></extra>", showlegend=False, xaxis=axes[0], yaxis=axes[1],
    )  # fmt: skip


def _grid_shapes(shape: tuple[int, int], cells: tuple[int, int], um: float) -> list[dict[str, object]]:
    """The reference's cell grid as thin lines (layout shapes on the first subplot's axes)."""
    ch, cw = cell_size(shape, cells)
    h, w = shape
    line = {"color": GRID_COLOUR, "width": 0.6}
    rows = [min(r * ch, h) for r in range(cells[0] + 1)]
    cols = [min(c * cw, w) for c in range(cells[1] + 1)]
    shapes: list[dict[str, object]] = [
        {"type": "line", "xref": "x", "yref": "y", "x0": 0, "x1": w * um, "y0": y * um, "y1": y * um, "line": line}
        for y in rows
    ]
    shapes += [
        {"type": "line", "xref": "x", "yref": "y", "x0": x * um, "x1": x * um, "y0": 0, "y1": h * um, "line": line}
        for x in cols
    ]
    return shapes


def _hover_texts(cells: Sequence[CellResult], _: Callable[[str], str]) -> list[str]:
    template = _(CELL_HOVER)
    return [template.format(row=c.row, col=c.col, theta=c.theta, dx=c.dx, dy=c.dy, ccf=c.ccf) for c in cells]


def comparison(
    reference: Surface, target: Surface, result: CmcResult, _: Callable[[str], str], *, params: CmcParams,
    max_points: int = 200,
) -> str:  # fmt: skip
    """Plotly JSON: the reference with its cell grid and CMC cells, the target with the CMC cells where they landed."""
    ref_shape, tgt_shape = reference.shape, target.shape
    um_ref, um_tgt = reference.dx * 1e6, target.dx * 1e6
    names = [str(s.meta.get("source", "")) for s in (reference, target)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=names, horizontal_spacing=0.06)
    for col, surface in ((1, reference), (2, target)):
        fig.add_trace(_heatmap(surface, max_points)[0], row=1, col=col)
    cmcs = [c for c in result.cells if c.is_cmc]
    ref_polys = [cell_polygon(c, ref_shape, params.cells) for c in cmcs]
    tgt_polys = [land(p, c, ref_shape, tgt_shape) for p, c in zip(ref_polys, cmcs, strict=True)]
    fig.add_trace(_outline_trace(ref_polys, um_ref, _(NAME_CMC), ("x", "y")))
    fig.add_trace(_outline_trace(tgt_polys, um_tgt, _(NAME_LANDED), ("x2", "y2")))
    all_centres = np.array([cell_polygon(c, ref_shape, params.cells)[:4].mean(axis=0) for c in result.cells])
    colours = [CMC_COLOUR if c.is_cmc else OTHER_COLOUR for c in result.cells]
    fig.add_trace(_hover_trace(all_centres.reshape(-1, 2), um_ref, _hover_texts(result.cells, _), colours, ("x", "y")))
    tgt_centres = np.array([p[:4].mean(axis=0) for p in tgt_polys]).reshape(-1, 2)
    fig.add_trace(_hover_trace(tgt_centres, um_tgt, _hover_texts(cmcs, _), [CMC_COLOUR] * len(cmcs), ("x2", "y2")))
    limit = colour_limit(np.asarray(reference.heights) * 1e6, np.asarray(target.heights) * 1e6)
    fig.update_layout(coloraxis=_coloraxis(limit, _), shapes=_grid_shapes(ref_shape, params.cells, um_ref))
    fig.update_yaxes(scaleanchor="x", scaleratio=1, autorange="reversed", constrain="domain", row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", scaleratio=1, autorange="reversed", constrain="domain", row=1, col=2)
    fig.update_xaxes(constrain="domain", title_text=_(X_LABEL))
    title = _(TITLE_COMPARISON).format(
        decision=_(DECISION_LABELS.get(result.decision, result.decision)), count=result.count,
        forward=result.cmc_count, reverse=result.cmc_count_reverse,
    )  # fmt: skip
    source = _(SOURCE_COMPARISON).format(
        rows=params.cells[0], cols=params.cells[1], rule=_(RULE_LABELS.get(params.rule, params.rule)),
        x_thresh=params.x_thresh, theta_thresh=params.theta_thresh, corr=params.corr_thresh,
    )  # fmt: skip
    return layout(fig, title=title, x=_(X_LABEL), y=_(Y_LABEL), source=source, height=560)


def png_thumbnail(surface: Surface, *, size: int = 256) -> bytes:
    """A greyscale PNG (missing points transparent) whose longer side is ``size`` pixels, for lists."""
    if size < 8:
        raise InvalidInput(MSG_THUMB_SIZE.format(size=size))
    z, _factor = downsample(surface.heights, size)
    limit = colour_limit(z)
    observed = np.isfinite(z)
    grey = np.clip((np.where(observed, z, 0.0) + limit) / (2 * limit) * 255, 0, 255).round().astype(np.uint8)
    alpha = np.where(observed, 255, 0).astype(np.uint8)
    image = Image.fromarray(np.dstack([grey, alpha]))  # (h, w, 2) uint8 is "LA"
    scale = size / max(z.shape)
    if scale != 1:
        shape = (max(1, round(z.shape[1] * scale)), max(1, round(z.shape[0] * scale)))
        image = image.resize(shape, Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
