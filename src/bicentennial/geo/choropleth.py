"""State maps drawn as filled SVG shapes: no map tiles, no WebGL, works offline and in print."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from bicentennial.web.charts import layout


def state_choropleth(
    values: dict[str, float],
    country: str,
    *,
    title: str,
    unit: str,
    source: str,
    names: dict[str, str] | None = None,
    lower_is_better: bool = True,
    height: int = 520,
) -> str:
    """Mexican or US states coloured by ``values`` (keys ``mx:NN`` / ``us:NN``); grey where none."""
    names = names or {}
    low, high = (min(values.values()), max(values.values())) if values else (0.0, 1.0)
    scale = "Viridis_r" if lower_is_better else "Viridis"
    fig = go.Figure()
    for feature in states_geojson(country)["features"]:
        code = feature["id"]
        xs, ys = _outline(feature["geometry"])
        value = values.get(code)
        colour = "#e8edf2" if value is None else sample_colorscale(scale, [(value - low) / ((high - low) or 1)])[0]
        label = f"{names.get(code, code)}: " + ("—" if value is None else f"{value:,.1f} {unit}")
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=colour,
                mode="lines",
                hoverinfo="text",
                text=label,
                hoveron="fills",
                line={"color": "white", "width": 0.6},
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker={
                "colorscale": scale,
                "cmin": low,
                "cmax": high,
                "color": [low],
                "showscale": True,
                "colorbar": {"title": {"text": unit}, "thickness": 14},
            },
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.15 if country == "mx" else 1.3)
    return layout(fig, title=title, x="", y="", source=source, height=height)


def _outline(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    """Rings joined by gaps, thinned to every other point (plenty at this size)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in polygons:
        for ring in polygon:
            points = [*ring[::2], ring[0]] if len(ring) > 40 else ring
            if points[0][0] > 0:  # the far Pacific past the date line (Aleutians, Guam) would squash the map
                continue
            xs.extend(round(p[0], 3) for p in points)
            ys.extend(round(p[1], 3) for p in points)
            xs.append(None)
            ys.append(None)
    return xs, ys


@cache
def states_geojson(country: str) -> dict[str, Any]:
    """States as GeoJSON with ``id`` = ``mx:NN`` / ``us:NN``, for Plotly choropleths."""
    name = "mx_estados.geojson" if country == "mx" else "us_states.geojson"
    raw = json.loads(resources.files("bicentennial.geo").joinpath("data", name).read_text("utf-8"))
    for feature in raw["features"]:
        if country == "mx":
            feature["id"] = f"mx:{feature['properties']['cve_ent']}"
    return dict(raw)
