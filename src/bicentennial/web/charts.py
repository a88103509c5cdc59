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
