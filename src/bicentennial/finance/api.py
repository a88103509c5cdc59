"""JSON API: search and screen parties, stored screenings, lists, transaction analyses, platform hits."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from bicentennial.core.errors import InvalidInput, NotFound
from bicentennial.core.exports import table_download
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import spooled
from bicentennial.finance import analyses, list_service, parties, screenings, service
from bicentennial.finance.explain import alert_text, component_texts, row_reasons
from bicentennial.finance.list_model import ListEntity
from bicentennial.finance.models import NameScreening
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.context import state

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])
NO_LISTS = "No sanctions list has been imported yet."
# The language of the added "reasons_text"/"text" fields; "reasons" and "rule" stay English for scripts.
Lang = Annotated[str, Query(pattern="^(en|es)$", description="Language of reasons_text / text: en or es")]


class PartyIn(BaseModel):
    name: str = Field("", max_length=500)
    dob: date | None = None
    curp: str = Field("", max_length=30)
    rfc: str = Field("", max_length=30)
    country: str = Field("", max_length=80)
    kind: str | None = Field(None, pattern="^(person|company)$")


def _screen(session: Any, party: PartyIn, lang: str) -> dict[str, Any]:
    found = service.screen_party(session=session, **party.model_dump())
    if found is None:
        raise InvalidInput(NO_LISTS)
    extra = {"reasons_text": found.texts(gettext_for(lang)), "lists": service.lists_in_use(session=session)}
    return found.as_json() | extra


@router.get("/search")
def search(
    session: DbSession,
    user: ApiUser,
    name: Annotated[str, Query(max_length=500)] = "",
    dob: date | None = None,
    curp: str = "",
    rfc: str = "",
    country: str = "",
    lang: Lang = "en",
) -> dict[str, Any]:
    """Screen one name (and identifiers); the answer explains its score (``reasons_text`` in ``lang``)."""
    return _screen(session, PartyIn(name=name, dob=dob, curp=curp, rfc=rfc, country=country), lang)


@router.post("/screen")
def screen(body: PartyIn, session: DbSession, user: ApiUser, lang: Lang = "en") -> dict[str, Any]:
    return _screen(session, body, lang)


def screening_json(s: NameScreening) -> dict[str, Any]:
    keep = ("id", "file_name", "sha256", "lists", "rows", "summary", "created_at")
    return {k: getattr(s, k) for k in keep} | {"owner_agency": s.owner_agency_id, "handling_code": s.handling_code}


@router.post("/screenings", status_code=201)
def create_screening(
    request: Request, session: DbSession, user: ApiUser, file: Annotated[UploadFile, File()]
) -> JSONResponse:
    settings = state(request).settings
    with spooled(file.file, file.filename or "", "customers.csv") as path:
        record = screenings.screen_file(
            session=session,
            actor=user,
            path=path,
            file_name=file.filename or "customers.csv",
            workers=settings.job_workers,
            scheduler=settings.dask_scheduler,
        )
    headers = {"Location": f"/api/v1/finance/screenings/{record.id}"}
    return JSONResponse(jsonable_encoder(screening_json(record)), status_code=201, headers=headers)


@router.get("/screenings")
def list_screenings(session: DbSession, user: ApiUser) -> list[dict[str, Any]]:
    return [screening_json(s) for s in screenings.list_screenings(session=session, actor=user)]


@router.get("/screenings/{screening_id}")
def get_screening(session: DbSession, user: ApiUser, screening_id: int) -> dict[str, Any]:
    return screening_json(screenings.get_screening(session=session, actor=user, screening_id=screening_id))


def _flat(row: dict[str, Any], lang: str) -> dict[str, Any]:
    fields = row.get("fields", {})
    translated = {"reasons_text": " | ".join(row_reasons(row, gettext_for(lang)))} if lang != "en" else {}
    return {
        "row": row["row"],
        "decision": row["decision"],
        "entity": row.get("entity") or "",
        "list": row.get("list") or "",
        "name": row.get("name") or "",
        "score": "" if row.get("score") is None else row["score"],
        "reasons": " | ".join(row.get("reasons", [])),
        **translated,
        **{f"in:{k}": v for k, v in fields.items()},
    }


@router.get("/screenings/{screening_id}/rows", response_model=None)
def screening_rows(
    session: DbSession,
    user: ApiUser,
    screening_id: int,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
    lang: Lang = "en",
) -> Response | list[dict[str, Any]]:
    """Stored rows; JSON rows add ``reasons_text`` in ``lang``, CSV/XLSX add that column for ``lang=es``."""
    record, rows = screenings.export_rows(session=session, actor=user, screening_id=screening_id, fmt=format)
    if format == "json":
        gettext = gettext_for(lang)
        return [r | {"reasons_text": row_reasons(r, gettext)} for r in rows]
    return table_download([_flat(r, lang) for r in rows], fmt=format, name=f"name-screening-{record.id}")


@router.get("/lists")
def lists(session: DbSession, user: ApiUser) -> list[dict[str, Any]]:
    return list_service.describe(session=session)


@router.post("/lists", status_code=201)
async def import_list(
    session: DbSession,
    user: ApiUser,
    files: Annotated[
        list[UploadFile],
        File(description="One FtM or CSV file, or OFAC's sdn.csv with alt.csv, add.csv, sdn_comments.csv"),
    ],
    format: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for upload in files:
            path = Path(tmp) / Path(upload.filename or "list.csv").name
            path.write_bytes(await upload.read())
            paths.append(path)
        main = next((p for p in paths if p.name.lower() == "sdn.csv"), paths[0]) if format == "ofac-sdn" else paths[0]
        record = list_service.import_list(session=session, actor=user, path=main, fmt=format, name=name or None)
    return {
        "id": record.id,
        "name": record.name,
        "version": record.version,
        "entities": record.entities,
        "names": record.names,
        "problems": record.problems[:50],
    }


def entity_json(e: ListEntity, list_name: str) -> dict[str, Any]:
    return {
        "id": e.id,
        "list": list_name,
        "kind": e.kind,
        "name": e.name,
        "aliases": [{"name": a.name, "kind": a.kind, "quality": a.quality} for a in e.aliases],
        "programs": list(e.programs),
        "dobs": [d.text for d in e.dobs],
        "pobs": list(e.pobs),
        "nationalities": list(e.nationalities),
        "identifiers": [
            {"kind": i.kind, "value": i.value, "country": i.country, "valid": i.valid, "problem": i.problem}
            for i in e.identifiers
        ],
        "addresses": [{"street": a.street, "city": a.city, "country": a.country} for a in e.addresses],
        "linked_to": list(e.linked_to),
        "remarks": e.remarks,
    }


@router.get("/entities/{entity_id}")
def entity(session: DbSession, user: ApiUser, entity_id: str) -> dict[str, Any]:
    found = service.screener(session=session)
    if found is None or entity_id not in found.entities:
        raise NotFound(f"No listed entity {entity_id!r} in the lists in use")
    return entity_json(found.entities[entity_id], found.list_of(entity_id))


@router.post("/analyses", status_code=201)
def create_analysis(session: DbSession, user: ApiUser, file: Annotated[UploadFile, File()]) -> JSONResponse:
    found = service.screener(session=session)
    with spooled(file.file, file.filename or "", "transactions.csv") as path:
        record = analyses.analyse_file(
            session=session,
            actor=user,
            path=path,
            file_name=file.filename or "transactions.csv",
            designated=found.designated_score if found else None,
        )
    body = {
        "id": record.id,
        "file_name": record.file_name,
        "transactions": record.transactions,
        "summary": record.summary,
        "problems": record.problems[:50],
    }
    return JSONResponse(
        jsonable_encoder(body), status_code=201, headers={"Location": f"/api/v1/finance/analyses/{record.id}"}
    )


@router.get("/analyses/{analysis_id}")
def get_analysis(session: DbSession, user: ApiUser, analysis_id: int, lang: Lang = "en") -> dict[str, Any]:
    """The stored analysis; each alert adds ``text`` (its rule) and each network component ``text`` in ``lang``."""
    record = analyses.get_analysis(session=session, actor=user, analysis_id=analysis_id)
    payload, gettext = analyses.payload_of(record), gettext_for(lang)
    payload["alerts"] = [a | {"text": alert_text(a, gettext)} for a in payload.get("alerts", [])]
    network = payload.get("network") or {}
    if "components" in network:
        network["components"] = [c | {"text": component_texts(c, gettext)} for c in network["components"]]
    return {
        "id": record.id,
        "file_name": record.file_name,
        "transactions": record.transactions,
        "summary": record.summary,
        "problems": record.problems,
    } | payload


@router.get("/parties")
def party_hits(session: DbSession, user: ApiUser, lang: Lang = "en") -> list[dict[str, Any]]:
    """Platform parties you may see (exporters, importers, dealers, request subjects) that the lists flag."""
    gettext = gettext_for(lang)
    return [
        {"source": h.source, "record": h.record, "role": h.role, "name": h.name}
        | h.result.as_json()
        | {"reasons_text": h.result.texts(gettext)}
        for h in parties.platform_hits(session=session, actor=user)
    ]
