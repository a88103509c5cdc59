"""Ownership of operational records, and the one rule that decides who sees them.

Every operational record (request, trace, scan, shipment, notification, evidence)
mixes in ``OwnedRecord``: an owning agency, a handling code and a sensitivity
level. A user sees a record when (a) their agency owns it, is a party to it
(e.g. the receiving agency of a request once sent), or holds an active grant
from the owner, and (b) their clearance reaches its sensitivity. Default deny.
The rule is one SQL clause, so lists, search and exports filter in the
database and nothing leaks through them.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, ClassVar, Literal

import yaml
from sqlalchemy import ColumnElement, ForeignKey, String, and_, exists, false, or_, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from bicentennial.access import policy
from bicentennial.access.models import Agency, Grant, User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import UTCDateTime, utcnow
from bicentennial.core.errors import ConfigError, InvalidInput, NotFound, PermissionDenied
from bicentennial.core.i18n import N_

Via = Literal["own", "party", "grant"]


@cache
def vocabulary() -> dict[str, Any]:
    raw = yaml.safe_load(resources.files("bicentennial.access").joinpath("handling.yaml").read_text("utf-8"))
    if set(raw.get("handling_codes", {})) != {"H0", "H1", "H2"}:
        raise ConfigError("bicentennial/access/handling.yaml: handling_codes must be exactly H0, H1, H2")
    return dict(raw)


def sensitivity_levels() -> list[str]:
    return [level["code"] for level in vocabulary()["sensitivity"]]


def levels_up_to(clearance: str) -> list[str]:
    levels = sensitivity_levels()
    return levels[: levels.index(clearance) + 1] if clearance in levels else []


def validate_marking(handling_code: str, sensitivity: str) -> None:
    if handling_code not in vocabulary()["handling_codes"]:
        raise InvalidInput(f"handling_code: {handling_code!r} is not one of H0, H1, H2")
    if sensitivity not in sensitivity_levels():
        raise InvalidInput(f"sensitivity: {sensitivity!r} is not one of {', '.join(sensitivity_levels())}")


class OwnedRecord:
    """Columns every operational record carries. Subclasses set ``RECORD_TYPE``."""

    RECORD_TYPE: ClassVar[str]

    @declared_attr
    def owner_agency_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("agencies.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"), nullable=True)

    handling_code: Mapped[str] = mapped_column(String(2), default="H2")
    sensitivity: Mapped[str] = mapped_column(String(16), default="restricted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    id: Mapped[int]

    @classmethod
    def party_clause(cls, agency_id: int) -> ColumnElement[bool]:
        """Agencies other than the owner that are parties to the record (none by default)."""
        return false()

    def is_party(self, agency_id: int) -> bool:
        return False

    @property
    def ref(self) -> str:
        return f"{self.RECORD_TYPE}:{self.id}"


RECORD_TYPES: dict[str, type[Any]] = {}


def register(model: type[Any]) -> type[Any]:
    """Class decorator: make a model grantable by ``record_type``."""
    RECORD_TYPES[model.RECORD_TYPE] = model
    return model


def _active_grant(model: Any, agency_id: int, now: datetime) -> ColumnElement[bool]:
    return exists(
        select(Grant.id).where(
            Grant.record_type == model.RECORD_TYPE,
            Grant.record_id == model.id,
            Grant.agency_id == agency_id,
            Grant.revoked_at.is_(None),
            Grant.expires_at > now,
        )
    )


def visible_clause(user: User, model: Any) -> ColumnElement[bool]:
    """SQL condition: rows of ``model`` this user may read."""
    if not policy.can(user, "records.read"):
        return false()
    related = or_(
        model.owner_agency_id == user.agency_id,
        model.party_clause(user.agency_id),
        _active_grant(model, user.agency_id, utcnow()),
    )
    return and_(related, model.sensitivity.in_(levels_up_to(user.clearance)))


def via_for_visible(user: User, record: Any) -> Via:
    """How a record already filtered by ``visible_clause`` reached the user."""
    if record.owner_agency_id == user.agency_id:
        return "own"
    return "party" if record.is_party(user.agency_id) else "grant"


def access_via(session: Session, user: User, record: Any) -> Via | None:
    if not policy.can(user, "records.read") or record.sensitivity not in levels_up_to(user.clearance):
        return None
    if record.owner_agency_id == user.agency_id:
        return "own"
    if record.is_party(user.agency_id):
        return "party"
    return "grant" if active_grant(session, record, user.agency_id) else None


def active_grant(session: Session, record: Any, agency_id: int) -> Grant | None:
    return session.scalar(
        select(Grant)
        .where(
            Grant.record_type == record.RECORD_TYPE,
            Grant.record_id == record.id,
            Grant.agency_id == agency_id,
            Grant.revoked_at.is_(None),
            Grant.expires_at > utcnow(),
        )
        .order_by(Grant.expires_at.desc())
        .limit(1)
    )


def read(session: Session, user: User, model: Any, record_id: int) -> Any:
    """Load one record for reading, or NotFound (never 403: existence must not leak)."""
    record = session.get(model, record_id)
    via = access_via(session, user, record) if record is not None else None
    if record is None or via is None:
        raise NotFound(f"No {model.RECORD_TYPE} {record_id}")
    note_reads(session, user, [(record, via)], detail=True)
    return record


def note_reads(session: Session, user: User, seen: list[tuple[Any, Via]], *, detail: bool = False) -> None:
    """Audit reads of other agencies' records (every one), and detail reads of restricted ones."""
    owners = _agency_codes(session, {r.owner_agency_id for r, _ in seen})
    for record, via in seen:
        other = record.owner_agency_id != user.agency_id
        if not other and not (detail and record.sensitivity != "basic"):
            continue
        owner_code, owner_country = owners[record.owner_agency_id]
        audit.record(
            session,
            events.RecordRead(
                **events.by(user),
                target=record.ref,
                owner=owner_code,
                reader_country=user.agency.country,
                cross_border=owner_country != user.agency.country,
                via=via,
            ),
        )


def _agency_codes(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(select(Agency.id, Agency.code, Agency.country).where(Agency.id.in_(ids)))
    return {row.id: (row.code, row.country) for row in rows}


def require_owner(user: User, record: Any, action: str = "records.write") -> None:
    """Writes belong to the owning agency alone; grants and party access are read-only."""
    if record.owner_agency_id != user.agency_id or not policy.can(user, action):
        raise PermissionDenied(N_("Only the owning agency can change this record."))


def may_share_onward(session: Session, user: User, record: Any) -> bool:
    """H2 records leave a non-owner's hands (exports, onward sharing) only with the owner's leave."""
    if record.owner_agency_id == user.agency_id or record.handling_code != "H2":
        return True
    grant = active_grant(session, record, user.agency_id)
    return bool(grant and grant.allow_onward)


def may_use_in_court(session: Session, user: User, record: Any) -> bool:
    if record.owner_agency_id == user.agency_id or record.handling_code != "H1":
        return True
    grant = active_grant(session, record, user.agency_id)
    return bool(grant and grant.allow_court_use)


def resolve(session: Session, ref: str) -> Any:
    """``"request:12"`` to the record (no access check: callers check)."""
    kind, _, raw_id = ref.partition(":")
    model = RECORD_TYPES.get(kind)
    if model is None or not raw_id.isdigit():
        raise InvalidInput(f"record: {ref!r} is not a record reference like 'request:12'")
    record = session.get(model, int(raw_id))
    if record is None:
        raise NotFound(f"No {ref}")
    return record
