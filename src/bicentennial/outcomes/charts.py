"""Outcome charts: a series with its baseline and target, the INEGI–SESNSP comparison, state maps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from sqlalchemy.orm import Session

from bicentennial.outcomes.framework import Indicator
from bicentennial.outcomes.maps import states_geojson
from bicentennial.outcomes.scorecard import annual_view, is_annual
from bicentennial.outcomes.store import Point, series
from bicentennial.web.charts import PALETTE, layout

Gettext = Callable[[str], str]


def series_chart(
    indicator: Indicator, points: list[Point], lang: str, _: Gettext, area_name: str, *, national: bool = True
) -> str:
    """Annual values (and monthly ones where published), baseline and target marked."""
    fig = go.Figure()
    monthly = [p for p in points if not is_annual(p.period) and p.value is not None]
    yearly = annual_view(indicator, points)
    if yearly:
        fig.add_trace(
            go.Scatter(
                x=[_x(p) for p, _v in yearly],
                y=[v for _p, v in yearly],
                mode="lines+markers",
                name=_("Annual"),
                line={"color": PALETTE[1], "width": 3},
            )
        )
    if monthly and indicator.frequency != "12m_ending":
        fig.add_trace(
            go.Scatter(
                x=[p.period for p in monthly],
                y=[p.value for p in monthly],
                mode="lines",
                name=_("Monthly"),
                yaxis="y2",
                line={"color": PALETTE[2], "width": 1},
            )
        )
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "title": _("per month")})
    marks = (indicator.baseline, indicator.target) if national else (None, None)  # baselines are national
    for mark, label, colour in (
        (marks[0], _("Baseline"), PALETTE[0]),
        (marks[1], _("Target"), PALETTE[3]),
    ):
        if mark is not None:
            text = f"{label} {mark.period}" + (f" ({_('illustrative')})" if mark.illustrative else "")
            fig.add_trace(
                go.Scatter(
                    x=[_x(mark.period)],
                    y=[mark.value],
                    mode="markers+text",
                    name=text,
                    text=[text],
                    textposition="top center",
                    marker={"size": 12, "symbol": "diamond", "color": colour},
                )
            )
    source = f"{_('Source')}: {indicator.source_name} — {indicator.source_title}"
    return layout(fig, title=f"{indicator.name(lang)} — {area_name}", x="", y=indicator.unit(lang), source=source)


def _x(period: str) -> str:
    """Plot years and fiscal years on the time axis (a fiscal year at its mid-point, in April)."""
    if period.startswith("FY"):
        return f"{int(period[2:6])}-04-01"
    return f"{period}-07-01" if len(period) == 4 else f"{period}-15"


def comparison_chart(session: Session, inegi: Indicator, sesnsp: Indicator, lang: str, _: Gettext) -> str:
    """INEGI death records and SESNSP victims, side by side: they count different things."""
    fig = go.Figure()
    for ind, colour in ((inegi, PALETTE[0]), (sesnsp, PALETTE[2])):
        yearly = annual_view(ind, series(session=session, indicator=ind.id, area="mx"))
        fig.add_trace(
            go.Scatter(
                x=[_x(p) for p, _v in yearly],
                y=[v for _p, v in yearly],
                mode="lines+markers",
                name=ind.name(lang),
                line={"color": colour},
            )
        )
    return layout(
        fig,
        title=_("Homicides in Mexico: two official counts"),
        x="",
        y=_("people"),
        source=_("Sources: INEGI death records (EDR); SESNSP victims in investigations."),
    )


def state_map(
    indicator: Indicator,
    period: str | None,
    values: dict[str, float],
    lang: str,
    _: Gettext,
    country: str,
    names: dict[str, str] | None = None,
) -> str:
    """A choropleth drawn as filled SVG shapes: no map tiles, no WebGL, works offline and in print."""
    names = names or {}
    low, high = min(values.values()), max(values.values())
    scale = "Viridis_r" if indicator.lower_is_better else "Viridis"
    fig = go.Figure()
    for feature in states_geojson(country)["features"]:
        code = feature["id"]
        xs, ys = _outline(feature["geometry"])
        value = values.get(code)
        colour = "#e8edf2" if value is None else sample_colorscale(scale, [(value - low) / ((high - low) or 1)])[0]
        label = f"{names.get(code, code)}: " + ("—" if value is None else f"{value:,.1f} {indicator.unit(lang)}")
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
                "colorbar": {"title": {"text": indicator.unit(lang)}, "thickness": 14},
            },
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.15 if country == "mx" else 1.3)
    out = layout(
        fig,
        title=f"{indicator.name(lang)}, {_('by state')}, {period or '—'}",
        x="",
        y="",
        source=f"{_('Source')}: {indicator.source_name}",
    )
    return out


def _outline(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    """Rings joined by gaps, thinned to every other point (plenty at this size)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in polygons:
        for ring in polygon:
            points = [*ring[::2], ring[0]] if len(ring) > 40 else ring
            if country_outside_view(points):
                continue
            xs.extend(round(p[0], 3) for p in points)
            ys.extend(round(p[1], 3) for p in points)
            xs.append(None)
            ys.append(None)
    return xs, ys


def country_outside_view(points: list[list[float]]) -> bool:
    """Leave out the far Pacific (Guam, the Aleutians past the date line) that would squash the map."""
    return any(p[0] > 0 for p in points[:1])
