"""Evaluation pages: runs with charts and a plain-language summary, one-click evaluations, plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.core.errors import BicentennialError
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import required_upload_text
from bicentennial.evaluation import plans, service
from bicentennial.evaluation.charts import charts_for
from bicentennial.evaluation.summary import summarise
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language
from bicentennial.web.render import render

router = APIRouter(prefix="/evaluation", include_in_schema=False)
ACCORD_INDICATORS = (
    ("mx_homicide_victims_sesnsp", "mx"),
    ("mx_feminicide_victims_sesnsp", "mx"),
    ("mx_homicides_inegi", "mx"),
    ("us_overdose_deaths", "us"),
    ("us_synthetic_opioid_deaths", "us"),
    ("mx_homicide_cases_sesnsp", "mx"),
)
MAX_FILE_BYTES = 20 * 1024 * 1024


def _context(session: DbSession, user: Any) -> dict[str, Any]:
    from bicentennial.hotspots import deployments
    from bicentennial.hotspots import service as hotspots

    return {
        "runs": service.list_runs(session=session, actor=user),
        "deployments": deployments.list_deployments(session=session, actor=user),
        "datasets": hotspots.list_datasets(session=session, actor=user),
        "indicators": ACCORD_INDICATORS,
    }


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, user: PageUser) -> Response:
    return render(request, "evaluation/overview.html", **_context(session, user))


def _failed(request: Request, session: DbSession, user: Any, exc: BicentennialError) -> Response:
    return render(
        request, "evaluation/overview.html", status_code=exc.status, error=exc.message, **_context(session, user)
    )


@router.post("/accord")
def evaluate_accord(
    request: Request,
    session: DbSession,
    user: PageUser,
    indicator: Annotated[str, Form()],
    area: Annotated[str, Form()] = "",
    errors: Annotated[str, Form()] = "newey-west",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            country = "us" if indicator.startswith("us_") else "mx"
            run = service.evaluate_accord(
                session=session, actor=user, indicator=indicator, area=area.strip() or country, errors=errors
            )
    except BicentennialError as exc:
        return _failed(request, session, user, exc)
    return RedirectResponse(f"/evaluation/runs/{run.id}", status_code=303)


@router.post("/deployment")
def evaluate_deployment(
    request: Request,
    session: DbSession,
    user: PageUser,
    deployment: Annotated[int, Form()],
    dataset: Annotated[int, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            run = service.evaluate_deployment(session=session, actor=user, deployment_id=deployment, dataset_id=dataset)
    except BicentennialError as exc:
        return _failed(request, session, user, exc)
    return RedirectResponse(f"/evaluation/runs/{run.id}", status_code=303)


@router.post("/files")
async def evaluate_files(
    request: Request,
    session: DbSession,
    user: PageUser,
    method: Annotated[str, Form()],
    spec: Annotated[UploadFile, File()],
    data: Annotated[UploadFile, File()],
    placebos: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        spec_text, data_text = (
            await required_upload_text(spec, max_bytes=MAX_FILE_BYTES, what="spec"),
            await required_upload_text(data, max_bytes=MAX_FILE_BYTES, what="data"),
        )
        with session.begin_nested():
            run = service.evaluate_file(
                session=session,
                actor=user,
                method=method,
                spec=spec_text,
                data=data_text,
                placebos=(placebos == "1") if method == "synth" else None,
            )
    except BicentennialError as exc:
        return _failed(request, session, user, exc)
    return RedirectResponse(f"/evaluation/runs/{run.id}", status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: int, session: DbSession, user: PageUser) -> Response:
    _ = gettext_for(language(request))
    run = service.get_run(session=session, actor=user, run_id=run_id)
    source = _("Bicentennial evaluation %(id)s · engine %(engine)s") % {"id": run.id, "engine": run.engine_version}
    return render(
        request,
        "evaluation/run.html",
        run=run,
        result=run.result,
        summary=summarise(run.method, run.result, _),
        charts=charts_for(run.method, run.result, _, source),
    )


@router.get("/runs/{run_id}/report.html")
def report(request: Request, run_id: int, session: DbSession, user: PageUser, lang: str | None = None) -> Response:
    from bicentennial.evaluation.report import render_report

    run = service.get_run(session=session, actor=user, run_id=run_id)
    html = render_report(run, lang=lang if lang in {"en", "es"} else language(request))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="evaluation-{run_id}.html"'},
    )


@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, session: DbSession, user: PageUser) -> Response:
    return render(request, "evaluation/plans.html", plans=plans.list_plans(session=session, actor=user))


@router.post("/plans")
def create_plan(
    request: Request,
    session: DbSession,
    user: PageUser,
    name: Annotated[str, Form()],
    method: Annotated[str, Form()],
    spec: Annotated[str, Form()],
    notes: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            plans.create_plan(session=session, actor=user, name=name, method=method, spec_text=spec, notes=notes)
    except BicentennialError as exc:
        return render(
            request,
            "evaluation/plans.html",
            status_code=exc.status,
            error=exc.message,
            plans=plans.list_plans(session=session, actor=user),
        )
    return RedirectResponse("/evaluation/plans", status_code=303)


@router.post("/plans/{plan_id}/lock")
def lock_plan(
    request: Request, plan_id: int, session: DbSession, user: PageUser, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            plans.lock_plan(session=session, actor=user, plan_id=plan_id)
    except BicentennialError as exc:
        return render(
            request,
            "evaluation/plans.html",
            status_code=exc.status,
            error=exc.message,
            plans=plans.list_plans(session=session, actor=user),
        )
    return RedirectResponse("/evaluation/plans", status_code=303)
