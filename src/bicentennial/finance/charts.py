"""Charts of the finance pages: alerts by typology, and the network of a ranked component."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from bicentennial.finance.labels import NODE_KINDS, TYPOLOGIES
from bicentennial.web.charts import PALETTE, layout, spring_layout

_KIND_COLOURS = {"account": PALETTE[1], "counterparty": PALETTE[2], "designated": "#b2182b", "alert": "#e08214"}


def alerts_by_typology(counts: dict[str, int], _: Callable[[str], str], source: str) -> str:
    keys = sorted(counts, key=lambda k: counts[k])
    fig = go.Figure(
        go.Bar(
            x=[counts[k] for k in keys],
            y=[_(TYPOLOGIES.get(k, k)) for k in keys],
            orientation="h",
            marker_color=PALETTE[1],
        )
    )
    return layout(
        fig,
        title=_("Alerts by typology"),
        x=_("alerts"),
        y="",
        source=source,
        height=300,
        margin={"l": 300, "r": 20, "t": 70, "b": 50},
    )


def network_figure(network: dict[str, Any], rank: int, _: Callable[[str], str], source: str) -> str | None:
    nodes = [n for n in network["nodes"] if n["component"] == rank][:300]
    if not nodes:
        return None
    index = {n["id"]: i for i, n in enumerate(nodes)}
    edges = [
        (index[e["source"]], index[e["target"]])
        for e in network["edges"]
        if e["source"] in index and e["target"] in index
    ]
    pos = spring_layout(len(nodes), edges)
    fig = go.Figure()
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in edges:
        xs += [float(pos[a, 0]), float(pos[b, 0]), None]
        ys += [float(pos[a, 1]), float(pos[b, 1]), None]
    fig.add_trace(
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#bbbbbb", "width": 1}, hoverinfo="skip", showlegend=False)
    )
    for kind in sorted({n["kind"] for n in nodes}):
        members = [i for i, n in enumerate(nodes) if n["kind"] == kind]
        fig.add_trace(
            go.Scatter(
                x=pos[members, 0],
                y=pos[members, 1],
                mode="markers",
                name=_(NODE_KINDS.get(kind, kind)),
                text=[nodes[i]["label"] for i in members],
                hovertemplate="%{text}<extra></extra>",
                marker={
                    "size": 12 if kind in ("designated", "alert") else 9,
                    "color": _KIND_COLOURS.get(kind, PALETTE[3]),
                },
            )
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(
        fig,
        title=_("Network %(rank)s: accounts, counterparties and evidence") % {"rank": rank},
        x="",
        y="",
        source=source,
        height=520,
    )
