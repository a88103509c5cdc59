"""Charts: Plotly figures built in Python, rendered by the Plotly JS bundled in the package."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)
# Viridis steps: readable by colour-blind users, print well in grey.
PALETTE = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    path = Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


def layout(
    fig: go.Figure, *, title: str, x: str, y: str, source: str, height: int = 380, margin: dict[str, int] | None = None
) -> str:
    """Every chart says what it shows, its unit and its source (under the title, where nothing covers it)."""
    fig.update_layout(
        title={"text": f"{title}<br><sup>{source}</sup>", "x": 0, "font": {"size": 15}},
        xaxis_title=x,
        yaxis_title=y,
        template="plotly_white",
        height=height,
        margin=margin or {"l": 60, "r": 20, "t": 70, "b": 60},
        legend={"orientation": "h", "y": -0.15},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return str(fig.to_json())


def spring_layout(n: int, edges: list[tuple[int, int]], *, seed: int = 1, steps: int = 120) -> np.ndarray:
    """Fruchterman–Reingold positions for a small graph (a few hundred nodes), seeded: the same network
    is drawn the same way every time."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, size=(n, 2))
    if n < 2:
        return pos
    k = 1.0 / np.sqrt(n)
    src = np.array([a for a, _ in edges], dtype=int)
    dst = np.array([b for _, b in edges], dtype=int)
    temperature = 0.2
    for _ in range(steps):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(-1)) + 1e-9
        force = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(1)
        if len(edges):
            d = pos[src] - pos[dst]
            length = np.sqrt((d**2).sum(-1))[:, None] + 1e-9
            pull = d * length / k
            np.add.at(force, src, -pull)
            np.add.at(force, dst, pull)
        norm = np.sqrt((force**2).sum(-1))[:, None] + 1e-9
        pos += force / norm * np.minimum(norm, temperature)
        temperature *= 0.97
    return pos


def lead_network(graph: dict[str, Any], _: Callable[[str], str]) -> str:
    """Scans as points, leads as lines: scans linked by leads were fired by the same gun, by the method."""
    nodes = graph["nodes"]
    index = {n["id"]: i for i, n in enumerate(nodes)}
    edges = [(index[e["a"]], index[e["b"]]) for e in graph["edges"] if e["a"] in index and e["b"] in index]
    pos = spring_layout(len(nodes), edges)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in edges:
        xs += [float(pos[a, 0]), float(pos[b, 0]), None]
        ys += [float(pos[a, 1]), float(pos[b, 1]), None]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#999999"}, hoverinfo="skip", showlegend=False))
    fig.add_trace(
        go.Scatter(
            x=pos[:, 0],
            y=pos[:, 1],
            mode="markers+text",
            text=[n["case"] for n in nodes],
            textposition="top center",
            hovertext=[f"{n['case']} · {n['exhibit']} (#{n['id']})" for n in nodes],
            hoverinfo="text",
            marker={"size": 12, "color": PALETTE[1]},
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(fig, title=_("Crime scenes linked by leads"), x="", y="", source=_("leads not rejected"), height=460)
