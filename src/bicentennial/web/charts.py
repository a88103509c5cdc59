"""Charts: Plotly figures built in Python, rendered by the Plotly JS bundled in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

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


def layout(fig: go.Figure, *, title: str, x: str, y: str, source: str) -> str:
    """Every chart says what it shows, its unit and its source."""
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        xaxis_title=x,
        yaxis_title=y,
        template="plotly_white",
        height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 80},
        legend={"orientation": "h", "y": -0.25},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    fig.add_annotation(
        text=source,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.32,
        showarrow=False,
        font={"size": 10, "color": "#4d5560"},
        xanchor="left",
    )
    return str(fig.to_json())
