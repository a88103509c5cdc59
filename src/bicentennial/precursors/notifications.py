"""Pre-export notifications (as in INCB PEN Online): file, submit, respond, cancel, record incidents.

Article 12(10) of the 1988 UN Convention lets an importing country ask to be told of every export of a
Table I substance before it leaves; the exporting authority files a notification and the importing
authority confirms or objects. The exporting agency owns the record; the importing agency becomes a party
once it is submitted. Incidents (a shipment stopped or seized) follow INCB's PICS: either side may
record one. Reads and list filters go through :mod:`bicentennial.access.records`, so a third agency
never learns a notification exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import utcnow
from bicentennial.core.errors import Conflict, InvalidInput, PermissionDenied
from bicentennial.core.i18n import N_
from bicentennial.precursors import notification_checks as checks
from bicentennial.precursors.models import NotificationEvent, PreExportNotification
from bicentennial.precursors.notification_queries import (
    NotificationFilter,
    all_visible,
    is_overdue,
    list_notifications,
    overdue_count,
    responded_late,
    suspicion_flags,
)

__all__ = [
    "RESPONSE_DAYS",
    "NotificationDraft",
    "NotificationFilter",
    "all_visible",
    "allowed_actions",
    "cancel",
    "file_notification",
    "get_notification",
    "is_overdue",
    "list_notifications",
    "overdue_count",
    "record_incident",
    "respond",
    "responded_late",
    "side_of",
    "submit",
]

# Many authorities answer a notification within 15 days: the INCB's PEN Online practice under art. 12(10)
# of the 1988 Convention, which names "a reasonable time" but no number. Kept a parameter of `submit`.
RESPONSE_DAYS = 15

DRAFT, SUBMITTED, CONFIRMED, OBJECTED = "draft", "submitted", "confirmed", "objected"
CANCELLED, STOPPED, SEIZED = "cancelled", "stopped", "seized"
STATUSES = (DRAFT, SUBMITTED, CONFIRMED, OBJECTED, CANCELLED, STOPPED, SEIZED)
DECISIONS = (CONFIRMED, OBJECTED)
INCIDENT_KINDS = (STOPPED, SEIZED)
CANCELLABLE = (DRAFT, SUBMITTED, CONFIRMED, OBJECTED)
INCIDENT_FROM = (SUBMITTED, CONFIRMED, OBJECTED, STOPPED)  # a stopped shipment may then be seized

ONLY_OWNER = N_("Only the exporting agency can change this notification.")
ONLY_IMPORTER = N_("Only the importing agency can confirm or object to this notification.")
ONLY_SIDES = N_("Only the exporting or the importing agency can record an incident.")
NOT_ALLOWED = N_("You are not allowed to do this.")
BAD_MOVE = "A notification cannot go from {status} to {to}"
BAD_DECISION = "decision: {value!r} is not one of confirmed, objected"
BAD_INCIDENT = "kind: {value!r} is not one of stopped, seized"
BAD_DAYS = "response_days: {value} is not between 1 and 90"
BAD_INCIDENT_QUANTITY = "quantity: {value} must be more than 0"
STALE = "Notification {id} changed meanwhile (version {version}); reload and retry"
RACE = "Notification {id} was changed by someone else at the same time; reload and retry"


@dataclass(frozen=True)
class NotificationDraft:
    """What the exporting authority declares; `substance` is a registry id or a name the registry knows."""

    importing_agency: str
    exporter: str
    exporter_country: str
    importer: str
    importer_country: str
    substance: str
    quantity: float | str
    unit: str
    concentration: float | None = None
    transit: tuple[str, ...] = field(default_factory=tuple)
    transport: str = ""
    shipment_date: date | None = None
    invoice: str = ""
    invoice_value: float | None = None
    handling_code: str = "H2"
    sensitivity: str = "restricted"


def file_notification(
    *, session: Session, actor: User, draft: NotificationDraft, synthetic: bool = False, now: datetime | None = None
) -> PreExportNotification:
    """A draft, seen by the exporting agency alone until submitted."""
    policy.require(actor, "records.write")
    now = now or utcnow()
    fields = checks.validated(session=session, actor=actor, draft=draft, today=now.date())
    notification = PreExportNotification(
        **fields, owner_agency_id=actor.agency_id, created_by_id=actor.id, status=DRAFT, synthetic=synthetic
    )
    notification.created_at = now
    session.add(notification)
    session.flush()
    notification.events.append(_event(actor, kind="filed", from_status="", to_status=DRAFT, at=now))
    session.flush()
    audit.record(
        session,
        events.NotificationFiled(
            **events.by(actor),
            target=notification.ref,
            owner=actor.agency.code,
            importing_agency=notification.importing_agency.code,
            substance=notification.substance_id,
            synthetic=synthetic,
        ),
    )
    return notification


def get_notification(*, session: Session, actor: User, notification_id: int) -> PreExportNotification:
    """NotFound for anyone who may not see it (a third agency; the importing side before submission)."""
    return records.read(session, actor, PreExportNotification, notification_id)


def side_of(actor: User, n: PreExportNotification) -> str | None:
    if n.owner_agency_id == actor.agency_id:
        return "exporting"
    return "importing" if n.is_party(actor.agency_id) else None


def allowed_actions(actor: User, n: PreExportNotification) -> list[str]:
    """What the actor may do next: submit, cancel (exporting side), respond (importing), incident (both)."""
    side = side_of(actor, n)
    if side is None or not policy.can(actor, "records.write"):
        return []
    found = []
    if side == "exporting" and n.status == DRAFT:
        found.append("submit")
    if side == "exporting" and n.status in CANCELLABLE:
        found.append("cancel")
    if side == "importing" and n.status == SUBMITTED:
        found.append("respond")
    if n.status in INCIDENT_FROM:
        found.append("incident")
    return found


def submit(
    *,
    session: Session,
    actor: User,
    notification_id: int,
    response_days: int = RESPONSE_DAYS,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PreExportNotification:
    """Send to the importing authority; the deadline is the submission date plus `response_days`."""
    if not 1 <= response_days <= 90:
        raise InvalidInput(BAD_DAYS.format(value=response_days))
    n = _owned(session, actor, notification_id, expected_version)
    _check_move(n, SUBMITTED, (DRAFT,))
    now = now or utcnow()
    flags = suspicion_flags(session=session, actor=actor, notification=n, now=now)  # reads before any change
    n.submitted_at, n.deadline = now, now.date() + timedelta(days=response_days)
    n.screening, n.flags = checks.screening_of(n.substance_id, now.date()), flags
    return _move(session, actor, n, SUBMITTED, at=now)


def respond(
    *,
    session: Session,
    actor: User,
    notification_id: int,
    decision: str,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PreExportNotification:
    """The importing authority's answer; accepted after the deadline too, and then marked late."""
    if decision not in DECISIONS:
        raise InvalidInput(BAD_DECISION.format(value=decision))
    n = get_notification(session=session, actor=actor, notification_id=notification_id)
    if side_of(actor, n) != "importing" or not policy.can(actor, "records.write"):
        raise PermissionDenied(ONLY_IMPORTER)
    _check_version(n, expected_version)
    _check_move(n, decision, (SUBMITTED,))
    n.responded_at = now = now or utcnow()
    return _move(session, actor, n, decision, at=now, note=note)


def cancel(
    *,
    session: Session,
    actor: User,
    notification_id: int,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PreExportNotification:
    n = _owned(session, actor, notification_id, expected_version)
    _check_move(n, CANCELLED, CANCELLABLE)
    return _move(session, actor, n, CANCELLED, at=now or utcnow(), note=note)


def record_incident(
    *,
    session: Session,
    actor: User,
    notification_id: int,
    kind: str,
    place: str = "",
    quantity: float | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PreExportNotification:
    """A PICS-style incident: the shipment was stopped or seized, where, and how much (in the declared unit)."""
    if kind not in INCIDENT_KINDS:
        raise InvalidInput(BAD_INCIDENT.format(value=kind))
    if quantity is not None and not quantity > 0:
        raise InvalidInput(BAD_INCIDENT_QUANTITY.format(value=quantity))
    n = get_notification(session=session, actor=actor, notification_id=notification_id)
    if side_of(actor, n) is None or not policy.can(actor, "records.write"):
        raise PermissionDenied(ONLY_SIDES)
    _check_version(n, expected_version)
    _check_move(n, kind, INCIDENT_FROM)
    return _move(session, actor, n, kind, at=now or utcnow(), note=note, place=place.strip()[:200], quantity=quantity)


def _owned(session: Session, actor: User, notification_id: int, expected_version: int | None) -> PreExportNotification:
    n = get_notification(session=session, actor=actor, notification_id=notification_id)
    if n.owner_agency_id != actor.agency_id or not policy.can(actor, "records.write"):
        raise PermissionDenied(ONLY_OWNER)
    _check_version(n, expected_version)
    return n


def _check_version(n: PreExportNotification, expected: int | None) -> None:
    if expected is not None and expected != n.version:
        raise Conflict(STALE.format(id=n.id, version=n.version))


def _check_move(n: PreExportNotification, to: str, allowed_from: tuple[str, ...]) -> None:
    if n.status not in allowed_from:
        raise InvalidInput(BAD_MOVE.format(status=n.status, to=to))


def _event(actor: User, **values: object) -> NotificationEvent:
    return NotificationEvent(by_user_id=actor.id, by_agency_id=actor.agency_id, **values)


def _move(
    session: Session, actor: User, n: PreExportNotification, to: str, *, at: datetime, note: str = "", **extra: object
) -> PreExportNotification:
    previous = n.status
    try:
        with session.no_autoflush:  # one flush, inside the try: a lost race surfaces here
            n.status = to
            n.events.append(
                _event(actor, kind=to, from_status=previous, to_status=to, at=at, note=note.strip()[:2000], **extra)
            )
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
            raise
        raise Conflict(RACE.format(id=n.id)) from None
    _audit_move(session, actor, n, previous, extra)
    return n


def _audit_move(
    session: Session, actor: User, n: PreExportNotification, previous: str, extra: dict[str, object]
) -> None:
    common = dict(**events.by(actor), target=n.ref, owner=n.owner_agency.code)
    if n.status in INCIDENT_KINDS:
        quantity = extra.get("quantity")
        event: events.Event = events.IncidentRecorded(
            **common,
            incident=n.status,
            place=str(extra.get("place", "")),
            quantity=float(quantity) if isinstance(quantity, int | float) else None,
        )
    else:
        event = events.NotificationTransitioned(
            **common,
            from_status=previous,
            to_status=n.status,
            late=responded_late(n) if n.status in DECISIONS else False,
        )
    audit.record(session, event)
