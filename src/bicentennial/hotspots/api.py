"""JSON API: datasets, runs (scan, Gi*, local Moran, emerging), exports, targeting and deployments."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from bicentennial.core import exports as core_exports
from bicentennial.core.errors import InvalidInput
from bicentennial.core.uploads import upload_text
from bicentennial.hotspots import deployments, exports, runs, service
from bicentennial.hotspots.models import Deployment, HotspotDataset, HotspotRun
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.context import state

router = APIRouter(prefix="/api/v1/hotspots", tags=["hotspots"])
MAX_FILE_BYTES = 50 * 1024 * 1024


async def _read(upload: UploadFile | None) -> tuple[str, str] | None:
    return await upload_text(upload, max_bytes=MAX_FILE_BYTES)


def dataset_dict(d: HotspotDataset) -> dict[str, Any]:
    keep = ("id", "name", "source", "indicator", "level", "first_period", "last_period", "areas", "total_cases")
    return {k: getattr(d, k) for k in keep} | {
        "sha256": d.sha256,
        "provenance": d.provenance,
        "synthetic": d.synthetic,
        "owner_agency": d.owner_agency_id,
        "handling_code": d.handling_code,
        "created_at": d.created_at,
    }


def run_dict(r: HotspotRun, *, with_result: bool = True) -> dict[str, Any]:
    out = {
        "id": r.id,
        "dataset": r.dataset_id,
        "method": r.method,
        "status": r.status,
        "progress": r.progress,
        "error": r.error or None,
        "parameters": r.parameters,
        "seed": r.seed,
        "engine_version": r.engine_version,
        "input_sha256": r.input_sha256,
        "result_sha256": r.result_sha256 or None,
        "seconds": r.seconds,
        "created_at": r.created_at,
        "finished_at": r.finished_at,
        "owner_agency": r.owner_agency_id,
        "handling_code": r.handling_code,
    }
    return out | ({"result": r.result} if with_result else {})


def deployment_dict(d: Deployment) -> dict[str, Any]:
    keep = ("id", "name", "area_codes", "start", "end", "teams", "run_id", "notes", "handling_code")
    return {k: getattr(d, k) for k in keep} | {"owner_agency": d.owner_agency_id}


class OutcomesDataset(BaseModel):
    start: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2023-01"])
    end: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2025-12"])
    indicator: str = service.DEFAULT_INDICATOR
    level: Literal["municipality", "state"] = "municipality"
    as_of: date | None = None
    name: str | None = None


class RunCreate(BaseModel):
    dataset: int
    method: Literal["scan", "gistar", "local_moran", "emerging"]
    parameters: dict[str, Any] = {}
    wait: bool = Field(False, description="Compute before answering (small data) instead of in the background.")


class DeploymentCreate(BaseModel):
    name: str
    areas: list[str]
    start: date
    end: date | None = None
    teams: int = 1
    run: int | None = None
    notes: str = ""


@router.get("/datasets")
def list_datasets(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    return [dataset_dict(d) for d in service.list_datasets(session=session, actor=user)]


@router.post("/datasets", status_code=201)
def create_from_outcomes(body: OutcomesDataset, user: ApiUser, session: DbSession) -> dict[str, Any]:
    dataset = service.dataset_from_outcomes(
        session=session,
        actor=user,
        start=body.start,
        end=body.end,
        indicator=body.indicator,
        level=body.level,
        as_of=body.as_of,
        name=body.name,
    )
    return dataset_dict(dataset)


@router.post("/datasets/satscan", status_code=201)
async def create_from_satscan(
    user: ApiUser,
    session: DbSession,
    cases: Annotated[UploadFile, File(description="Case file: <location> <count> <YYYY-MM>")],
    coordinates: Annotated[UploadFile, File(description="Coordinates file: <location> <lat> <lon>")],
    population: Annotated[
        UploadFile | None, File(description="Population file: <location> <year> <population>")
    ] = None,
    name: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    case_text, coord_text = await _read(cases), await _read(coordinates)
    if case_text is None or coord_text is None:
        raise InvalidInput("cases and coordinates files are both required")
    dataset = service.dataset_from_satscan(
        session=session,
        actor=user,
        cases=case_text,
        coordinates=coord_text,
        population=await _read(population),
        name=name,
    )
    return dataset_dict(dataset)


@router.get("/datasets/{dataset_id}")
def get_dataset(dataset_id: int, user: ApiUser, session: DbSession) -> dict[str, Any]:
    dataset = service.get_dataset(session=session, actor=user, dataset_id=dataset_id)
    found = runs.list_runs(session=session, actor=user, dataset_id=dataset_id)
    return dataset_dict(dataset) | {"runs": [run_dict(r, with_result=False) for r in found]}


@router.get("/datasets/{dataset_id}/satscan")
def dataset_satscan(
    dataset_id: int, user: ApiUser, session: DbSession, file: Literal["cases", "population", "coordinates"] = "cases"
) -> Response:
    """The dataset as a SaTScan file, to cross-check results in SaTScan."""
    text = exports.dataset_satscan_files(session=session, actor=user, dataset_id=dataset_id)[file]
    suffix = {"cases": "cas", "population": "pop", "coordinates": "geo"}[file]
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="dataset-{dataset_id}.{suffix}"'},
    )


@router.get("/datasets/{dataset_id}/targets")
def targets(
    dataset_id: int,
    user: ApiUser,
    session: DbSession,
    teams: Annotated[int, Query(ge=1, le=500)] = 10,
    group_population_cap: Annotated[float | None, Query(gt=0)] = None,
) -> dict[str, Any]:
    return deployments.targets(
        session=session, actor=user, dataset_id=dataset_id, teams=teams, group_population_cap=group_population_cap
    )


@router.post("/runs", status_code=202)
def create_run(
    body: RunCreate, request: Request, background: BackgroundTasks, user: ApiUser, session: DbSession
) -> JSONResponse:
    app = state(request)
    scheduler, workers = app.settings.dask_scheduler, app.settings.job_workers
    if body.wait:
        run = runs.run_now(
            session=session,
            actor=user,
            dataset_id=body.dataset,
            method=body.method,
            parameters=body.parameters,
            scheduler=scheduler,
            workers=workers,
        )
        return JSONResponse(jsonable_encoder(run_dict(run)), status_code=201)
    run = runs.create_run(
        session=session, actor=user, dataset_id=body.dataset, method=body.method, parameters=body.parameters
    )
    # The request's transaction commits before background tasks start, so the thread finds the queued run.
    background.add_task(runs.start_in_background, app.db, run.id, scheduler=scheduler, workers=workers)
    return JSONResponse(
        jsonable_encoder(run_dict(run)), status_code=202, headers={"Location": f"/api/v1/hotspots/runs/{run.id}"}
    )


@router.get("/runs")
def list_runs(user: ApiUser, session: DbSession, dataset: int | None = None) -> list[dict[str, Any]]:
    return [run_dict(r, with_result=False) for r in runs.list_runs(session=session, actor=user, dataset_id=dataset)]


@router.get("/runs/{run_id}")
def get_run(run_id: int, user: ApiUser, session: DbSession) -> dict[str, Any]:
    return run_dict(runs.get_run(session=session, actor=user, run_id=run_id))


@router.get("/runs/{run_id}/export")
def export_run(
    run_id: int, user: ApiUser, session: DbSession, format: Literal["csv", "json", "geojson"] = "csv"
) -> Response:
    if format == "geojson":
        body = exports.run_geojson(session=session, actor=user, run_id=run_id)
        return Response(
            core_exports.json_dumps(body),
            media_type="application/geo+json",
            headers={"Content-Disposition": f'attachment; filename="hotspot-run-{run_id}.geojson"'},
        )
    run, rows = exports.export_run(session=session, actor=user, run_id=run_id, fmt=format)
    return core_exports.download(rows, name=f"hotspot-run-{run_id}", fmt=format, preamble=exports.notes(run, user))


@router.get("/deployments")
def list_deployments(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    return [deployment_dict(d) for d in deployments.list_deployments(session=session, actor=user)]


@router.post("/deployments", status_code=201)
def create_deployment(body: DeploymentCreate, user: ApiUser, session: DbSession) -> dict[str, Any]:
    d = deployments.create_deployment(
        session=session,
        actor=user,
        name=body.name,
        area_codes=body.areas,
        start=body.start,
        end=body.end,
        teams=body.teams,
        run_id=body.run,
        notes=body.notes,
    )
    return deployment_dict(d)


@router.get("/deployments/{deployment_id}/displacement")
def displacement(deployment_id: int, dataset: int, user: ApiUser, session: DbSession) -> dict[str, Any]:
    return deployments.displacement(session=session, actor=user, deployment_id=deployment_id, dataset_id=dataset)
