"""Reading pre-export notifications: filtered lists, the overdue rule, and suspicious-order flags.

Every query starts from ``records.visible_clause``, so lists, counts, exports and the history the
suspicious-order rules learn from hold only what the actor may see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bicentennial.access import records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.models import PreExportNotification as PEN
from bicentennial.precursors.registry import bundled
from bicentennial.precursors.suspicious import flag_orders
from bicentennial.precursors.suspicious_support import Order

DIRECTIONS = ("sent", "received")
BAD_DIRECTION = "direction: {value!r} is not one of sent, received"
FLAGS_PURPOSE = "suspicious-order flags of a pre-export notification"


@dataclass(frozen=True)
class NotificationFilter:
    direction: str | None = None  # "sent" (my agency exports) | "received" (my agency imports)
    status: str | None = None
    substance: str | None = None
    overdue: bool = False
    synthetic: bool | None = None
    q: str | None = None  # exporter or importer name


def is_overdue(n: PEN, today: date) -> bool:
    """Submitted, not answered, and the deadline has passed (the deadline day itself is still in time)."""
    return n.status == "submitted" and n.responded_at is None and n.deadline is not None and today > n.deadline


def responded_late(n: PEN) -> bool:
    """Answered after the deadline: accepted (a late answer is better than none) but marked."""
    return n.responded_at is not None and n.deadline is not None and n.responded_at.date() > n.deadline


def _query(actor: User, where: NotificationFilter, today: date) -> Any:
    query = select(PEN).where(records.visible_clause(actor, PEN))
    if where.direction not in (None, "", *DIRECTIONS):
        raise InvalidInput(BAD_DIRECTION.format(value=where.direction))
    if where.direction == "sent":
        query = query.where(PEN.owner_agency_id == actor.agency_id)
    elif where.direction == "received":
        query = query.where(PEN.importing_agency_id == actor.agency_id)
    if where.status:
        query = query.where(PEN.status == where.status)
    if where.substance:
        query = query.where(PEN.substance_id == where.substance.strip().upper())
    if where.overdue:
        query = query.where(PEN.status == "submitted", PEN.responded_at.is_(None), PEN.deadline < today)
    if where.synthetic is not None:
        query = query.where(PEN.synthetic == where.synthetic)
    if where.q:
        pattern = f"%{where.q.strip().lower()}%"
        query = query.where(or_(func.lower(PEN.exporter).like(pattern), func.lower(PEN.importer).like(pattern)))
    return query


def list_notifications(
    *,
    session: Session,
    actor: User,
    where: NotificationFilter | None = None,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> tuple[int, list[PEN]]:
    """Notifications the actor may see, newest first; each one of another agency shown is audited."""
    query = _query(actor, where or NotificationFilter(), today or utcnow().date())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(PEN.id.desc()).limit(limit).offset(offset)).unique())
    _note_reads(session, actor, rows)
    return total, rows


def all_visible(
    *, session: Session, actor: User, where: NotificationFilter | None = None, today: date | None = None
) -> list[PEN]:
    """Every visible notification (exports); reads of other agencies' rows are audited."""
    query = _query(actor, where or NotificationFilter(), today or utcnow().date())
    rows = list(session.scalars(query.order_by(PEN.id)).unique())
    _note_reads(session, actor, rows)
    return rows


def overdue_count(*, session: Session, actor: User, direction: str | None = None, today: date | None = None) -> int:
    """How many visible notifications await an answer past their deadline (``received``: ours to give)."""
    query = _query(actor, NotificationFilter(direction=direction, overdue=True), today or utcnow().date())
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _note_reads(session: Session, actor: User, rows: list[PEN]) -> None:
    records.note_reads(session, actor, [(r, records.via_for_visible(actor, r)) for r in rows])


def as_order(n: PEN, day: date | None = None) -> Order:
    """The notification as the suspicious-order rules see it: route from exporter through transits to importer."""
    when = n.shipment_date or day or (n.submitted_at.date() if n.submitted_at else None)
    route = (n.exporter_country, *n.transit, n.importer_country)
    return Order(str(n.id), n.importer, n.substance_id, n.amount, n.family, when, n.exporter, route)


def suspicion_flags(*, session: Session, actor: User, notification: PEN, now: datetime) -> list[dict[str, Any]]:
    """Flags of 21 CFR 1301.74(b)'s kinds (size, pattern, frequency) against earlier notifications of the
    substance that the actor may see; other agencies' records used this way are audited as analysed."""
    history = _history(session, actor, notification, now)
    substance = bundled().by_id.get(notification.substance_id)
    thresholds = {substance.id: substance.threshold_kg} if substance and substance.threshold_kg else {}
    found = flag_orders(
        [as_order(notification, now.date())], history=[as_order(h) for h in history], thresholds=thresholds
    )
    _note_analysed(session, actor, history)
    return [f.as_dict() for f in found.get(str(notification.id), [])]


def _history(session: Session, actor: User, n: PEN, now: datetime) -> list[PEN]:
    query = select(PEN).where(
        records.visible_clause(actor, PEN),
        PEN.substance_id == n.substance_id,
        PEN.id != n.id,
        PEN.submitted_at.is_not(None),
        PEN.submitted_at <= now,
    )
    return list(session.scalars(query.order_by(PEN.submitted_at, PEN.id)).unique())


def _note_analysed(session: Session, actor: User, used: list[PEN]) -> None:
    others = Counter(
        (h.owner_agency.code, h.owner_agency.country) for h in used if h.owner_agency_id != actor.agency_id
    )
    for (owner, owner_country), count in sorted(others.items()):
        audit.record(
            session,
            events.RecordsAnalysed(
                **events.by(actor),
                owner=owner,
                record_type=PEN.RECORD_TYPE,
                count=count,
                purpose=FLAGS_PURPOSE,
                cross_border=owner_country != actor.agency.country,
            ),
        )
