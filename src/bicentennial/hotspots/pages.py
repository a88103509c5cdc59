"""Hotspot pages: map and runs, datasets, targeting, deployments and their displacement check."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from bicentennial.core.errors import BicentennialError, InvalidInput
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import upload_text
from bicentennial.hotspots import deployments, service
from bicentennial.hotspots import runs as run_service
from bicentennial.hotspots.charts import before_after, run_map
from bicentennial.hotspots.labels import CLASS_LABELS, METHOD_LABELS, STATUS_LABELS, labeller
from bicentennial.hotspots.models import HotspotDataset
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language, state
from bicentennial.web.render import render

router = APIRouter(prefix="/hotspots", include_in_schema=False)
MAX_FILE_BYTES = 50 * 1024 * 1024


async def _read(upload: UploadFile | None) -> tuple[str, str] | None:
    return await upload_text(upload, max_bytes=MAX_FILE_BYTES)


def _words(request: Request) -> dict[str, Any]:
    _ = gettext_for(language(request))
    return {
        "class_label": labeller(CLASS_LABELS, _),
        "method_label": labeller(METHOD_LABELS, _),
        "status_label": labeller(STATUS_LABELS, _),
    }


def _pick(session: DbSession, user: Any, dataset: int | None) -> tuple[list[HotspotDataset], HotspotDataset | None]:
    found = service.list_datasets(session=session, actor=user)
    if dataset is not None:
        return found, service.get_dataset(session=session, actor=user, dataset_id=dataset)
    return found, found[0] if found else None


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, user: PageUser, dataset: int | None = None) -> Response:
    _ = gettext_for(language(request))
    datasets, chosen = _pick(session, user, dataset)
    runs = run_service.list_runs(session=session, actor=user, dataset_id=chosen.id) if chosen else []
    shown = next((r for r in runs if r.status == "done" and r.method == "emerging"), None) or next(
        (r for r in runs if r.status == "done"), None
    )
    chart = run_map(shown, service.panel_of(chosen), _) if chosen and shown else None
    return render(
        request,
        "hotspots/overview.html",
        datasets=datasets,
        dataset=chosen,
        runs=runs,
        shown=shown,
        chart=chart,
        **_words(request),
    )


@router.post("/runs")
def start_run(
    request: Request,
    session: DbSession,
    user: PageUser,
    dataset: Annotated[int, Form()],
    method: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    replicas: Annotated[str, Form()] = "",
    model: Annotated[str, Form()] = "",
    max_population: Annotated[str, Form()] = "",
    prospective: Annotated[str, Form()] = "",
    weights: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    given: dict[str, Any] = {"replicas": replicas, "model": model, "max_population": max_population, "seed": seed}
    given |= {"prospective": prospective == "1"} if method == "scan" else {}
    if method != "scan":
        given = {"weights": weights, "seed": seed} | ({"value": value} if method != "emerging" else {})
        if method == "emerging":
            given.pop("seed")
    params = {k: v for k, v in given.items() if v not in ("", None)}
    try:
        with session.begin_nested():
            run = run_service.create_run(
                session=session, actor=user, dataset_id=dataset, method=method, parameters=params
            )
    except BicentennialError as exc:
        _ = gettext_for(language(request))
        datasets, chosen = _pick(session, user, dataset)
        runs = run_service.list_runs(session=session, actor=user, dataset_id=dataset)
        return render(
            request,
            "hotspots/overview.html",
            status_code=exc.status,
            error=exc.message,
            datasets=datasets,
            dataset=chosen,
            runs=runs,
            shown=None,
            chart=None,
            **_words(request),
        )
    app = state(request)
    task = BackgroundTask(
        run_service.start_in_background,
        app.db,
        run.id,
        scheduler=app.settings.dask_scheduler,
        workers=app.settings.job_workers,
    )
    return RedirectResponse(f"/hotspots/runs/{run.id}", status_code=303, background=task)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: int, session: DbSession, user: PageUser) -> Response:
    _ = gettext_for(language(request))
    run = run_service.get_run(session=session, actor=user, run_id=run_id)
    dataset = service.get_dataset(session=session, actor=user, dataset_id=run.dataset_id)
    panel = service.panel_of(dataset)
    chart = run_map(run, panel, _) if run.status == "done" else None
    areas = [a for a in run.result.get("areas", []) if a["class"] not in {"none", "no_pattern"}]
    areas.sort(key=lambda a: -(abs(a.get("z") or a.get("last_z") or 0)))
    names = dict(zip(panel.ids, panel.names, strict=True))
    return render(
        request,
        "hotspots/run.html",
        run=run,
        dataset=dataset,
        chart=chart,
        areas=areas[:200],
        significant=len(areas),
        names=names,
        **_words(request),
    )


@router.get("/datasets", response_class=HTMLResponse)
def datasets_page(request: Request, session: DbSession, user: PageUser) -> Response:
    return render(request, "hotspots/datasets.html", datasets=service.list_datasets(session=session, actor=user))


@router.post("/datasets/outcomes", response_class=HTMLResponse)
def dataset_from_outcomes(
    request: Request,
    session: DbSession,
    user: PageUser,
    start: Annotated[str, Form()],
    end: Annotated[str, Form()],
    level: Annotated[str, Form()] = "municipality",
    name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            d = service.dataset_from_outcomes(
                session=session, actor=user, start=start, end=end, level=level, name=name or None
            )
    except BicentennialError as exc:
        return _datasets_error(request, session, user, exc)
    return RedirectResponse(f"/hotspots?dataset={d.id}", status_code=303)


@router.post("/datasets/satscan", response_class=HTMLResponse)
async def dataset_from_files(
    request: Request,
    session: DbSession,
    user: PageUser,
    cases: Annotated[UploadFile, File()],
    coordinates: Annotated[UploadFile, File()],
    population: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        case_text, coord_text = await _read(cases), await _read(coordinates)
        if case_text is None or coord_text is None:
            raise InvalidInput("cases and coordinates files are both required")
        pop_text = await _read(population)
        with session.begin_nested():
            d = service.dataset_from_satscan(
                session=session,
                actor=user,
                cases=case_text,
                coordinates=coord_text,
                population=pop_text,
                name=name or None,
            )
    except BicentennialError as exc:
        return _datasets_error(request, session, user, exc)
    return RedirectResponse(f"/hotspots?dataset={d.id}", status_code=303)


def _datasets_error(request: Request, session: DbSession, user: Any, exc: BicentennialError) -> Response:
    found = service.list_datasets(session=session, actor=user)
    return render(request, "hotspots/datasets.html", status_code=exc.status, error=exc.message, datasets=found)


@router.get("/targets", response_class=HTMLResponse)
def targets_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    dataset: int | None = None,
    teams: int = 10,
    group_population_cap: float | None = None,
) -> Response:
    datasets, chosen = _pick(session, user, dataset)
    result, error = None, None
    if chosen is not None:
        try:
            result = deployments.targets(
                session=session,
                actor=user,
                dataset_id=chosen.id,
                teams=teams,
                group_population_cap=group_population_cap or None,
            )
        except BicentennialError as exc:
            error = exc.message
    return render(
        request,
        "hotspots/targets.html",
        datasets=datasets,
        dataset=chosen,
        result=result,
        teams=teams,
        cap=group_population_cap or "",
        error=error,
        **_words(request),
    )


@router.get("/deployments", response_class=HTMLResponse)
def deployments_page(request: Request, session: DbSession, user: PageUser) -> Response:
    found = deployments.list_deployments(session=session, actor=user)
    return render(request, "hotspots/deployments.html", deployments=found, today=date.today().isoformat())


@router.post("/deployments", response_class=HTMLResponse)
def create_deployment(
    request: Request,
    session: DbSession,
    user: PageUser,
    name: Annotated[str, Form()],
    areas: Annotated[str, Form()],
    start: Annotated[str, Form()],
    end: Annotated[str, Form()] = "",
    teams: Annotated[int, Form()] = 1,
    notes: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        first, last = _date(start, "start"), _date(end, "end") if end else None
        with session.begin_nested():
            d = deployments.create_deployment(
                session=session,
                actor=user,
                name=name,
                area_codes=areas.replace(";", ",").split(","),
                start=first,
                end=last,
                teams=teams,
                notes=notes,
            )
    except BicentennialError as exc:
        found = deployments.list_deployments(session=session, actor=user)
        return render(
            request,
            "hotspots/deployments.html",
            status_code=exc.status,
            error=exc.message,
            deployments=found,
            today=date.today().isoformat(),
        )
    return RedirectResponse(f"/hotspots/deployments/{d.id}", status_code=303)


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None


@router.get("/deployments/{deployment_id}", response_class=HTMLResponse)
def deployment_page(
    request: Request, deployment_id: int, session: DbSession, user: PageUser, dataset: int | None = None
) -> Response:
    _ = gettext_for(language(request))
    d = deployments.get_deployment(session=session, actor=user, deployment_id=deployment_id)
    datasets, chosen = _pick(session, user, dataset)
    check, chart, error = None, None, None
    if chosen is not None:
        try:
            check = deployments.displacement(session=session, actor=user, deployment_id=d.id, dataset_id=chosen.id)
            chart = before_after(check, d, _)
        except BicentennialError as exc:
            error = exc.message
    return render(
        request,
        "hotspots/deployment.html",
        d=d,
        datasets=datasets,
        dataset=chosen,
        check=check,
        chart=chart,
        error=error,
    )
