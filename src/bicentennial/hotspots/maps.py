"""Maps of Mexico by municipality (or state) coloured by hotspot class, drawn as filled SVG shapes.

One filled trace per class (its polygons joined by gaps) keeps a 2,469-municipality map light; a
layer of centroid markers carries the per-area hover text; scan clusters are drawn as circles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import plotly.graph_objects as go

from bicentennial.geo.topojson import decode
from bicentennial.web.charts import layout

GREY = "#e8edf2"
CLASS_COLOURS = {
    # emerging hot spot classes: hot in reds, cold in blues, stronger for the persistent/intensifying ones
    "new_hot": "#fdae61",
    "consecutive_hot": "#f46d43",
    "intensifying_hot": "#a50026",
    "persistent_hot": "#d73027",
    "diminishing_hot": "#fee090",
    "sporadic_hot": "#fdd0a2",
    "oscillating_hot": "#f1b6da",
    "historical_hot": "#d9b38c",
    "new_cold": "#abd9e9",
    "consecutive_cold": "#74add1",
    "intensifying_cold": "#313695",
    "persistent_cold": "#4575b4",
    "diminishing_cold": "#e0f3f8",
    "sporadic_cold": "#c6dbef",
    "oscillating_cold": "#b2abd2",
    "historical_cold": "#9ecae1",
    "no_pattern": GREY,
    # Gi* and local Moran
    "hot": "#d73027",
    "cold": "#4575b4",
    "HH": "#d73027",
    "LL": "#4575b4",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "none": GREY,
    # scan
    "cluster": "#d73027",
    "secondary": "#fdae61",
}


@cache
def outlines(level: str) -> dict[str, tuple[tuple[float | None, ...], tuple[float | None, ...]]]:
    """Simplified outlines (lon, lat with gaps) per area code, from the bundled boundaries."""
    name, obj, key = (
        ("mx_municipios_inegi2020_mxmaps.topojson", "municipios", "cvegeo")
        if level == "municipality"
        else ("mx_estados_inegi_mxmaps.topojson", "state", "cve_ent")
    )
    topology = json.loads(resources.files("bicentennial.geo").joinpath("data", name).read_text("utf-8"))
    out = {}
    for properties, geometry in decode(topology, obj):
        if geometry is None:
            continue
        code = str(properties.get(key, ""))
        out[f"mx:{code}"] = _outline(geometry, step=3 if level == "municipality" else 2)
    return out


def _outline(geometry: dict[str, Any], step: int) -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in polygons:
        ring = polygon[0]  # holes are left out: at this scale they are invisible and would double-fill
        points = [*ring[::step], ring[0]] if len(ring) > 12 else ring
        xs.extend(round(p[0], 3) for p in points)
        ys.extend(round(p[1], 3) for p in points)
        xs.append(None)
        ys.append(None)
    return tuple(xs), tuple(ys)


def class_map(
    *,
    codes: Sequence[str],
    names: Sequence[str],
    coords: Sequence[Sequence[float]],
    classes: dict[str, str],
    label: Callable[[str], str],
    hover: dict[str, str],
    title: str,
    source: str,
    circles: Sequence[tuple[float, float, float, str]] = (),
    height: int = 760,
) -> str:
    """Areas filled by class (``classes[code]``); codes without shapes are drawn as dots."""
    level = "municipality" if codes and len(codes[0]) == 8 else "state"
    shapes = outlines(level) if codes and codes[0].startswith("mx:") else {}
    fig = go.Figure()
    order = [c for c in CLASS_COLOURS if c in set(classes.values())]
    for cls in sorted(order, key=lambda c: c in {"no_pattern", "none"}, reverse=True):  # grey first, beneath
        xs: list[float | None] = []
        ys: list[float | None] = []
        for code in codes:
            if classes.get(code) == cls and code in shapes:
                xs.extend(shapes[code][0])
                ys.extend(shapes[code][1])
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    fill="toself",
                    fillcolor=CLASS_COLOURS[cls],
                    mode="lines",
                    line={"color": "white", "width": 0.3},
                    hoverinfo="skip",
                    name=label(cls),
                    showlegend=cls not in {"no_pattern", "none"},
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[c[1] for c in coords],
            y=[c[0] for c in coords],
            mode="markers",
            marker={
                "size": [3 if c in shapes else 7 for c in codes],
                "color": [
                    CLASS_COLOURS.get(classes.get(c, "none"), GREY) if c not in shapes else "rgba(0,0,0,0.12)"
                    for c in codes
                ],
            },
            text=[hover.get(c, n) for c, n in zip(codes, names, strict=True)],
            hoverinfo="text",
            showlegend=False,
        )
    )
    for lat, lon, radius_km, text in circles:
        cx, cy = _circle(lat, lon, radius_km)
        fig.add_trace(
            go.Scatter(
                x=cx,
                y=cy,
                mode="lines",
                line={"color": "#111", "width": 1.6, "dash": "dot"},
                hoverinfo="text",
                text=text,
                showlegend=False,
            )
        )
    fig.update_xaxes(visible=False, range=[-118.5, -86.5] if shapes else None)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.15, range=[14.3, 33] if shapes else None)
    return layout(
        fig, title=title, x="", y="", source=source, height=height, margin={"l": 10, "r": 10, "t": 70, "b": 50}
    )


def _circle(lat: float, lon: float, radius_km: float) -> tuple[list[float], list[float]]:
    radius_km = max(radius_km, 8.0)  # a one-municipality cluster still shows as a ring
    angles = [2 * math.pi * k / 48 for k in range(49)]
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * max(math.cos(math.radians(lat)), 0.2))
    return [lon + dlon * math.cos(a) for a in angles], [lat + dlat * math.sin(a) for a in angles]
