"""Requests: create, read, list, move through their lifecycle. Access via ``access.records``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bicentennial.access import records
from bicentennial.access.models import Agency, User
from bicentennial.access.service import get_agency
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.cooperation import vocabulary
from bicentennial.cooperation.models import Request, RequestTransition
from bicentennial.core.db import utcnow
from bicentennial.core.errors import Conflict, InvalidInput, PermissionDenied
from bicentennial.core.i18n import N_


@dataclass(frozen=True)
class RequestDraft:
    type: str
    receiving_agency: str
    subject: str
    handling_code: str = "H2"
    sensitivity: str = "restricted"
    description: str = ""
    legal_basis: str = ""
    priority: str = "normal"


@dataclass(frozen=True)
class RequestFilter:
    type: str | None = None
    status: str | None = None
    direction: str | None = None  # "sent" (my agency asks) | "received" (my agency is asked)
    q: str | None = None
    synthetic: bool | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)


def create_request(*, session: Session, actor: User, draft: RequestDraft, synthetic: bool = False) -> Request:
    records.validate_marking(draft.handling_code, draft.sensitivity)
    kind = vocabulary.request_types().get(draft.type)
    if kind is None:
        raise InvalidInput(f"type: {draft.type!r} is not one of {', '.join(vocabulary.request_types())}")
    if draft.priority not in vocabulary.priorities():
        raise InvalidInput(f"priority: {draft.priority!r} is not one of {', '.join(vocabulary.priorities())}")
    subject = draft.subject.strip()
    if not subject or len(subject) > 300:
        raise InvalidInput("subject: required, at most 300 characters")
    receiving = get_agency(session=session, code=draft.receiving_agency)
    if receiving.id == actor.agency_id:
        raise InvalidInput("receiving_agency: a request goes to another agency")
    if draft.handling_code == "H0" and not receiving.law_enforcement:
        raise InvalidInput(
            f"handling_code: H0 records go only to law-enforcement agencies; {receiving.code} is not one"
        )
    if not records.policy.can(actor, "records.write"):
        raise PermissionDenied(N_("You are not allowed to do this."))
    request = Request(
        type=kind.code,
        receiving_agency=receiving,
        subject=subject,
        description=draft.description.strip(),
        legal_basis=draft.legal_basis.strip() or kind.legal_basis,
        priority=draft.priority,
        handling_code=draft.handling_code,
        sensitivity=draft.sensitivity,
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        status="draft",
        hold_days=0.0,
        synthetic=synthetic,
    )
    session.add(request)
    session.flush()
    request.history.append(RequestTransition(to_status="draft", by_user_id=actor.id, by_agency_id=actor.agency_id))
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor),
            target=request.ref,
            owner=actor.agency.code,
            fields={"type": kind.code, "receiving_agency": receiving.code, "handling_code": draft.handling_code},
        ),
    )
    return request


def get_request(*, session: Session, actor: User, request_id: int) -> Request:
    return records.read(session, actor, Request, request_id)


def _query(actor: User, where: RequestFilter) -> Any:
    query = select(Request).where(records.visible_clause(actor, Request))
    if where.type:
        query = query.where(Request.type == where.type)
    if where.status:
        query = query.where(Request.status == where.status)
    if where.statuses:
        query = query.where(Request.status.in_(where.statuses))
    if where.direction == "sent":
        query = query.where(Request.owner_agency_id == actor.agency_id)
    elif where.direction == "received":
        query = query.where(Request.receiving_agency_id == actor.agency_id)
    if where.synthetic is not None:
        query = query.where(Request.synthetic == where.synthetic)
    if where.q:
        pattern = f"%{where.q.strip().lower()}%"
        query = query.where(
            or_(func.lower(Request.subject).like(pattern), func.lower(Request.description).like(pattern))
        )
    return query


def list_requests(
    *, session: Session, actor: User, where: RequestFilter | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[Request]]:
    """Requests the actor may see, newest first; each cross-agency row shown is audited."""
    query = _query(actor, where or RequestFilter())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(Request.id.desc()).limit(limit).offset(offset)).unique())
    _note_list_reads(session, actor, rows)
    return total, rows


def all_visible(*, session: Session, actor: User, where: RequestFilter | None = None) -> list[Request]:
    """Every visible request (analytics, exports); cross-agency rows are audited."""
    rows = list(session.scalars(_query(actor, where or RequestFilter()).order_by(Request.id)).unique())
    _note_list_reads(session, actor, rows)
    return rows


def _note_list_reads(session: Session, actor: User, rows: list[Request]) -> None:
    records.note_reads(session, actor, [(r, records.via_for_visible(actor, r)) for r in rows])


def side_of(actor: User, request: Request) -> str | None:
    if request.owner_agency_id == actor.agency_id:
        return "requesting"
    if request.is_party(actor.agency_id):
        return "receiving"
    return None


def allowed_moves(actor: User, request: Request) -> list[str]:
    side = side_of(actor, request)
    if side is None or not records.policy.can(actor, "records.write"):
        return []
    return [to for to, by in vocabulary.next_states(request.status).items() if by == side]


def transition(
    *,
    session: Session,
    actor: User,
    request_id: int,
    to: str,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Request:
    """Move a request; refuses illegal moves and stale writes (optimistic locking)."""
    request = get_request(session=session, actor=actor, request_id=request_id)
    mine = side_of(actor, request)
    if mine is None or not records.policy.can(actor, "records.write"):
        raise PermissionDenied(N_("Only the two sides of a request can move it."))
    if expected_version is not None and expected_version != request.version:
        raise Conflict(f"Request {request_id} changed meanwhile (version {request.version}); reload and retry")
    if to not in vocabulary.states():
        raise InvalidInput(f"to: {to!r} is not a request state")
    side = vocabulary.transitions().get((request.status, to))
    if side is None:
        raise InvalidInput(f"A request cannot go from {request.status} to {to}")
    if side != mine:
        raise PermissionDenied(N_("Only the other side of the request can make this move."))
    previous, now = request.status, at or utcnow()
    try:
        with session.no_autoflush:  # one flush, inside the try: a lost race surfaces here
            apply_status(request, to, now)
            request.history.append(
                RequestTransition(
                    from_status=previous,
                    to_status=to,
                    at=now,
                    by_user_id=actor.id,
                    by_agency_id=actor.agency_id,
                    note=note.strip()[:1000],
                )
            )
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
            raise
        # PostgreSQL: the UPDATE matched no row at the read version. SQLite: another writer
        # committed since our snapshot. Either way the other move won.
        raise Conflict(f"Request {request_id} was changed by someone else at the same time; reload and retry") from None
    audit.record(
        session,
        events.RequestTransitioned(
            **events.by(actor),
            target=request.ref,
            owner=request.owner_agency.code,
            from_status=previous,
            to_status=to,
        ),
    )
    return request


def apply_status(request: Request, to: str, now: datetime) -> None:
    if to == "sent":
        request.sent_at = now
    elif to == "acknowledged":
        request.acknowledged_at = now
    if to == "on_hold":
        request.hold_started_at = now
    elif request.hold_started_at is not None:
        request.hold_days += (now - request.hold_started_at).total_seconds() / 86400
        request.hold_started_at = None
    if vocabulary.states()[to].closed:
        request.closed_at = now
    request.status = to


def agencies_for_requests(*, session: Session, actor: User) -> list[Agency]:
    """Agencies a request can be sent to: every agency but the actor's."""
    return list(
        session.scalars(select(Agency).where(Agency.id != actor.agency_id).order_by(Agency.country, Agency.code))
    )
