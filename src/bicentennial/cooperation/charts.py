"""The delay dashboard's charts."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from bicentennial.cooperation import vocabulary
from bicentennial.cooperation.analytics import Dashboard
from bicentennial.web.charts import PALETTE, layout


def delays_by_type(board: Dashboard, _: Callable[[str], str], lang: str) -> str:
    rows = [s for s in board.by_type if s.measure == "close" and s.n]
    names = [
        vocabulary.request_types()[s.group].label(lang) if s.group in vocabulary.request_types() else s.group
        for s in rows
    ]
    fig = go.Figure(
        [
            go.Bar(name=_("Median"), x=names, y=[s.median for s in rows], marker_color=PALETTE[1]),
            go.Bar(name=_("90th percentile"), x=names, y=[s.p90 for s in rows], marker_color=PALETTE[3]),
        ]
    )
    fig.update_layout(barmode="group")
    return layout(
        fig,
        title=_("Days from sending to closing, by request type (net of time on hold)"),
        x="",
        y=_("days"),
        source=_source(board, _),
    )


def trend(board: Dashboard, _: Callable[[str], str], lang: str) -> str:
    months = [t.month for t in board.trend]
    fig = go.Figure(
        [
            go.Scatter(
                name=_("Median days to close"),
                x=months,
                y=[t.median_days_to_close for t in board.trend],
                mode="lines+markers",
                line={"color": PALETTE[0]},
            ),
            go.Scatter(
                name=_("90th percentile"),
                x=months,
                y=[t.p90_days_to_close for t in board.trend],
                mode="lines",
                line={"color": PALETTE[2], "dash": "dot"},
            ),
            go.Bar(
                name=_("Requests sent"),
                x=months,
                y=[t.sent for t in board.trend],
                yaxis="y2",
                marker_color=PALETTE[4],
                opacity=0.5,
            ),
        ]
    )
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": _("requests"), "showgrid": False})
    return layout(
        fig,
        title=_("Delay of requests closed each month, and requests sent"),
        x=_("month"),
        y=_("days"),
        source=_source(board, _),
    )


def _source(board: Dashboard, _: Callable[[str], str]) -> str:
    text = _("Source: Bicentennial request records visible to your agency, %(date)s UTC.") % {
        "date": f"{board.now:%Y-%m-%d %H:%M}"
    }
    if board.synthetic:
        text += " " + _("Includes %(n)s synthetic demo records.") % {"n": board.synthetic}
    return text
