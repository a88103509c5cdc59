"""Ballistics pages: scans of a case, a scan's height map and search, side-by-side comparison, leads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.ballistics import service
from bicentennial.ballistics.cmc import CmcParams
from bicentennial.ballistics.figures import comparison, height_map
from bicentennial.ballistics.labels import DECISIONS, STATUSES
from bicentennial.core.errors import BicentennialError, InvalidInput, optional_date
from bicentennial.core.i18n import gettext_for
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.charts import lead_network
from bicentennial.web.context import language, state
from bicentennial.web.render import render

router = APIRouter(prefix="/ballistics", include_in_schema=False)
MAX_SCAN_BYTES = 50 * 1024 * 1024


def _words(request: Request) -> dict[str, Any]:
    _ = gettext_for(language(request))

    def decision_label(key: str) -> str:
        return _(DECISIONS.get(key, key))

    def status_label(key: str) -> str:
        return _(STATUSES.get(key, key))

    return {"decision_label": decision_label, "status_label": status_label}


def _overview(
    request: Request, session: DbSession, user: PageUser, status_code: int = 200, error: str | None = None
) -> Response:
    return render(
        request,
        "ballistics/overview.html",
        status_code=status_code,
        error=error,
        scans=service.list_scans(session=session, actor=user),
        leads=service.list_leads(session=session, actor=user)[:50],
        **_words(request),
    )


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, user: PageUser) -> Response:
    return _overview(request, session, user)


@router.post("/scans")
async def upload(
    request: Request,
    session: DbSession,
    user: PageUser,
    file: Annotated[UploadFile | None, File()] = None,
    case_number: Annotated[str, Form()] = "",
    exhibit: Annotated[str, Form()] = "",
    scanned_by: Annotated[str, Form()] = "",
    instrument: Annotated[str, Form()] = "",
    scanned_on: Annotated[str, Form()] = "",
    preprocessed: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file: no x3p file was chosen")
        data = await file.read(MAX_SCAN_BYTES + 1)
        if len(data) > MAX_SCAN_BYTES:
            raise InvalidInput(f"{file.filename}: larger than {MAX_SCAN_BYTES // 2**20} MiB")
        with session.begin_nested():
            scan = service.store_scan(
                session=session,
                actor=user,
                data=data,
                file_name=file.filename,
                case_number=case_number,
                exhibit=exhibit,
                scanned_by=scanned_by,
                instrument=instrument,
                scanned_on=optional_date(scanned_on, "scanned_on"),
                preprocessed=preprocessed == "1",
            )
    except BicentennialError as exc:
        return _overview(request, session, user, status_code=exc.status, error=exc.message)
    return RedirectResponse(f"/ballistics/scans/{scan.id}", status_code=303)


@router.get("/scans/{scan_id}", response_class=HTMLResponse)
def scan_page(request: Request, session: DbSession, user: PageUser, scan_id: int) -> Response:
    scan = service.get_scan(session=session, actor=user, scan_id=scan_id)
    _ = gettext_for(language(request))
    chart = height_map(service.surface_of(scan), _, title=f"{scan.case_number} · {scan.exhibit or scan.file_name}")
    return render(request, "ballistics/scan.html", scan=scan, chart=chart, candidates=None, **_words(request))


@router.post("/scans/{scan_id}/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: DbSession,
    user: PageUser,
    scan_id: int,
    top: Annotated[int, Form()] = 20,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    settings = state(request).settings
    scan = service.get_scan(session=session, actor=user, scan_id=scan_id)
    found = service.search(
        session=session,
        actor=user,
        scan_id=scan_id,
        top=top,
        workers=settings.job_workers,
        scheduler=settings.dask_scheduler,
    )
    _ = gettext_for(language(request))
    chart = height_map(service.surface_of(scan), _, title=f"{scan.case_number} · {scan.exhibit or scan.file_name}")
    return render(request, "ballistics/scan.html", scan=scan, chart=chart, candidates=found, **_words(request))


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, session: DbSession, user: PageUser, a: int, b: int) -> Response:
    first, second, result, areal = service.compare_scans(session=session, actor=user, reference_id=a, target_id=b)
    _ = gettext_for(language(request))
    chart = comparison(service.surface_of(first), service.surface_of(second), result, _, params=CmcParams())
    agreeing = [c for c in result.cells if c.is_cmc]
    return render(
        request,
        "ballistics/compare.html",
        a=first,
        b=second,
        result=result,
        areal=areal,
        chart=chart,
        agreeing=agreeing,
        **_words(request),
    )


@router.get("/leads", response_class=HTMLResponse)
def leads(request: Request, session: DbSession, user: PageUser) -> Response:
    _ = gettext_for(language(request))
    graph = service.lead_graph(session=session, actor=user)
    return render(
        request,
        "ballistics/leads.html",
        leads=service.list_leads(session=session, actor=user),
        graph=graph,
        chart=lead_network(graph, _) if graph["nodes"] else None,
        **_words(request),
    )


@router.post("/leads/{lead_id}")
def decide(
    request: Request,
    session: DbSession,
    user: PageUser,
    lead_id: int,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    with session.begin_nested():
        service.decide_lead(session=session, actor=user, lead_id=lead_id, status=status, note=note)
    return RedirectResponse("/ballistics/leads", status_code=303)
