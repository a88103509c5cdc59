"""Outcome charts: a series with its baseline and target, the INEGI–SESNSP comparison, state maps."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
from sqlalchemy.orm import Session

from bicentennial.geo.choropleth import state_choropleth
from bicentennial.outcomes.framework import Indicator
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
    return state_choropleth(
        values,
        country,
        title=f"{indicator.name(lang)}, {_('by state')}, {period or '—'}",
        unit=indicator.unit(lang),
        source=f"{_('Source')}: {indicator.source_name}",
        names=names,
        lower_is_better=indicator.lower_is_better,
    )
