"""JSON API for requests, attachments, grants, access requests, delays and the access report."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bicentennial.access import grants, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.cooperation import analytics, evidence, notifications
from bicentennial.cooperation import service as coop
from bicentennial.cooperation.schemas import (
    AccessAsk,
    AccessDecision,
    AttachmentRead,
    CustodyCreate,
    GrantCreate,
    GrantRead,
    RequestCreate,
    RequestPage,
    RequestRead,
    TransitionCreate,
)
from bicentennial.core import exports
from bicentennial.web.auth import ApiUser, DbSession

router = APIRouter(prefix="/api/v1", tags=["cooperation"])
Fmt = Literal["json", "csv"]


@router.post("/requests", response_model=RequestRead, status_code=201)
def create_request(body: RequestCreate, user: ApiUser, session: DbSession) -> RequestRead:
    request = coop.create_request(session=session, actor=user, draft=coop.RequestDraft(**body.model_dump()))
    return RequestRead.of(request, detail=True, moves=coop.allowed_moves(user, request))


@router.get("/requests", response_model=RequestPage)
def list_requests(
    user: ApiUser,
    session: DbSession,
    type: str | None = None,
    status: str | None = None,
    direction: Literal["sent", "received"] | None = None,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RequestPage:
    where = coop.RequestFilter(type=type, status=status, direction=direction, q=q)
    total, rows = coop.list_requests(session=session, actor=user, where=where, limit=limit, offset=offset)
    return RequestPage(total=total, limit=limit, offset=offset, items=[RequestRead.of(r) for r in rows])


@router.get("/requests/export", response_class=Response)
def export_requests(
    user: ApiUser, session: DbSession, format: Fmt = "csv", type: str | None = None, status: str | None = None
) -> Response:
    """Every visible request; H2 records of other agencies are withheld unless the grant allows onward sharing."""
    rows = coop.all_visible(session=session, actor=user, where=coop.RequestFilter(type=type, status=status))
    shareable = [r for r in rows if records.may_share_onward(session, user, r)]
    data = [RequestRead.of(r).model_dump(exclude={"history", "attachments", "allowed_moves"}) for r in shareable]
    audit.record(
        session,
        events.RecordsExported(**events.by(user), record_type="request", count=len(data), format=format),
    )
    notes = [
        f"Bicentennial requests exported by {user.username} ({user.agency.code})",
        "Handling codes: H0 law-enforcement use only; H1 not for court without the owner's permission; "
        "H2 no onward sharing without the owner's permission",
        f"{len(rows) - len(shareable)} H2 record(s) of other agencies withheld",
    ]
    return exports.download(exports.rows_of(data), name="requests", fmt=format, preamble=notes)


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(request_id: int, user: ApiUser, session: DbSession) -> RequestRead:
    request = coop.get_request(session=session, actor=user, request_id=request_id)
    return RequestRead.of(request, detail=True, moves=coop.allowed_moves(user, request))


@router.post("/requests/{request_id}/transitions", response_model=RequestRead)
def transition(request_id: int, body: TransitionCreate, user: ApiUser, session: DbSession) -> RequestRead:
    request = coop.transition(
        session=session,
        actor=user,
        request_id=request_id,
        to=body.to,
        note=body.note,
        expected_version=body.expected_version,
    )
    return RequestRead.of(request, detail=True, moves=coop.allowed_moves(user, request))


@router.post("/requests/{request_id}/attachments", response_model=AttachmentRead, status_code=201)
def attach(
    request_id: int,
    user: ApiUser,
    session: DbSession,
    file: Annotated[UploadFile, File()],
    is_evidence: Annotated[bool, Form()] = False,
) -> AttachmentRead:
    content = file.file.read(evidence.MAX_BYTES + 1)
    item = evidence.attach(
        session=session,
        actor=user,
        request_id=request_id,
        filename=file.filename or "",
        content=content,
        content_type=file.content_type or "",
        is_evidence=is_evidence,
    )
    return AttachmentRead(
        id=item.id,
        filename=item.filename,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        is_evidence=item.is_evidence,
        uploaded_at=item.uploaded_at,
        uploaded_by=user.username,
    )


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(attachment_id: int, user: ApiUser, session: DbSession) -> Response:
    return attachment_response(session, user, attachment_id)


def attachment_response(session: Session, user: User, attachment_id: int) -> Response:
    """The file as uploaded, with its SHA-256 and the handling rules that travel with it."""
    item = evidence.get_attachment(session=session, actor=user, attachment_id=attachment_id)
    request = item.request
    return Response(
        item.content,
        media_type=item.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename)}",
            "X-Content-SHA256": item.sha256,
            "X-Handling-Code": request.handling_code,
            "X-Court-Use-Permitted": "yes" if records.may_use_in_court(session, user, request) else "no",
        },
    )


@router.post("/attachments/{attachment_id}/custody", status_code=201)
def add_custody(attachment_id: int, body: CustodyCreate, user: ApiUser, session: DbSession) -> dict[str, Any]:
    entry = evidence.add_custody(
        session=session,
        actor=user,
        attachment_id=attachment_id,
        action=body.action,
        to_party=body.to_party,
        note=body.note,
    )
    return {
        "id": entry.id,
        "action": entry.action,
        "from_party": entry.from_party,
        "to_party": entry.to_party,
        "at": entry.at,
        "sha256_verified": entry.sha256_verified,
    }


@router.post("/grants", response_model=GrantRead, status_code=201)
def create_grant(body: GrantCreate, user: ApiUser, session: DbSession) -> GrantRead:
    terms = grants.GrantTerms(
        agency=body.agency,
        expires_at=body.expires,
        purpose=body.purpose,
        allow_court_use=body.allow_court_use,
        allow_onward=body.allow_onward,
    )
    return GrantRead.of(grants.create_grant(session=session, actor=user, ref=body.record, terms=terms))


@router.get("/grants", response_model=list[GrantRead])
def list_grants(
    user: ApiUser, session: DbSession, direction: Literal["given", "received"] = "given", record: str | None = None
) -> list[GrantRead]:
    return [GrantRead.of(g) for g in grants.list_grants(session=session, actor=user, direction=direction, ref=record)]


@router.delete("/grants/{grant_id}", response_model=GrantRead)
def revoke_grant(grant_id: int, user: ApiUser, session: DbSession) -> GrantRead:
    return GrantRead.of(grants.revoke_grant(session=session, actor=user, grant_id=grant_id))


@router.post("/access-requests", status_code=202)
def ask_for_access(body: AccessAsk, user: ApiUser, session: DbSession) -> dict[str, str]:
    grants.ask_for_access(session=session, actor=user, ref=body.record, reason=body.reason)
    return {"status": "submitted"}


@router.get("/access-requests")
def pending_access_requests(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "record": f"{a.record_type}:{a.record_id}",
            "agency": a.agency.code,
            "requested_by": a.requested_by.username,
            "reason": a.reason,
            "created_at": a.created_at,
        }
        for a in grants.pending_access_requests(session=session, actor=user)
    ]


@router.post("/access-requests/{request_id}/decision")
def decide_access_request(request_id: int, body: AccessDecision, user: ApiUser, session: DbSession) -> dict[str, Any]:
    asked = grants.decide_access_request(
        session=session,
        actor=user,
        request_id=request_id,
        approve=body.approve,
        terms=None if body.expires is None else grants.GrantTerms(agency="", expires_at=body.expires),
    )
    return {"id": asked.id, "status": asked.status, "grant_id": asked.grant_id}


@router.get("/delays", response_class=Response)
def delays(
    user: ApiUser,
    session: DbSession,
    format: Fmt = "json",
    table: Literal["by_type", "by_stage", "by_agency", "overdue", "trend", "cohorts"] | None = None,
    type: str | None = None,
) -> Response:
    """Delay analytics over the requests the caller may see: all tables as JSON, or one as CSV."""
    board = analytics.dashboard(session=session, actor=user, where=coop.RequestFilter(type=type))
    overdue = [o for o in board.overdue if o.id in board.shareable]  # H2 of others stays out of files
    notes = [
        f"Delays over {board.count} request(s) visible to {user.agency.code}, computed {board.now:%Y-%m-%d %H:%M} UTC",
        f"{board.synthetic} of them synthetic (demo data)",
        f"{len(board.overdue) - len(overdue)} overdue H2 request(s) of other agencies withheld",
    ]
    tables = {
        name: exports.rows_of(overdue if name == "overdue" else getattr(board, name)) for name in analytics.TABLES
    }
    audit.record(
        session,
        events.RecordsExported(
            **events.by(user), record_type="request delays", count=len(tables["overdue"]), format=format
        ),
    )
    if table is not None:
        return exports.download(tables[table], name=f"delays-{table}", fmt=format, preamble=notes)
    return exports.download([tables], name="delays", fmt="json", preamble=notes)


@router.get("/access-report", response_class=Response)
def access_report(
    user: ApiUser,
    session: DbSession,
    format: Fmt = "json",
    cross_border_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Response:
    """Who outside the caller's agency read its records."""
    rows = grants.access_report(session=session, actor=user, cross_border_only=cross_border_only, limit=limit)
    return exports.download(exports.rows_of(rows), name=f"access-report-{user.agency.code}", fmt=format)


@router.get("/notifications")
def notifications_for_me(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    waiting = notifications.awaiting_action(session=session, actor=user)
    return [{"kind": i.kind, "request_id": i.request_id, "text": i.text, "due": i.due} for i in waiting.items]
