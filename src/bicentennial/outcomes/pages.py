"""Outcome pages: the scorecard, one indicator (chart, map, table, vintages), imports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from bicentennial.access import policy
from bicentennial.core.errors import BicentennialError, InvalidInput, NotFound
from bicentennial.core.i18n import N_, gettext_for
from bicentennial.geo import service as geo
from bicentennial.outcomes import charts, maps, scorecard, store
from bicentennial.outcomes.framework import framework
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language
from bicentennial.web.render import render

router = APIRouter(prefix="/outcomes", include_in_schema=False)
STATUS_WORDS = (N_("on track"), N_("off track"), N_("uncertain"), N_("insufficient data"))


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("as_of: a date like 2023-06-30") from None


@router.get("", response_class=HTMLResponse)
def scorecard_page(request: Request, session: DbSession, user: PageUser, as_of: str = "") -> Response:
    policy.require(user, "outcomes.read")
    lang, when = language(request), _date(as_of)
    _ = gettext_for(lang)
    fw = framework()
    rows = scorecard.scorecard(session=session, lang=lang, as_of=when)
    comparison = charts.comparison_chart(
        session, fw.indicators["mx_homicides_inegi"], fw.indicators["mx_homicide_victims_sesnsp"], lang, _
    )
    return render(
        request,
        "outcomes/scorecard.html",
        rows=rows,
        as_of=as_of,
        goals=fw.goals,
        comparison=comparison,
        sources=sorted({f"{i.source_name}" for i in fw.indicators.values()}),
    )


@router.get("/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    indicator_id: str,
    session: DbSession,
    user: PageUser,
    area: str = "",
    as_of: str = "",
    period: str = "",
) -> Response:
    policy.require(user, "outcomes.read")
    spec = framework().get(indicator_id)
    if spec is None:
        raise NotFound(f"No indicator {indicator_id!r}")
    lang, when = language(request), _date(as_of)
    _ = gettext_for(lang)
    country = scorecard.country_of(spec)
    code = area or country
    place = geo.get_area(session=session, code=code)
    points = store.series(session=session, indicator=spec.id, area=code, as_of=when)
    chosen: str | None = None
    values: dict[str, float] = {}
    state_map: str | None = None
    if "state" in spec.levels:
        chosen, values = maps.state_values(session, spec, period=period or None, as_of=when)
    _total, states = geo.list_areas(session=session, parent=country, level="state", limit=100)
    if values:
        state_map = charts.state_map(spec, chosen, values, lang, _, country, {s.code: s.name for s in states})
    return render(
        request,
        "outcomes/indicator.html",
        spec=spec,
        points=list(reversed(points)),
        area=place,
        states=states,
        chart=charts.series_chart(spec, points, lang, _, place.name, national=code == country),
        state_map=state_map,
        map_period=chosen,
        vintages=store.vintages(session=session, indicator=spec.id, area=code),
        as_of=as_of,
        row=scorecard.row_for(session, spec, lang, when) if code == country else None,
        sources=[f"{spec.source_name} — {spec.source_title}"],
    )


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, session: DbSession, user: PageUser) -> Response:
    policy.require(user, "outcomes.read")
    return render(
        request,
        "outcomes/imports.html",
        batches=store.batches(session=session),
        can_import=policy.can(user, "outcomes.import"),
    )


@router.post("/imports", response_class=HTMLResponse)
def upload(
    request: Request,
    session: DbSession,
    user: PageUser,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form()] = "",
    skip_unknown_areas: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    policy.require(user, "outcomes.import")
    try:
        with session.begin_nested():
            result = store.import_upload(
                session=session,
                stream=file.file,
                file_name=file.filename or "",
                fmt=format or None,
                actor=user.username,
                skip_unknown_areas=skip_unknown_areas == "1",
            )
    except BicentennialError as exc:
        return render(
            request,
            "outcomes/imports.html",
            status_code=exc.status,
            error=exc.message,
            batches=store.batches(session=session),
            can_import=True,
        )
    return render(
        request, "outcomes/imports.html", result=result, batches=store.batches(session=session), can_import=True
    )
