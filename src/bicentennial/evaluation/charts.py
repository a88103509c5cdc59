"""Charts of an evaluation: treated vs counterfactual, the gap, placebo spaghetti, the event study."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from bicentennial.web.charts import PALETTE, layout

Gettext = Callable[[str], str]


def _x(periods: list[str]) -> list[Any]:
    """Years as numbers (Plotly would read "2015" as a date and stack the points); months stay dates."""
    return [int(p) for p in periods] if all(len(p) == 4 and p.isdigit() for p in periods) else periods


def _start_line(fig: go.Figure, start: str, _: Gettext) -> None:
    x = _x([start])[0]
    fig.add_vline(x=x, line={"color": "#888", "dash": "dash", "width": 1})
    fig.add_annotation(x=x, y=1, yref="paper", text=_("treatment starts"), showarrow=False, xanchor="left")


def charts_for(method: str, result: dict[str, Any], _: Gettext, source: str) -> list[tuple[str, str]]:
    """(element id, figure JSON) pairs for the run page and the report."""
    if method == "synth":
        return _synth(result, _, source)
    if method == "its":
        return _its(result, _, source)
    return _did(result, _, source)


def _synth(r: dict[str, Any], _: Gettext, source: str) -> list[tuple[str, str]]:
    periods = _x(r["periods"])
    main = go.Figure()
    main.add_trace(
        go.Scatter(x=periods, y=r["observed"], name=str(r["treated"]), line={"color": PALETTE[0], "width": 2.5})
    )
    main.add_trace(
        go.Scatter(
            x=periods,
            y=r["synthetic"],
            name=_("synthetic counterpart"),
            line={"color": PALETTE[2], "dash": "dash", "width": 2.5},
        )
    )
    _start_line(main, r["treatment_start"], _)
    gap = go.Figure()
    for unit, series in (r.get("placebos") or {}).get("gaps", {}).items():
        if unit != r["treated"]:
            gap.add_trace(
                go.Scatter(
                    x=periods,
                    y=series,
                    mode="lines",
                    line={"color": "#c9ced6", "width": 1},
                    hoverinfo="name",
                    name=unit,
                    showlegend=False,
                )
            )
    for unit, series in (r.get("robustness") or {}).get("leave_one_out", {}).items():
        gap.add_trace(
            go.Scatter(
                x=periods,
                y=series,
                mode="lines",
                line={"color": "#f1b6da", "width": 1.2},
                name=_("without %(unit)s") % {"unit": unit},
                showlegend=False,
                hoverinfo="name",
            )
        )
    gap.add_trace(
        go.Scatter(
            x=periods,
            y=[g["gap"] for g in r["gaps"]],
            name=_("gap (treated − synthetic)"),
            line={"color": PALETTE[0], "width": 2.5},
        )
    )
    gap.add_hline(y=0, line={"color": "#444", "width": 1})
    _start_line(gap, r["treatment_start"], _)
    title_gap = _("Gap, with placebo gaps in grey and leave-one-out gaps in pink") if r.get("placebos") else _("Gap")
    return [
        ("chart-main", layout(main, title=_("Treated and synthetic counterpart"), x="", y=_("outcome"), source=source)),
        ("chart-gap", layout(gap, title=title_gap, x="", y=_("treated − synthetic"), source=source)),
    ]


def _its(r: dict[str, Any], _: Gettext, source: str) -> list[tuple[str, str]]:
    post = r["periods"].index(r["treatment_start"])
    periods = _x(r["periods"])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=periods[post:] + periods[post:][::-1],
            y=r["counterfactual_high"][post:] + r["counterfactual_low"][post:][::-1],
            fill="toself",
            fillcolor="rgba(33,145,140,0.15)",
            line={"width": 0},
            hoverinfo="skip",
            mode="lines",
            name=_("counterfactual interval"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=r["observed"],
            name=_("observed"),
            mode="lines+markers",
            line={"color": PALETTE[0]},
            marker={"size": 4},
        )
    )
    fig.add_trace(go.Scatter(x=periods, y=r["fitted"], name=_("fitted"), line={"color": PALETTE[1]}))
    fig.add_trace(
        go.Scatter(
            x=periods[post:],
            y=r["counterfactual"][post:],
            name=_("counterfactual (no interruption)"),
            line={"color": PALETTE[2], "dash": "dash"},
        )
    )
    _start_line(fig, r["treatment_start"], _)
    return [
        ("chart-main", layout(fig, title=_("Observed, fitted and counterfactual"), x="", y=_("outcome"), source=source))
    ]


def _did(r: dict[str, Any], _: Gettext, source: str) -> list[tuple[str, str]]:
    es = r["event_study"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[e["event_time"] for e in es],
            y=[e["att"] for e in es],
            mode="markers+lines",
            name="ATT",
            line={"color": PALETTE[0]},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [e["ci_high"] - e["att"] for e in es],
                "arrayminus": [e["att"] - e["ci_low"] for e in es],
            },
        )
    )
    fig.add_hline(y=0, line={"color": "#444", "width": 1})
    fig.add_vline(x=-0.5, line={"color": "#888", "dash": "dash", "width": 1})
    return [
        (
            "chart-main",
            layout(
                fig,
                title=_("Event study: effect by months since treatment"),
                x=_("periods since first treatment"),
                y="ATT",
                source=source,
            ),
        )
    ]
