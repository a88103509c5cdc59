"""JSON API for traces, trafficking indicators, networks and a gun's history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from bicentennial.core.uploads import spooled
from bicentennial.firearms import service
from bicentennial.web.auth import ApiUser, DbSession

router = APIRouter(prefix="/api/v1/firearms", tags=["firearms"])


def trace_dict(t: Any) -> dict[str, Any]:
    keep = ("id", *service.FIELDS, "handling_code", "sensitivity", "synthetic")
    return {name: getattr(t, name) for name in keep} | {"owner_agency": t.owner_agency_id}


@router.get("/traces")
def list_traces(
    user: ApiUser,
    session: DbSession,
    state: str | None = None,
    serial: str | None = None,
    purchaser: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    total, rows = service.list_traces(
        session=session, actor=user, state=state, serial=serial, purchaser=purchaser, limit=limit, offset=offset
    )
    return {"total": total, "limit": limit, "offset": offset, "items": [trace_dict(t) for t in rows]}


@router.get("/traces/{trace_id}")
def get_trace(trace_id: int, user: ApiUser, session: DbSession) -> dict[str, Any]:
    trace = service.get_trace(session=session, actor=user, trace_id=trace_id)
    history = service.gun_history(session=session, actor=user, trace=trace)
    return trace_dict(trace) | {"history": [trace_dict(t) for t in history]}


@router.post("/imports", status_code=201)
def import_traces(
    user: ApiUser, session: DbSession, file: Annotated[UploadFile, File()], partial: Annotated[bool, Form()] = False
) -> dict[str, Any]:
    with spooled(file.file, file.filename or "", "traces.csv") as path:
        return asdict(service.import_file(session=session, actor=user, path=path, partial=partial))


@router.get("/indicators")
def indicators(user: ApiUser, session: DbSession) -> dict[str, Any]:
    from bicentennial.firearms.indicators import compute_indicators

    return asdict(compute_indicators(service.visible_rows(session=session, actor=user, purpose="indicators")))


@router.get("/networks")
def networks(user: ApiUser, session: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[Any]:
    from bicentennial.firearms.networks import find_networks

    found = find_networks(service.visible_rows(session=session, actor=user, purpose="networks"))
    return [asdict(n) for n in found[:limit]]
