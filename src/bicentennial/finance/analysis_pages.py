"""Finance pages for transactions: upload, alerts by typology, the ranked networks; and the platform's parties."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.core.errors import BicentennialError, InvalidInput
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import spooled
from bicentennial.finance import analyses, parties, service
from bicentennial.finance.charts import alerts_by_typology, network_figure
from bicentennial.finance.explain import alert_text, component_texts
from bicentennial.finance.labels import DECISIONS, ROLES, SOURCES, TYPOLOGIES
from bicentennial.finance.pages import labeller
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language
from bicentennial.web.render import render

router = APIRouter(prefix="/finance", include_in_schema=False)


@router.get("/typologies", response_class=HTMLResponse)
def typologies(
    request: Request, session: DbSession, user: PageUser, status_code: int = 200, error: str | None = None
) -> Response:
    return render(
        request,
        "finance/typologies.html",
        status_code=status_code,
        analyses=analyses.list_analyses(session=session, actor=user),
        error=error,
    )


@router.post("/analyses")
def upload(
    request: Request,
    session: DbSession,
    user: PageUser,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file: no file was chosen")
        found = service.screener(session=session)
        with spooled(file.file, file.filename, "transactions.csv") as path, session.begin_nested():
            record = analyses.analyse_file(
                session=session,
                actor=user,
                path=path,
                file_name=file.filename,
                designated=found.designated_score if found else None,
            )
    except BicentennialError as exc:
        return typologies(request, session, user, status_code=exc.status, error=exc.message)
    return RedirectResponse(f"/finance/analyses/{record.id}", status_code=303)


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
def analysis_page(request: Request, session: DbSession, user: PageUser, analysis_id: int, network: int = 1) -> Response:
    record = analyses.get_analysis(session=session, actor=user, analysis_id=analysis_id)
    data = analyses.payload_of(record)
    _ = gettext_for(language(request))
    source = f"{record.file_name} · {record.transactions:,} " + _("transactions")
    counts = record.summary.get("by_typology", {})
    return render(
        request,
        "finance/analysis.html",
        analysis=record,
        alerts=[a | {"text": alert_text(a, _)} for a in data["alerts"][:500]],
        components=[c | {"text": component_texts(c, _)} for c in data["network"]["components"]],
        shown=network,
        chart=alerts_by_typology(counts, _, source) if counts else None,
        network_chart=network_figure(data["network"], network, _, source),
        typology_label=labeller(TYPOLOGIES, _),
    )


@router.get("/parties", response_class=HTMLResponse)
def party_hits(request: Request, session: DbSession, user: PageUser) -> Response:
    _ = gettext_for(language(request))
    return render(
        request,
        "finance/parties.html",
        hits=parties.platform_hits(session=session, actor=user),
        lists=service.lists_in_use(session=session),
        decision_label=labeller(DECISIONS, _),
        source_label=labeller(SOURCES, _),
        role_label=labeller(ROLES, _),
    )
