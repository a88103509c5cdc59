"""Pre-export notification pages: the list (filters, overdue, CSV/JSON), the form, the detail with its forms.

Forms carry the CSRF token; a refused action comes back to the detail page with the reason shown.
Exports withhold other agencies' H2 notifications unless a grant allows onward sharing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bicentennial.access import records
from bicentennial.access import service as access
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core import exports
from bicentennial.core.errors import BicentennialError, InvalidInput
from bicentennial.core.i18n import N_, gettext_for
from bicentennial.finance.parties import page_hits
from bicentennial.precursors import notification_checks as checks
from bicentennial.precursors import notification_queries as queries
from bicentennial.precursors import notifications as pen
from bicentennial.precursors.notification_schemas import draft_from_form, filter_of, form_number, view_of
from bicentennial.precursors.registry import bundled
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language
from bicentennial.web.render import render

pages_router = APIRouter(prefix="/precursors/notifications", include_in_schema=False)
PAGE = 25
# Words that reach templates as data; marked here so the Spanish catalog has them.
WORDS = (
    N_("draft"),
    N_("submitted"),
    N_("confirmed"),
    N_("objected"),
    N_("cancelled"),
    N_("stopped"),
    N_("seized"),
    N_("filed"),
    N_("exporting"),
    N_("importing"),
    N_("air"),
    N_("sea"),
    N_("road"),
    N_("rail"),
    N_("post"),
    N_("multimodal"),
)
SOURCES = (N_("Bicentennial pre-export notifications"), N_("Bicentennial controlled-chemicals registry"))
EXPORT_NOTES = (
    "Bicentennial pre-export notifications exported by {user} ({agency})",
    "Handling codes: H0 law-enforcement use only; H1 not for court without the owner's permission; "
    "H2 no onward sharing without the owner's permission",
    "{withheld} H2 notification(s) of other agencies withheld",
)
Text = Annotated[str, Form()]
Version = Annotated[int, Form()]


def _choices(session: Session, user: User) -> dict[str, Any]:
    return {
        "statuses": pen.STATUSES,
        "substances": bundled().substances,
        "agencies": [a for a in access.list_agencies(session=session) if a.id != user.agency_id],
        "transports": checks.TRANSPORTS,
        "handling": records.vocabulary(),
    }


def _sources(request: Request) -> list[str]:
    _ = gettext_for(language(request))
    return [_(source) for source in SOURCES]


@pages_router.get("", response_class=HTMLResponse)
def notification_list(
    request: Request,
    session: DbSession,
    user: PageUser,
    direction: str = "",
    status: str = "",
    substance: str = "",
    overdue: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    where = filter_of(direction, status, substance, overdue == "1", q)
    page = max(page, 1)
    total, rows = pen.list_notifications(session=session, actor=user, where=where, limit=PAGE, offset=(page - 1) * PAGE)
    filters = {"direction": direction, "status": status, "substance": substance, "overdue": overdue, "q": q}
    return render(
        request,
        "precursors/notifications.html",
        rows=[view_of(n, user, detail=False, lang=language(request)) for n in rows],
        total=total,
        page=page,
        size=PAGE,
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v}),
        overdue_received=pen.overdue_count(session=session, actor=user, direction="received"),
        sources=_sources(request),
        **_choices(session, user),
    )


@pages_router.get("/export", response_class=Response)
def export(
    session: DbSession,
    user: PageUser,
    format: Literal["csv", "json"] = "csv",
    direction: str = "",
    status: str = "",
    substance: str = "",
    overdue: str = "",
    q: str = "",
) -> Response:
    rows = queries.all_visible(
        session=session, actor=user, where=filter_of(direction, status, substance, overdue == "1", q)
    )
    shareable = [n for n in rows if records.may_share_onward(session, user, n)]
    data = [view_of(n, user, detail=False).row() for n in shareable]
    audit.record(
        session,
        events.RecordsExported(**events.by(user), record_type="pen_notification", count=len(data), format=format),
    )
    values = {"user": user.username, "agency": user.agency.code, "withheld": len(rows) - len(shareable)}
    notes = [note.format(**values) for note in EXPORT_NOTES]
    return exports.download(exports.rows_of(data), name="pre-export-notifications", fmt=format, preamble=notes)


@pages_router.get("/new", response_class=HTMLResponse)
def new_form(request: Request, session: DbSession, user: PageUser) -> Response:
    return render(request, "precursors/notification_new.html", form={}, **_choices(session, user))


@pages_router.post("", response_class=HTMLResponse)
def create(
    request: Request,
    session: DbSession,
    user: PageUser,
    importing_agency: Text = "",
    exporter: Text = "",
    exporter_country: Text = "",
    importer: Text = "",
    importer_country: Text = "",
    substance: Text = "",
    quantity: Text = "",
    unit: Text = "kg",
    concentration: Text = "",
    transit: Text = "",
    transport: Text = "",
    shipment_date: Text = "",
    invoice: Text = "",
    invoice_value: Text = "",
    handling_code: Text = "H2",
    sensitivity: Text = "restricted",
    submit_now: Text = "",
    csrf_token: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = dict(
        importing_agency=importing_agency,
        exporter=exporter,
        exporter_country=exporter_country,
        importer=importer,
        importer_country=importer_country,
        substance=substance,
        quantity=quantity,
        unit=unit,
        concentration=concentration,
        transit=transit,
        transport=transport,
        shipment_date=shipment_date,
        invoice=invoice,
        invoice_value=invoice_value,
        handling_code=handling_code,
        sensitivity=sensitivity,
    )
    try:
        with session.begin_nested():
            created = pen.file_notification(session=session, actor=user, draft=draft_from_form(form))
            if submit_now == "1":
                pen.submit(session=session, actor=user, notification_id=created.id)
    except BicentennialError as exc:
        return render(
            request,
            "precursors/notification_new.html",
            status_code=exc.status,
            error=exc.message,
            form=form,
            **_choices(session, user),
        )
    return RedirectResponse(f"/precursors/notifications/{created.id}", status_code=303)


@pages_router.get("/{notification_id}", response_class=HTMLResponse)
def detail(request: Request, notification_id: int, session: DbSession, user: PageUser, error: str = "") -> Response:
    n = pen.get_notification(session=session, actor=user, notification_id=notification_id)
    lang = language(request)
    return render(
        request,
        "precursors/notification.html",
        n=n,
        view=view_of(n, user, lang=lang),
        substance=bundled().by_id.get(n.substance_id),
        error=error,
        sources=_sources(request),
        party_hits=page_hits(
            session=session,
            gettext=gettext_for(lang),
            names=[("exporter", n.exporter, "company"), ("importer", n.importer, "company")],
        ),
    )


def _back(notification_id: int, error: str = "") -> Response:
    target = f"/precursors/notifications/{notification_id}"
    return RedirectResponse(target + (f"?error={quote(error)}" if error else ""), status_code=303)


def _act(session: Session, notification_id: int, action: Any, **arguments: Any) -> Response:
    """Run one action in a savepoint; a refusal (bad input, a lost race) returns to the page with its reason."""
    try:
        with session.begin_nested():
            action(session=session, notification_id=notification_id, **arguments)
    except BicentennialError as exc:
        if exc.status == 404:
            raise
        return _back(notification_id, exc.message)
    return _back(notification_id)


@pages_router.post("/{notification_id}/submit")
def submit(
    request: Request, notification_id: int, session: DbSession, user: PageUser, version: Version, csrf_token: Text = ""
) -> Response:
    check_csrf(request, csrf_token)
    return _act(session, notification_id, pen.submit, actor=user, expected_version=version)


@pages_router.post("/{notification_id}/respond")
def respond(
    request: Request,
    notification_id: int,
    session: DbSession,
    user: PageUser,
    decision: Text,
    version: Version,
    note: Text = "",
    csrf_token: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _act(
        session, notification_id, pen.respond, actor=user, decision=decision, note=note, expected_version=version
    )


@pages_router.post("/{notification_id}/cancel")
def cancel(
    request: Request,
    notification_id: int,
    session: DbSession,
    user: PageUser,
    version: Version,
    note: Text = "",
    csrf_token: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _act(session, notification_id, pen.cancel, actor=user, note=note, expected_version=version)


@pages_router.post("/{notification_id}/incidents")
def incident(
    request: Request,
    notification_id: int,
    session: DbSession,
    user: PageUser,
    kind: Text,
    version: Version,
    place: Text = "",
    quantity: Text = "",
    note: Text = "",
    csrf_token: Text = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        amount = form_number(quantity, "quantity")
    except InvalidInput as exc:
        return _back(notification_id, exc.message)
    return _act(
        session,
        notification_id,
        pen.record_incident,
        actor=user,
        kind=kind,
        place=place,
        quantity=amount,
        note=note,
        expected_version=version,
    )
