"""Grants: the owning agency lets another agency read a record, for a while; and who read what."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import AccessRequest, Agency, Grant, User
from bicentennial.access.service import get_agency
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.audit.models import AuditEntry
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput, NotFound, PermissionDenied
from bicentennial.core.i18n import N_

MAX_GRANT_DAYS = 366


def end_of_day(value: str, field: str = "expires") -> datetime:
    """A grant "until 2027-01-31" lasts through that whole day (UTC)."""
    try:
        return datetime.combine(date.fromisoformat(value), time(23, 59, 59), tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not a date like 2027-01-31") from None


@dataclass(frozen=True)
class GrantTerms:
    agency: str
    expires_at: datetime
    purpose: str = ""
    allow_court_use: bool = False
    allow_onward: bool = False


def _owned_for_sharing(session: Session, actor: User, ref: str) -> Any:
    record = records.resolve(session, ref)
    if records.access_via(session, actor, record) is None:
        raise NotFound(f"No {ref}")
    if record.owner_agency_id != actor.agency_id or not policy.can(actor, "records.share"):
        raise PermissionDenied(N_("Only the owning agency can grant access to this record."))
    return record


def create_grant(*, session: Session, actor: User, ref: str, terms: GrantTerms) -> Grant:
    record = _owned_for_sharing(session, actor, ref)
    grantee = get_agency(session=session, code=terms.agency)
    _check_terms(record, grantee, actor, terms)
    grant = Grant(
        record_type=record.RECORD_TYPE,
        record_id=record.id,
        owner_agency_id=actor.agency_id,
        agency_id=grantee.id,
        purpose=terms.purpose.strip()[:500],
        allow_court_use=terms.allow_court_use,
        allow_onward=terms.allow_onward,
        granted_by_id=actor.id,
        expires_at=terms.expires_at,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        events.GrantCreated(
            **events.by(actor),
            target=record.ref,
            owner=actor.agency.code,
            grantee=grantee.code,
            expires=terms.expires_at.isoformat(),
            allow_court_use=terms.allow_court_use,
            allow_onward=terms.allow_onward,
        ),
    )
    return grant


def _check_terms(record: Any, grantee: Agency, actor: User, terms: GrantTerms) -> None:
    now = utcnow()
    if grantee.id == actor.agency_id:
        raise InvalidInput("agency: your own agency already sees its records")
    if terms.expires_at.tzinfo is None:
        raise InvalidInput("expires: give a date or a time with a time zone")
    if terms.expires_at <= now:
        raise InvalidInput("expires: must be in the future")
    if terms.expires_at > now + timedelta(days=MAX_GRANT_DAYS):
        raise InvalidInput(f"expires: grants last at most {MAX_GRANT_DAYS} days")
    if record.handling_code == "H0" and not grantee.law_enforcement:
        raise InvalidInput(f"agency: {grantee.code} is not a law-enforcement agency and the record is H0")


def revoke_grant(*, session: Session, actor: User, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None or grant.owner_agency_id != actor.agency_id:
        raise NotFound(f"No grant {grant_id}")
    if not policy.can(actor, "records.share"):
        raise PermissionDenied(N_("Only the owning agency can grant access to this record."))
    if grant.revoked_at is None:
        grant.revoked_at, grant.revoked_by_id = utcnow(), actor.id
        audit.record(
            session,
            events.GrantRevoked(
                **events.by(actor),
                target=f"{grant.record_type}:{grant.record_id}",
                owner=actor.agency.code,
                grantee=grant.agency.code,
            ),
        )
    return grant


def list_grants(*, session: Session, actor: User, direction: str = "given", ref: str | None = None) -> list[Grant]:
    """Grants the actor's agency gave (``given``) or holds (``received``)."""
    if direction not in ("given", "received"):
        raise InvalidInput("direction: 'given' or 'received'")
    column = Grant.owner_agency_id if direction == "given" else Grant.agency_id
    query = select(Grant).where(column == actor.agency_id).order_by(Grant.created_at.desc())
    if ref:
        kind, _, raw = ref.partition(":")
        query = query.where(Grant.record_type == kind, Grant.record_id == (int(raw) if raw.isdigit() else -1))
    return list(session.scalars(query))


def ask_for_access(*, session: Session, actor: User, ref: str, reason: str) -> None:
    """Ask the owner for a grant. Answers, and audits, the same whether or not the record exists."""
    policy.require(actor, "records.read")
    if not reason.strip():
        raise InvalidInput("reason: say why your agency needs the record")
    # The asker's audit entry names no owner: it must not reveal whether, or whose, the record is.
    audit.record(session, events.AccessRequested(**events.by(actor), target=ref[:200], reason=reason.strip()[:200]))
    try:
        record = records.resolve(session, ref)
    except NotFound:
        return
    if record.owner_agency_id == actor.agency_id:
        return
    session.add(
        AccessRequest(
            record_type=record.RECORD_TYPE,
            record_id=record.id,
            owner_agency_id=record.owner_agency_id,
            agency_id=actor.agency_id,
            requested_by_id=actor.id,
            reason=reason.strip()[:1000],
        )
    )
    session.flush()


def pending_access_requests(*, session: Session, actor: User) -> list[AccessRequest]:
    if not policy.can(actor, "records.share"):
        return []
    query = select(AccessRequest).where(
        AccessRequest.owner_agency_id == actor.agency_id, AccessRequest.status == "pending"
    )
    return list(session.scalars(query.order_by(AccessRequest.created_at)))


def decide_access_request(
    *, session: Session, actor: User, request_id: int, approve: bool, terms: GrantTerms | None = None
) -> AccessRequest:
    asked = session.get(AccessRequest, request_id)
    if asked is None or asked.owner_agency_id != actor.agency_id:
        raise NotFound(f"No access request {request_id}")
    if asked.status != "pending":
        raise InvalidInput(f"access request {request_id} was already {asked.status}")
    ref = f"{asked.record_type}:{asked.record_id}"
    if approve:
        expires = terms.expires_at if terms else utcnow() + timedelta(days=30)
        terms = replace(terms, agency=asked.agency.code) if terms else GrantTerms(asked.agency.code, expires)
        asked.grant_id = create_grant(session=session, actor=actor, ref=ref, terms=terms).id
    else:
        _owned_for_sharing(session, actor, ref)
    asked.status, asked.decided_at, asked.decided_by_id = ("approved" if approve else "denied"), utcnow(), actor.id
    audit.record(
        session,
        events.AccessRequestDecided(**events.by(actor), target=ref, owner=actor.agency.code, decision=asked.status),
    )
    return asked


@dataclass(frozen=True)
class ReadRow:
    ts: datetime
    reader: str | None
    reader_agency: str | None
    reader_country: str
    record: str | None
    cross_border: bool
    via: str


def access_report(
    *, session: Session, actor: User, cross_border_only: bool = True, limit: int = 500, offset: int = 0
) -> list[ReadRow]:
    """Who outside the actor's agency read its records (by default: who in the other country)."""
    policy.require(actor, "audit.read")
    query = (
        select(AuditEntry, Agency.country)
        .join(Agency, Agency.code == AuditEntry.agency)
        .where(AuditEntry.kind == events.RecordRead.kind, AuditEntry.owner == actor.agency.code)
        .where(AuditEntry.agency != actor.agency.code)
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    if cross_border_only:
        query = query.where(Agency.country != actor.agency.country)
    rows = []
    for entry, country in session.execute(query):
        data = audit.as_dict(entry)["data"]
        rows.append(
            ReadRow(
                entry.ts,
                entry.actor,
                entry.agency,
                country,
                entry.target,
                country != actor.agency.country,
                data.get("via", ""),
            )
        )
    return rows
