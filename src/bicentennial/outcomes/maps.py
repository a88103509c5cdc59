"""Values by state for choropleths, and the state boundaries they are drawn on."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.geo.models import Area
from bicentennial.outcomes.framework import Indicator
from bicentennial.outcomes.scorecard import annual_view, country_of
from bicentennial.outcomes.store import series


def state_values(
    session: Session, indicator: Indicator, *, period: str | None = None, as_of: date | None = None
) -> tuple[str | None, dict[str, float]]:
    """One annual value per state for ``period`` (default: the latest year most states report)."""
    country = country_of(indicator)
    states = list(session.scalars(select(Area.code).where(Area.parent_code == country, Area.level == "state")))
    by_state = {
        code: dict(annual_view(indicator, series(session=session, indicator=indicator.id, area=code, as_of=as_of)))
        for code in states
    }
    if period is None:
        counts: dict[str, int] = {}
        for values in by_state.values():
            for p in values:
                counts[p] = counts.get(p, 0) + 1
        if not counts:
            return None, {}
        period = max(counts, key=lambda p: (counts[p] >= max(counts.values()) * 0.8, p))
    return period, {code: values[period] for code, values in by_state.items() if period in values}


@cache
def states_geojson(country: str) -> dict[str, Any]:
    """States as GeoJSON with ``id`` = ``mx:NN`` / ``us:NN``, for Plotly choropleths."""
    name = "mx_estados.geojson" if country == "mx" else "us_states.geojson"
    raw = json.loads(resources.files("bicentennial.geo").joinpath("data", name).read_text("utf-8"))
    for feature in raw["features"]:
        if country == "mx":
            feature["id"] = f"mx:{feature['properties']['cve_ent']}"
        _wind_for_d3(feature["geometry"])
    return dict(raw)


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1], strict=True))


def _wind_for_d3(geometry: dict[str, Any]) -> None:
    """Plotly's maps (d3-geo) want exterior rings clockwise; GeoJSON files often have them the other way,
    which d3 reads as "the whole globe except this state" and draws nothing useful."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for i, ring in enumerate(polygon):
            clockwise = _signed_area(ring) < 0
            if clockwise != (i == 0):
                ring.reverse()
