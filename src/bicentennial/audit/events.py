"""Typed audit events: one class per kind, all registered in ``EVENT_TYPES``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: ClassVar[str] = "event"
    actor: str | None = None  # username; None for anonymous or system actions
    agency: str | None = None  # the actor's agency code
    target: str | None = None  # "type:id" of the record acted on
    owner: str | None = None  # agency code owning that record: who may ask "who read my records?"

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        for common in ("actor", "agency", "target", "owner"):
            data.pop(common)
        return data


class HasAgency(Protocol):
    code: str


class Acting(Protocol):
    """Any user-like object: a username and an agency with a code."""

    username: str

    @property
    def agency(self) -> HasAgency: ...


def by(user: Acting) -> dict[str, str]:
    """The ``actor`` and ``agency`` fields of an event done by ``user``."""
    return {"actor": user.username, "agency": user.agency.code}


@dataclass(frozen=True, kw_only=True)
class SignIn(Event):
    kind: ClassVar[str] = "auth.sign_in"
    channel: str = "web"


@dataclass(frozen=True, kw_only=True)
class SignInFailed(Event):
    kind: ClassVar[str] = "auth.sign_in_failed"
    username: str = ""
    reason: str = ""  # unknown_user | bad_password | locked | disabled (never shown to the client)


@dataclass(frozen=True, kw_only=True)
class AccountLocked(Event):
    kind: ClassVar[str] = "auth.account_locked"
    until: str = ""


@dataclass(frozen=True, kw_only=True)
class SignOut(Event):
    kind: ClassVar[str] = "auth.sign_out"


@dataclass(frozen=True, kw_only=True)
class AccessRejected(Event):
    """A request refused before it reached a user: bad token, expired session, CSRF."""

    kind: ClassVar[str] = "auth.rejected"
    reason: str = ""
    path: str = ""
    client: str = ""


@dataclass(frozen=True, kw_only=True)
class TokenCreated(Event):
    kind: ClassVar[str] = "token.created"
    token_prefix: str = ""
    token_owner: str = ""


@dataclass(frozen=True, kw_only=True)
class TokenRevoked(Event):
    kind: ClassVar[str] = "token.revoked"
    token_prefix: str = ""


@dataclass(frozen=True, kw_only=True)
class TokenUsed(Event):
    kind: ClassVar[str] = "token.used"
    token_prefix: str = ""
    method: str = ""
    path: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordCreated(Event):
    kind: ClassVar[str] = "record.created"
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RecordUpdated(Event):
    kind: ClassVar[str] = "record.updated"
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RecordDeleted(Event):
    kind: ClassVar[str] = "record.deleted"


@dataclass(frozen=True, kw_only=True)
class RecordRead(Event):
    """A read of a restricted record (another agency's, or above a sensitivity level)."""

    kind: ClassVar[str] = "record.read"
    reader_country: str = ""
    cross_border: bool = False
    via: str = ""  # own | party | grant


@dataclass(frozen=True, kw_only=True)
class GrantCreated(Event):
    kind: ClassVar[str] = "grant.created"
    grantee: str = ""
    expires: str = ""
    allow_court_use: bool = False
    allow_onward: bool = False


@dataclass(frozen=True, kw_only=True)
class GrantRevoked(Event):
    kind: ClassVar[str] = "grant.revoked"
    grantee: str = ""


@dataclass(frozen=True, kw_only=True)
class AccessRequested(Event):
    kind: ClassVar[str] = "grant.requested"
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AccessRequestDecided(Event):
    kind: ClassVar[str] = "grant.request_decided"
    decision: str = ""


@dataclass(frozen=True, kw_only=True)
class RequestTransitioned(Event):
    kind: ClassVar[str] = "request.transitioned"
    from_status: str = ""
    to_status: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordsExported(Event):
    kind: ClassVar[str] = "records.exported"
    record_type: str = ""
    count: int = 0
    format: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordsAnalysed(Event):
    """Another agency's records went into an aggregate (indicators, networks): one entry per owner."""

    kind: ClassVar[str] = "records.analysed"
    record_type: str = ""
    count: int = 0
    purpose: str = ""
    cross_border: bool = False


@dataclass(frozen=True, kw_only=True)
class ReferenceDataLoaded(Event):
    kind: ClassVar[str] = "reference.loaded"
    dataset: str = ""
    rows: int = 0


@dataclass(frozen=True, kw_only=True)
class AuditExported(Event):
    kind: ClassVar[str] = "audit.exported"
    entries: int = 0


EVENT_TYPES: tuple[type[Event], ...] = (
    SignIn,
    SignInFailed,
    AccountLocked,
    SignOut,
    AccessRejected,
    TokenCreated,
    TokenRevoked,
    TokenUsed,
    RecordCreated,
    RecordUpdated,
    RecordDeleted,
    RecordRead,
    GrantCreated,
    GrantRevoked,
    AccessRequested,
    AccessRequestDecided,
    RequestTransitioned,
    RecordsExported,
    RecordsAnalysed,
    ReferenceDataLoaded,
    AuditExported,
)


# --- Precursors: pre-export notifications (added with precursors/notifications.py) -----------------


@dataclass(frozen=True, kw_only=True)
class NotificationFiled(Event):
    """A pre-export notification drafted by the exporting authority."""

    kind: ClassVar[str] = "pen.filed"
    importing_agency: str = ""
    substance: str = ""
    synthetic: bool = False


@dataclass(frozen=True, kw_only=True)
class NotificationTransitioned(Event):
    """Submitted, confirmed, objected or cancelled; ``late`` marks an answer given after the deadline."""

    kind: ClassVar[str] = "pen.transitioned"
    from_status: str = ""
    to_status: str = ""
    late: bool = False


@dataclass(frozen=True, kw_only=True)
class IncidentRecorded(Event):
    """A PICS-style incident on a notified shipment: stopped or seized."""

    kind: ClassVar[str] = "pen.incident"
    incident: str = ""  # stopped | seized
    place: str = ""
    quantity: float | None = None


EVENT_TYPES += (NotificationFiled, NotificationTransitioned, IncidentRecorded)
