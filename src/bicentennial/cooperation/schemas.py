"""API models for requests, grants, delay analytics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bicentennial.access.grants import end_of_day


class RequestCreate(BaseModel):
    type: str = Field(
        description="extradition, mutual_legal_assistance, financial_intelligence, agent_visa, joint_operation"
    )
    receiving_agency: str = Field(description="Agency code, e.g. FGR")
    subject: str
    handling_code: str = Field("H2", description="H0, H1 or H2")
    sensitivity: str = Field("restricted", description="basic, restricted or confidential")
    description: str = ""
    legal_basis: str = ""
    priority: str = "normal"


class TransitionCreate(BaseModel):
    to: str
    note: str = ""
    expected_version: int | None = Field(None, description="Refuse the move if the request changed since")


class TransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: str | None
    to_status: str
    at: datetime
    by_agency: str
    by_user: str | None
    note: str


class AttachmentRead(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    is_evidence: bool
    uploaded_at: datetime
    uploaded_by: str


class RequestRead(BaseModel):
    id: int
    type: str
    requesting_agency: str
    receiving_agency: str
    subject: str
    description: str
    legal_basis: str
    priority: str
    status: str
    handling_code: str
    sensitivity: str
    version: int
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    hold_days: float
    synthetic: bool
    history: list[TransitionRead] = []
    attachments: list[AttachmentRead] = []
    allowed_moves: list[str] = []

    @classmethod
    def of(cls, r: Any, *, detail: bool = False, moves: list[str] | None = None) -> RequestRead:
        base = dict(
            id=r.id,
            type=r.type,
            requesting_agency=r.owner_agency.code,
            receiving_agency=r.receiving_agency.code,
            subject=r.subject,
            description=r.description,
            legal_basis=r.legal_basis,
            priority=r.priority,
            status=r.status,
            handling_code=r.handling_code,
            sensitivity=r.sensitivity,
            version=r.version,
            created_at=r.created_at,
            sent_at=r.sent_at,
            acknowledged_at=r.acknowledged_at,
            closed_at=r.closed_at,
            hold_days=round(r.hold_days, 2),
            synthetic=r.synthetic,
            allowed_moves=moves or [],
        )
        if detail:
            base["history"] = [
                TransitionRead(
                    from_status=h.from_status,
                    to_status=h.to_status,
                    at=h.at,
                    by_agency=h.by_agency.code,
                    by_user=h.by_user.username if h.by_user else None,
                    note=h.note,
                )
                for h in r.history
            ]
            base["attachments"] = [
                AttachmentRead(
                    id=a.id,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    sha256=a.sha256,
                    is_evidence=a.is_evidence,
                    uploaded_at=a.uploaded_at,
                    uploaded_by=a.uploaded_by.username,
                )
                for a in r.attachments
            ]
        return cls(**base)


class RequestPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[RequestRead]


class GrantCreate(BaseModel):
    record: str = Field(description="Record reference, e.g. request:12")
    agency: str = Field(description="Grantee agency code")
    expires: datetime = Field(description="ISO date or date-time; a date means the end of that day, UTC")
    purpose: str = ""
    allow_court_use: bool = False
    allow_onward: bool = False

    @field_validator("expires", mode="before")
    @classmethod
    def _date_is_end_of_day(cls, value: Any) -> Any:
        return end_of_day(value) if isinstance(value, str) and len(value) == 10 else value


class GrantRead(BaseModel):
    id: int
    record: str
    owner_agency: str
    agency: str
    purpose: str
    allow_court_use: bool
    allow_onward: bool
    granted_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, g: Any) -> GrantRead:
        return cls(
            id=g.id,
            record=f"{g.record_type}:{g.record_id}",
            owner_agency=g.owner_agency.code,
            agency=g.agency.code,
            purpose=g.purpose,
            allow_court_use=g.allow_court_use,
            allow_onward=g.allow_onward,
            granted_by=g.granted_by.username,
            created_at=g.created_at,
            expires_at=g.expires_at,
            revoked_at=g.revoked_at,
        )


class AccessAsk(BaseModel):
    record: str
    reason: str


class AccessDecision(BaseModel):
    approve: bool
    expires: datetime | None = None

    _date_is_end_of_day = GrantCreate._date_is_end_of_day


class CustodyCreate(BaseModel):
    action: str
    to_party: str = ""
    note: str = ""
