"""JSON API: scans (x3p upload with custody data), database search, comparisons, leads and their decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bicentennial.ballistics import service
from bicentennial.ballistics.cmc import CmcResult
from bicentennial.ballistics.models import BallisticLead, BallisticScan
from bicentennial.core.errors import InvalidInput, optional_date
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.context import state

router = APIRouter(prefix="/api/v1/ballistics", tags=["ballistics"])
MAX_SCAN_BYTES = 50 * 1024 * 1024


def scan_json(s: BallisticScan) -> dict[str, Any]:
    keep = (
        "id",
        "case_number",
        "exhibit",
        "file_name",
        "sha256",
        "scanned_by",
        "instrument",
        "scanned_on",
        "spacing_um",
        "rows",
        "columns",
        "deviations",
        "preprocessing",
        "synthetic",
        "created_at",
    )
    return {k: getattr(s, k) for k in keep} | {"owner_agency": s.owner_agency_id, "handling_code": s.handling_code}


def result_json(result: CmcResult, areal: float) -> dict[str, Any]:
    return {
        "cmc_count": result.cmc_count,
        "cmc_count_reverse": result.cmc_count_reverse,
        "decision": result.decision,
        "areal_correlation": round(areal, 4),
        "seconds": round(result.seconds, 4),
        "cells": [
            {
                "row": c.row,
                "col": c.col,
                "theta": c.theta,
                "dx": c.dx,
                "dy": c.dy,
                "ccf": round(c.ccf, 4),
                "is_cmc": c.is_cmc,
            }
            for c in result.cells
        ],
        "params": result.params,
    }


def lead_json(lead: BallisticLead) -> dict[str, Any]:
    keep = (
        "id",
        "query_scan_id",
        "candidate_scan_id",
        "cmc_count",
        "cmc_count_reverse",
        "areal_correlation",
        "decision",
        "evidence",
        "status",
        "note",
        "decided_at",
        "created_at",
    )
    return {k: getattr(lead, k) for k in keep}


@router.post("/scans", status_code=201)
async def upload_scan(
    session: DbSession,
    user: ApiUser,
    file: Annotated[UploadFile, File(description="x3p file")],
    case_number: Annotated[str, Form()],
    exhibit: Annotated[str, Form()] = "",
    scanned_by: Annotated[str, Form()] = "",
    instrument: Annotated[str, Form()] = "",
    scanned_on: Annotated[str, Form()] = "",
    preprocessed: Annotated[bool, Form()] = False,
) -> JSONResponse:
    data = await file.read(MAX_SCAN_BYTES + 1)
    if len(data) > MAX_SCAN_BYTES:
        raise InvalidInput(f"{file.filename}: larger than {MAX_SCAN_BYTES // 2**20} MiB")
    scan = service.store_scan(
        session=session,
        actor=user,
        data=data,
        file_name=file.filename or "scan.x3p",
        case_number=case_number,
        exhibit=exhibit,
        scanned_by=scanned_by,
        instrument=instrument,
        scanned_on=optional_date(scanned_on, "scanned_on"),
        preprocessed=preprocessed,
    )
    return JSONResponse(
        jsonable_encoder(scan_json(scan)), status_code=201, headers={"Location": f"/api/v1/ballistics/scans/{scan.id}"}
    )


@router.get("/scans")
def list_scans(session: DbSession, user: ApiUser, case_number: str | None = None) -> list[dict[str, Any]]:
    return [scan_json(s) for s in service.list_scans(session=session, actor=user, case_number=case_number)]


@router.get("/scans/{scan_id}")
def get_scan(session: DbSession, user: ApiUser, scan_id: int) -> dict[str, Any]:
    return scan_json(service.get_scan(session=session, actor=user, scan_id=scan_id))


@router.post("/scans/{scan_id}/search")
def search(
    request: Request, session: DbSession, user: ApiUser, scan_id: int, top: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[dict[str, Any]]:
    """Ranked candidates (pre-filter, then CMC on the short list); identifications become leads."""
    settings = state(request).settings
    found = service.search(
        session=session,
        actor=user,
        scan_id=scan_id,
        top=top,
        workers=settings.job_workers,
        scheduler=settings.dask_scheduler,
    )
    return [
        {
            "scan_id": c.scan_id,
            "case_number": c.case_number,
            "exhibit": c.exhibit,
            "areal_correlation": round(c.areal, 4),
        }
        | (
            {k: v for k, v in result_json(c.result, c.areal).items() if k not in ("cells", "params")}
            if c.result
            else {"decision": None}
        )
        for c in found
    ]


@router.get("/compare")
def compare(session: DbSession, user: ApiUser, a: int, b: int) -> dict[str, Any]:
    _, _, result, areal = service.compare_scans(session=session, actor=user, reference_id=a, target_id=b)
    return result_json(result, areal)


@router.get("/leads")
def leads(session: DbSession, user: ApiUser, status: str | None = None) -> list[dict[str, Any]]:
    return [lead_json(lead) for lead in service.list_leads(session=session, actor=user, status=status)]


@router.get("/leads/graph")
def lead_graph(session: DbSession, user: ApiUser) -> dict[str, Any]:
    return service.lead_graph(session=session, actor=user)


class DecisionIn(BaseModel):
    status: str = Field(pattern="^(confirmed|rejected)$")
    note: str = Field("", max_length=2000)


@router.post("/leads/{lead_id}/decision")
def decide(session: DbSession, user: ApiUser, lead_id: int, body: DecisionIn) -> dict[str, Any]:
    return lead_json(
        service.decide_lead(session=session, actor=user, lead_id=lead_id, status=body.status, note=body.note)
    )
