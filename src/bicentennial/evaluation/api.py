"""JSON API: evaluations from files, of a deployment, of the accord; plans; reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from bicentennial.core.uploads import required_upload_text
from bicentennial.evaluation import plans, service
from bicentennial.evaluation.models import EvaluationPlan, EvaluationRun
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.context import state

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])
MAX_FILE_BYTES = 20 * 1024 * 1024


Method = Literal["synth", "its", "did"]


def run_dict(r: EvaluationRun, *, with_result: bool = True) -> dict[str, Any]:
    out = {
        "id": r.id,
        "title": r.title,
        "method": r.method,
        "exploratory": r.exploratory,
        "plan": r.plan_id,
        "spec": r.spec,
        "source": r.source,
        "data_sha256": r.data_sha256,
        "engine_version": r.engine_version,
        "seconds": r.seconds,
        "created_at": r.created_at,
        "owner_agency": r.owner_agency_id,
    }
    return out | ({"result": r.result} if with_result else {})


def plan_dict(p: EvaluationPlan) -> dict[str, Any]:
    keep = ("id", "name", "method", "spec", "source", "notes", "locked_at", "sha256")
    return {k: getattr(p, k) for k in keep} | {"owner_agency": p.owner_agency_id}


@router.post("/runs", status_code=201)
async def evaluate_files(
    request: Request,
    user: ApiUser,
    session: DbSession,
    method: Annotated[Method, Form()],
    spec: Annotated[UploadFile, File(description="YAML spec")],
    data: Annotated[UploadFile, File(description="Long CSV, one row per unit and period")],
    placebos: Annotated[bool, Form()] = False,
    plan: Annotated[int | None, Form()] = None,
) -> dict[str, Any]:
    settings = state(request).settings
    run = service.evaluate_file(
        session=session,
        actor=user,
        method=method,
        spec=await required_upload_text(spec, max_bytes=MAX_FILE_BYTES, what="spec"),
        data=await required_upload_text(data, max_bytes=MAX_FILE_BYTES, what="data"),
        placebos=placebos if method == "synth" else None,
        plan_id=plan,
        scheduler=settings.dask_scheduler,
        workers=settings.job_workers,
    )
    return run_dict(run)


class DeploymentEvaluation(BaseModel):
    deployment: int
    dataset: int
    placebos: bool = False


@router.post("/deployments", status_code=201)
def evaluate_deployment(
    body: DeploymentEvaluation, request: Request, user: ApiUser, session: DbSession
) -> dict[str, Any]:
    settings = state(request).settings
    run = service.evaluate_deployment(
        session=session,
        actor=user,
        deployment_id=body.deployment,
        dataset_id=body.dataset,
        placebos=body.placebos,
        scheduler=settings.dask_scheduler,
        workers=settings.job_workers,
    )
    return run_dict(run)


class AccordEvaluation(BaseModel):
    indicator: str = "mx_homicide_victims_sesnsp"
    area: str = "mx"
    start: str = service.ACCORD_START
    errors: Literal["newey-west", "arima"] = "newey-west"


@router.post("/accord", status_code=201)
def evaluate_accord(body: AccordEvaluation, user: ApiUser, session: DbSession) -> dict[str, Any]:
    run = service.evaluate_accord(
        session=session, actor=user, indicator=body.indicator, area=body.area, start=body.start, errors=body.errors
    )
    return run_dict(run)


@router.get("/runs")
def list_runs(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    return [run_dict(r, with_result=False) for r in service.list_runs(session=session, actor=user)]


@router.get("/runs/{run_id}")
def get_run(run_id: int, user: ApiUser, session: DbSession) -> dict[str, Any]:
    return run_dict(service.get_run(session=session, actor=user, run_id=run_id))


@router.get("/runs/{run_id}/report")
def report(run_id: int, user: ApiUser, session: DbSession, lang: Literal["en", "es"] = "en") -> Response:
    from bicentennial.evaluation.report import render_report

    html = render_report(service.get_run(session=session, actor=user, run_id=run_id), lang=lang)
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="evaluation-{run_id}.html"'},
    )


class PlanCreate(BaseModel):
    name: str
    method: Method
    spec: str  # YAML text
    notes: str = ""


@router.get("/plans")
def list_plans(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    return [plan_dict(p) for p in plans.list_plans(session=session, actor=user)]


@router.post("/plans", status_code=201)
def create_plan(body: PlanCreate, user: ApiUser, session: DbSession) -> dict[str, Any]:
    plan = plans.create_plan(
        session=session, actor=user, name=body.name, method=body.method, spec_text=body.spec, notes=body.notes
    )
    return plan_dict(plan)


@router.post("/plans/{plan_id}/lock")
def lock_plan(plan_id: int, user: ApiUser, session: DbSession) -> dict[str, Any]:
    return plan_dict(plans.lock_plan(session=session, actor=user, plan_id=plan_id))
