"""Values by state for choropleths, and the state boundaries they are drawn on."""

from __future__ import annotations

from datetime import date

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
