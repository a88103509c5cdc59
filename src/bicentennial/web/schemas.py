"""Pydantic models for the foundation's API (pillars keep their own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int
    limit: int
    offset: int
    items: list[T]


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    country: str
    name_en: str
    name_es: str


class AgencyCreate(BaseModel):
    code: str = Field(min_length=2, max_length=32)
    country: str = Field(min_length=2, max_length=2)
    name_en: str = Field(min_length=1, max_length=200)
    name_es: str = Field(min_length=1, max_length=200)


class UserRead(BaseModel):
    username: str
    display_name: str
    agency: str
    country: str
    role: str
    clearance: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: Any) -> UserRead:
        return cls(
            username=user.username,
            display_name=user.display_name,
            agency=user.agency.code,
            country=user.agency.country,
            role=user.role,
            clearance=user.clearance,
            is_active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class UserCreate(BaseModel):
    username: str
    agency: str
    role: str = "viewer"
    display_name: str = ""
    clearance: str = "restricted"
    password: str = Field(min_length=1)


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    country: str
    level: str
    name: str
    parent_code: str | None
    lon: float | None
    lat: float | None


class AuditEntryRead(BaseModel):
    seq: int
    ts: str
    kind: str
    actor: str | None
    agency: str | None
    target: str | None
    owner: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str


class VerdictRead(BaseModel):
    ok: bool
    entries: int
    head: str
    bad_index: int | None
    bad_seq: int | None
    reason: str


class Health(BaseModel):
    status: str
    database: str
    schema_: str = Field(alias="schema")
    version: str


class TokenRead(BaseModel):
    id: int
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    model_config = ConfigDict(from_attributes=True)


class TokenCreate(BaseModel):
    name: str = Field("", max_length=100)
    days: int = Field(90, ge=1, le=366)


class TokenCreated(TokenRead):
    token: str = Field(description="The secret; shown only in this response.")
