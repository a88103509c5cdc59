"""Firearm charts: where traced guns were bought and recovered, how fast, month by month."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go

from bicentennial.firearms.rows import TraceRow
from bicentennial.geo.choropleth import state_choropleth
from bicentennial.web.charts import PALETTE, layout

Gettext = Callable[[str], str]
SYNTHETIC_NOTE = "Bicentennial trace records visible to your agency"


def source_states(indicators: Any, us_fips: dict[str, str], names: dict[str, str], _: Gettext) -> str:
    values = {us_fips[s["state"]]: 100 * s["share"] for s in indicators.top_source_states if s["state"] in us_fips}
    return state_choropleth(
        values,
        "us",
        title=_("Where traced guns were first sold (share of US-sourced traces)"),
        unit="%",
        source=_(SYNTHETIC_NOTE),
        names=names,
        lower_is_better=False,
    )


def recovery_states(indicators: Any, names: dict[str, str], _: Gettext) -> str:
    values = {code: float(n) for code, n in dict(indicators.by_recovery_state).items()}
    return state_choropleth(
        values,
        "mx",
        title=_("Where guns were recovered in Mexico"),
        unit=_("guns"),
        source=_(SYNTHETIC_NOTE),
        names=names,
        lower_is_better=False,
    )


def time_to_crime(rows: list[TraceRow], _: Gettext) -> str:
    years = np.array([d / 365.25 for r in rows if (d := r.time_to_crime_days) is not None and d >= 0])
    fig = go.Figure(
        go.Histogram(x=years, xbins={"start": 0, "size": 0.5}, marker_color=PALETTE[1], name=_("traced guns"))
    )
    fig.add_vline(x=3, line_dash="dash", line_color=PALETTE[3], annotation_text=_("3 years"))
    return layout(
        fig,
        title=_("Time to crime: from first retail sale to recovery"),
        x=_("years"),
        y=_("guns"),
        source=_(SYNTHETIC_NOTE),
    )


def by_month(indicators: Any, _: Gettext) -> str:
    months = sorted(dict(indicators.by_month).items())
    fig = go.Figure(go.Bar(x=[m for m, _n in months], y=[n for _m, n in months], marker_color=PALETTE[2]))
    return layout(
        fig, title=_("Guns recovered and traced, by month of recovery"), x="", y=_("guns"), source=_(SYNTHETIC_NOTE)
    )


def flows(rows: list[TraceRow], mx_names: dict[str, str], _: Gettext, top: int = 40) -> str:
    """Source state → recovering state, the largest flows of US-sourced guns."""
    from collections import Counter

    pairs = Counter((r.dealer_state, r.recovery_state) for r in rows if r.us_sourced)
    chosen = pairs.most_common(top)
    sources = sorted({s for (s, _m), _n in chosen})
    sinks = sorted({m for (_s, m), _n in chosen})
    labels = sources + [mx_names.get(m, m) for m in sinks]
    index = {("us", s): i for i, s in enumerate(sources)} | {("mx", m): len(sources) + i for i, m in enumerate(sinks)}
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12, "thickness": 14, "color": PALETTE[1]},
            link={
                "source": [index["us", s] for (s, _m), _n in chosen],
                "target": [index["mx", m] for (_s, m), _n in chosen],
                "value": [n for _p, n in chosen],
                "color": "rgba(33,145,140,0.35)",
            },
        )
    )
    return layout(
        fig,
        title=_("From where guns were sold to where they were recovered"),
        x="",
        y="",
        source=_(SYNTHETIC_NOTE),
        height=560,
    )
