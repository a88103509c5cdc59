"""Firearms pages: indicators, traces, a gun's history, candidate networks, imports."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from bicentennial.core.errors import BicentennialError
from bicentennial.core.i18n import N_, gettext_for
from bicentennial.core.uploads import spooled
from bicentennial.finance.parties import page_hits
from bicentennial.firearms import charts, service
from bicentennial.firearms.rows import TraceRow
from bicentennial.geo import service as geo
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language
from bicentennial.web.render import render

router = APIRouter(prefix="/firearms", include_in_schema=False)
WORDS = (N_("Bicentennial trace records visible to your agency"),)
PAGE = 50


def _us_names(session: DbSession) -> tuple[dict[str, str], dict[str, str]]:
    """US state abbreviation → FIPS area code, and area code → name, for the source-state map."""
    _total, states = geo.list_areas(session=session, parent="us", level="state", limit=100)
    by_name = {a.name: a.code for a in states}
    text = resources.files("bicentennial.firearms").joinpath("data", "us_states.csv").read_text("utf-8")
    fips = {}
    for row in csv.DictReader(text.splitlines()):
        abbrev, name = row.get("abbreviation") or row.get("abbrev") or row.get("code"), row.get("name")
        if abbrev and name in by_name:
            fips[abbrev] = by_name[name]
    return fips, {a.code: a.name for a in states}


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, user: PageUser) -> Response:
    from bicentennial.firearms.indicators import compute_indicators

    _ = gettext_for(language(request))
    rows = service.visible_rows(session=session, actor=user, purpose="indicators")
    result = compute_indicators(rows)
    fips, us_names = _us_names(session)
    _t, mx_states = geo.list_areas(session=session, parent="mx", level="state", limit=100)
    return render(
        request,
        "firearms/overview.html",
        ind=result,
        total_rows=len(rows),
        synthetic=service.synthetic_count(session=session, actor=user) if rows else 0,
        chart_sources=charts.source_states(result, fips, us_names, _) if result.top_source_states else None,
        chart_recoveries=charts.recovery_states(result, {a.code: a.name for a in mx_states}, _) if rows else None,
        chart_ttc=charts.time_to_crime(rows, _) if rows else None,
        chart_months=charts.by_month(result, _) if rows else None,
        chart_flows=charts.flows(rows, {a.code: a.name for a in mx_states}, _) if rows else None,
        municipalities=_top_municipalities(session, rows),
    )


def _top_municipalities(session: DbSession, rows: list[TraceRow], top: int = 15) -> list[tuple[str, str, int]]:
    counts = Counter(r.recovery_area for r in rows if len(r.recovery_area) == 8)  # "mx:NNNNN", not a state
    names = {a.code: a.name for a in geo.areas_by_code(session=session, codes=[c for c, _n in counts.most_common(top)])}
    return [(code, names.get(code, code), n) for code, n in counts.most_common(top)]


@router.get("/traces", response_class=HTMLResponse)
def traces(
    request: Request,
    session: DbSession,
    user: PageUser,
    state: str = "",
    serial: str = "",
    purchaser: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    total, rows = service.list_traces(
        session=session,
        actor=user,
        state=state or None,
        serial=serial or None,
        purchaser=purchaser or None,
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    _t, states = geo.list_areas(session=session, parent="mx", level="state", limit=100)
    return render(
        request,
        "firearms/traces.html",
        rows=rows,
        total=total,
        page=page,
        size=PAGE,
        states=states,
        filters={"state": state, "serial": serial, "purchaser": purchaser},
    )


@router.get("/traces/{trace_id}", response_class=HTMLResponse)
def trace_page(request: Request, trace_id: int, session: DbSession, user: PageUser) -> Response:
    trace = service.get_trace(session=session, actor=user, trace_id=trace_id)
    hits = page_hits(
        session=session, gettext=gettext_for(language(request)), names=[("dealer", trace.dealer_name, "company")]
    )
    history = service.gun_history(session=session, actor=user, trace=trace)
    return render(request, "firearms/trace.html", t=trace, history=history, party_hits=hits)


@router.get("/networks", response_class=HTMLResponse)
def networks(request: Request, session: DbSession, user: PageUser) -> Response:
    from bicentennial.firearms.networks import find_networks

    found = find_networks(service.visible_rows(session=session, actor=user, purpose="networks"))
    return render(request, "firearms/networks.html", networks=found[:50], total=len(found))


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, user: PageUser) -> Response:
    return render(request, "firearms/imports.html")


@router.post("/imports", response_class=HTMLResponse)
def upload(
    request: Request,
    session: DbSession,
    user: PageUser,
    file: Annotated[UploadFile, File()],
    partial: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with spooled(file.file, file.filename or "", "traces.csv") as path, session.begin_nested():
            report = service.import_file(session=session, actor=user, path=path, partial=partial == "1")
    except BicentennialError as exc:
        return render(request, "firearms/imports.html", status_code=exc.status, error=exc.message)
    status = 200 if report.written or report.duplicate_file else 422
    return render(request, "firearms/imports.html", status_code=status, report=report)
