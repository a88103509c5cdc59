"""Requests to delay rows and the dashboard's tables; a thin layer over ``delays``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bicentennial.access import records
from bicentennial.access.models import User
from bicentennial.cooperation import delays
from bicentennial.cooperation.models import Request
from bicentennial.cooperation.service import RequestFilter, all_visible
from bicentennial.core.db import utcnow


def times_of(r: Request) -> delays.RequestTimes:
    return delays.RequestTimes(
        id=r.id,
        type=r.type,
        receiving_agency=r.receiving_agency.code,
        requesting_agency=r.owner_agency.code,
        status=r.status,
        sent_at=r.sent_at,
        acknowledged_at=r.acknowledged_at,
        closed_at=r.closed_at,
        hold_days=r.hold_days,
        hold_started_at=r.hold_started_at,
        subject=r.subject,
        synthetic=r.synthetic,
    )


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    count: int
    by_type: list[delays.Summary]
    by_stage: list[delays.Summary]
    by_agency: list[delays.Summary]
    overdue: list[delays.Overdue]
    trend: list[delays.MonthTrend]
    cohorts: list[delays.Cohort]
    synthetic: int
    shareable: frozenset[int]  # requests the actor may pass on (H2 of other agencies needs the owner's leave)

    def table(self, name: str) -> list[dict[str, Any]]:
        return [asdict(row) for row in getattr(self, name)]


TABLES = ("by_type", "by_stage", "by_agency", "overdue", "trend", "cohorts")


def dashboard(*, session: Session, actor: User, where: RequestFilter | None = None) -> Dashboard:
    """Every delay table over the requests the actor may see."""
    now = utcnow()
    visible = all_visible(session=session, actor=actor, where=where)
    rows = [times_of(r) for r in visible]
    return Dashboard(
        now=now,
        count=len(rows),
        by_type=delays.summarise(rows, lambda r: r.type, now),
        by_stage=delays.by_stage(rows, now),
        by_agency=delays.summarise(rows, lambda r: r.receiving_agency, now),
        overdue=delays.overdue(rows, now),
        trend=delays.trend(rows),
        cohorts=delays.cohorts(rows),
        synthetic=sum(r.synthetic for r in rows),
        shareable=frozenset(r.id for r in visible if records.may_share_onward(session, actor, r)),
    )
