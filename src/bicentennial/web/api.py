"""JSON API, version 1: accounts, agencies, areas, audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from bicentennial.access import credentials, policy
from bicentennial.access import service as access
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import PermissionDenied
from bicentennial.geo import service as geo
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.schemas import (
    AgencyCreate,
    AgencyRead,
    AreaRead,
    AuditEntryRead,
    Page,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    VerdictRead,
)

router = APIRouter(prefix="/api/v1")


@router.get("/me", response_model=UserRead, tags=["accounts"])
def me(user: ApiUser) -> UserRead:
    return UserRead.of(user)


@router.get("/agencies", response_model=list[AgencyRead], tags=["accounts"])
def agencies(user: ApiUser, session: DbSession, country: str | None = None) -> list[AgencyRead]:
    policy.require(user, "agencies.read")
    return [AgencyRead.model_validate(a) for a in access.list_agencies(session=session, country=country)]


@router.post("/agencies", response_model=AgencyRead, status_code=201, tags=["accounts"])
def create_agency(body: AgencyCreate, user: ApiUser, session: DbSession) -> AgencyRead:
    agency = access.create_agency(session=session, actor=user, **body.model_dump())
    return AgencyRead.model_validate(agency)


@router.get("/users", response_model=list[UserRead], tags=["accounts"])
def users(user: ApiUser, session: DbSession, agency: str | None = None) -> list[UserRead]:
    return [UserRead.of(u) for u in access.list_users(session=session, actor=user, agency=agency)]


@router.post("/users", response_model=UserRead, status_code=201, tags=["accounts"])
def create_user(body: UserCreate, user: ApiUser, session: DbSession) -> UserRead:
    spec = access.NewUser(body.username, body.agency, body.role, body.display_name, body.clearance)
    return UserRead.of(access.create_user(session=session, spec=spec, password=body.password, actor=user))


@router.post("/users/{username}/disable", response_model=UserRead, tags=["accounts"])
def disable_user(username: str, user: ApiUser, session: DbSession) -> UserRead:
    return UserRead.of(access.set_active(session=session, username=username, active=False, actor=user))


@router.post("/users/{username}/enable", response_model=UserRead, tags=["accounts"])
def enable_user(username: str, user: ApiUser, session: DbSession) -> UserRead:
    return UserRead.of(access.set_active(session=session, username=username, active=True, actor=user))


@router.get("/tokens", response_model=list[TokenRead], tags=["accounts"])
def tokens(user: ApiUser, session: DbSession) -> list[TokenRead]:
    """The caller's own tokens (never their secret)."""
    return [TokenRead.model_validate(t) for t in credentials.list_tokens(session=session, username=user.username)]


@router.post("/tokens", response_model=TokenCreated, status_code=201, tags=["accounts"])
def create_token(body: TokenCreate, user: ApiUser, session: DbSession, request: Request) -> TokenCreated:
    """From a signed-in browser session only: a token must not mint longer-lived tokens."""
    if request.headers.get("authorization"):
        raise PermissionDenied("Create tokens from a signed-in session (the Account page), not with a token.")
    token, plaintext = credentials.create_token(
        session=session, username=user.username, name=body.name, days=body.days, actor=user
    )
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=plaintext)


@router.delete("/tokens/{token_id}", response_model=TokenRead, tags=["accounts"])
def revoke_token(token_id: int, user: ApiUser, session: DbSession) -> TokenRead:
    return TokenRead.model_validate(credentials.revoke_token(session=session, token_id=token_id, actor=user))


@router.get("/areas", response_model=Page[AreaRead], tags=["geography"])
def areas(
    user: ApiUser,
    session: DbSession,
    parent: str | None = None,
    level: str | None = None,
    q: str | None = None,
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AreaRead]:
    policy.require(user, "areas.read")
    total, rows = geo.list_areas(session=session, parent=parent, level=level, q=q, limit=limit, offset=offset)
    return Page(total=total, limit=limit, offset=offset, items=[AreaRead.model_validate(r) for r in rows])


@router.get("/areas/{code}", response_model=AreaRead, tags=["geography"])
def area(code: str, user: ApiUser, session: DbSession) -> AreaRead:
    policy.require(user, "areas.read")
    return AreaRead.model_validate(geo.get_area(session=session, code=code))


@router.get("/audit", response_model=list[AuditEntryRead], tags=["audit"])
def audit_entries(
    user: ApiUser,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditEntryRead]:
    policy.require(user, "audit.read")
    scope = None if policy.can(user, "audit.read_all") else user.agency.code
    return [AuditEntryRead(**audit.as_dict(e)) for e in audit.recent(session, agency=scope, limit=limit, offset=offset)]


@router.get("/audit/verify", response_model=VerdictRead, tags=["audit"])
def audit_verify(user: ApiUser, session: DbSession, expect_head: str | None = None) -> VerdictRead:
    policy.require(user, "audit.verify")
    v = audit.verify_database(session, expect_head=expect_head)
    return VerdictRead(
        ok=v.ok, entries=v.entries, head=v.head, bad_index=v.bad_index, bad_seq=v.bad_seq, reason=v.reason
    )


@router.get("/audit/export", tags=["audit"], response_class=StreamingResponse)
def audit_export(user: ApiUser, session: DbSession, agency: str | None = None) -> StreamingResponse:
    """The chain as JSON Lines, verifiable offline with `bicentennial audit verify FILE`.

    System administrators export everything (or one agency's view with ``agency``);
    agency administrators get their own agency's view: its entries in full, others as hash stubs.
    """
    policy.require(user, "audit.read")
    if not policy.can(user, "audit.read_all"):
        agency = user.agency.code
    if agency:
        entries = audit.iter_for_agency(session, access.get_agency(session=session, code=agency).code)
    else:
        entries = audit.iter_entries(session)
    lines = list(audit.to_jsonl(entries))
    audit.record(session, events.AuditExported(**events.by(user), entries=len(lines), owner=agency))
    return StreamingResponse(
        iter(lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
    )
