"""Cooperation pages: requests, their forms, the grant dialog, delays, the access report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.access import grants, records
from bicentennial.access import service as access
from bicentennial.cooperation import analytics, charts, evidence, notifications, vocabulary
from bicentennial.cooperation import service as coop
from bicentennial.cooperation.api import attachment_response
from bicentennial.cooperation.delays import Summary
from bicentennial.core.errors import BicentennialError, InvalidInput
from bicentennial.core.i18n import N_, gettext_for
from bicentennial.finance.parties import page_hits
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language
from bicentennial.web.render import render

router = APIRouter(prefix="/cooperation", include_in_schema=False)
# Words that reach templates as data; marked here so the Spanish catalog has them.
WORDS = (
    N_("acknowledge"),
    N_("close"),
    N_("hold"),
    N_("days"),
    N_("complete"),
    N_("own"),
    N_("party"),
    N_("grant"),
    N_("Overdue"),
    N_("Deadline"),
    N_("Access request"),
    N_("Received"),
    N_("Transferred"),
    N_("Examined"),
    N_("Sealed"),
    N_("Released"),
)
PAGE = 25


def _vocab() -> dict[str, Any]:
    return {
        "types": vocabulary.request_types(),
        "states": vocabulary.states(),
        "priorities": vocabulary.priorities(),
        "handling": records.vocabulary(),
    }


@dataclass(frozen=True)
class Headline:
    type: vocabulary.RequestType
    close: Summary | None
    acknowledge: Summary | None


def headlines(board: analytics.Dashboard) -> list[Headline]:
    """Extradition and visa delays lead the page: the accord's sore points."""
    found = {(s.group, s.measure): s for s in board.by_type}
    return [
        Headline(t, found.get((t.code, "close")), found.get((t.code, "acknowledge")))
        for t in vocabulary.request_types().values()
        if t.headline
    ]


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, user: PageUser) -> Response:
    board = analytics.dashboard(session=session, actor=user)
    lang = language(request)
    _ = gettext_for(lang)
    return render(
        request,
        "cooperation/overview.html",
        board=board,
        headline=headlines(board),
        waiting=notifications.awaiting_action(session=session, actor=user),
        chart_types=charts.delays_by_type(board, _, lang),
        sources=[_("Bicentennial request records")],
        **_vocab(),
    )


@router.get("/requests", response_class=HTMLResponse)
def request_list(
    request: Request,
    session: DbSession,
    user: PageUser,
    type: str = "",
    status: str = "",
    direction: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    where = coop.RequestFilter(type=type or None, status=status or None, direction=direction or None, q=q or None)
    page = max(page, 1)
    total, rows = coop.list_requests(session=session, actor=user, where=where, limit=PAGE, offset=(page - 1) * PAGE)
    return render(
        request,
        "cooperation/requests.html",
        rows=rows,
        total=total,
        page=page,
        size=PAGE,
        filters={"type": type, "status": status, "direction": direction, "q": q},
        **_vocab(),
    )


@router.get("/requests/new", response_class=HTMLResponse)
def new_request_form(request: Request, session: DbSession, user: PageUser) -> Response:
    return render(
        request,
        "cooperation/new.html",
        agencies=coop.agencies_for_requests(session=session, actor=user),
        form={},
        **_vocab(),
    )


@router.post("/requests", response_class=HTMLResponse)
def create_request(
    request: Request,
    session: DbSession,
    user: PageUser,
    type: Annotated[str, Form()] = "",
    receiving_agency: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    legal_basis: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "normal",
    handling_code: Annotated[str, Form()] = "H2",
    sensitivity: Annotated[str, Form()] = "restricted",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    draft = coop.RequestDraft(
        type, receiving_agency, subject, handling_code, sensitivity, description, legal_basis, priority
    )
    try:
        with session.begin_nested():
            created = coop.create_request(session=session, actor=user, draft=draft)
    except BicentennialError as exc:
        return render(
            request,
            "cooperation/new.html",
            status_code=exc.status,
            error=exc.message,
            agencies=coop.agencies_for_requests(session=session, actor=user),
            form=draft.__dict__,
            **_vocab(),
        )
    return RedirectResponse(f"/cooperation/requests/{created.id}", status_code=303)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_detail(request: Request, request_id: int, session: DbSession, user: PageUser, error: str = "") -> Response:
    item = coop.get_request(session=session, actor=user, request_id=request_id)
    owner = item.owner_agency_id == user.agency_id
    return render(
        request,
        "cooperation/detail.html",
        r=item,
        moves=coop.allowed_moves(user, item),
        owner=owner,
        side=coop.side_of(user, item),
        error=error,
        grants=grants.list_grants(session=session, actor=user, direction="given", ref=item.ref) if owner else [],
        agencies=[a for a in access.list_agencies(session=session) if a.id != user.agency_id],
        court_ok=records.may_use_in_court(session, user, item),
        can_share=records.policy.can(user, "records.share"),
        party_hits=page_hits(
            session=session, gettext=gettext_for(language(request)), names=[("subject", item.subject, None)]
        ),
        **_vocab(),
    )


def _back(request_id: int, error: str = "") -> Response:
    target = f"/cooperation/requests/{request_id}"
    return RedirectResponse(target + (f"?error={quote(error)}" if error else ""), status_code=303)


@router.post("/requests/{request_id}/transitions")
def move(
    request: Request,
    request_id: int,
    session: DbSession,
    user: PageUser,
    to: Annotated[str, Form()],
    version: Annotated[int, Form()],
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    coop.transition(session=session, actor=user, request_id=request_id, to=to, note=note, expected_version=version)
    return _back(request_id)


@router.post("/requests/{request_id}/attachments")
def upload(
    request: Request,
    request_id: int,
    session: DbSession,
    user: PageUser,
    file: Annotated[UploadFile, File()],
    is_evidence: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    evidence.attach(
        session=session,
        actor=user,
        request_id=request_id,
        filename=file.filename or "",
        content=file.file.read(evidence.MAX_BYTES + 1),
        content_type=file.content_type or "",
        is_evidence=is_evidence == "1",
    )
    return _back(request_id)


@router.get("/attachments/{attachment_id}")
def download(attachment_id: int, session: DbSession, user: PageUser) -> Response:
    return attachment_response(session, user, attachment_id)


@router.post("/attachments/{attachment_id}/custody")
def custody(
    request: Request,
    attachment_id: int,
    session: DbSession,
    user: PageUser,
    action: Annotated[str, Form()],
    to_party: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    entry = evidence.add_custody(
        session=session, actor=user, attachment_id=attachment_id, action=action, to_party=to_party, note=note
    )
    return _back(entry.attachment.request_id)


@router.post("/requests/{request_id}/grants")
def grant(
    request: Request,
    request_id: int,
    session: DbSession,
    user: PageUser,
    agency: Annotated[str, Form()],
    expires: Annotated[str, Form()],
    purpose: Annotated[str, Form()] = "",
    allow_court_use: Annotated[str, Form()] = "",
    allow_onward: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    terms = grants.GrantTerms(agency, grants.end_of_day(expires), purpose, allow_court_use == "1", allow_onward == "1")
    try:
        with session.begin_nested():
            grants.create_grant(session=session, actor=user, ref=f"request:{request_id}", terms=terms)
    except InvalidInput as exc:
        return _back(request_id, exc.message)
    return _back(request_id)


@router.post("/grants/{grant_id}/revoke")
def revoke(
    request: Request,
    grant_id: int,
    session: DbSession,
    user: PageUser,
    back: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    grants.revoke_grant(session=session, actor=user, grant_id=grant_id)
    return RedirectResponse(back if back.startswith("/cooperation") else "/cooperation/access", status_code=303)


@router.get("/delays", response_class=HTMLResponse)
def delays_page(request: Request, session: DbSession, user: PageUser, type: str = "") -> Response:
    board = analytics.dashboard(session=session, actor=user, where=coop.RequestFilter(type=type or None))
    lang = language(request)
    _ = gettext_for(lang)
    kinds = vocabulary.request_types()
    return render(
        request,
        "cooperation/delays.html",
        board=board,
        selected=type,
        chart_types=charts.delays_by_type(board, _, lang),
        chart_trend=charts.trend(board, _, lang),
        type_name=lambda code: kinds[code].label(lang) if code in kinds else code,
        stage_name=_,
        plain=str,
        sources=[_("Bicentennial request records")],
        **_vocab(),
    )


@router.get("/access", response_class=HTMLResponse)
def access_page(request: Request, session: DbSession, user: PageUser, all_reads: bool = False) -> Response:
    can_report = records.policy.can(user, "audit.read")
    return render(
        request,
        "cooperation/access.html",
        reads=grants.access_report(session=session, actor=user, cross_border_only=not all_reads)
        if can_report
        else None,
        all_reads=all_reads,
        given=grants.list_grants(session=session, actor=user, direction="given"),
        received=grants.list_grants(session=session, actor=user, direction="received"),
        asked=grants.pending_access_requests(session=session, actor=user),
    )


@router.post("/access-requests")
def ask(
    request: Request,
    session: DbSession,
    user: PageUser,
    record: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    grants.ask_for_access(session=session, actor=user, ref=record.strip(), reason=reason)
    return RedirectResponse("/cooperation/access?asked=1", status_code=303)


@router.post("/access-requests/{asked_id}/decision")
def decide(
    request: Request,
    asked_id: int,
    session: DbSession,
    user: PageUser,
    approve: Annotated[str, Form()],
    expires: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    terms = grants.GrantTerms("", grants.end_of_day(expires)) if expires else None
    grants.decide_access_request(session=session, actor=user, request_id=asked_id, approve=approve == "1", terms=terms)
    return RedirectResponse("/cooperation/access", status_code=303)
