"""JSON API: screen one record or a manifest, read stored screenings, look up chemicals, the lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from bicentennial.core.errors import InvalidInput, NotFound, optional_date
from bicentennial.core.exports import table_download
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import spooled
from bicentennial.precursors import lists as list_service
from bicentennial.precursors import screenings
from bicentennial.precursors.catalogue import substance_view, substances_table
from bicentennial.precursors.lookup import lookup
from bicentennial.precursors.models import ManifestScreening
from bicentennial.precursors.output import Writer, stored_json, stored_record
from bicentennial.precursors.registry import bundled
from bicentennial.precursors.screening import Screener
from bicentennial.precursors.verdicts import Verdict
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.context import state

router = APIRouter(prefix="/api/v1/precursors", tags=["precursors"])
Lang = Annotated[str, Query(pattern="^(en|es)$", description="Language of names and reasons.")]


class RecordIn(BaseModel):
    """One declared chemical, with any of the manifest's fields."""

    name: str | None = Field(None, max_length=500)
    cas: str | None = Field(None, max_length=40)
    smiles: str | None = Field(None, max_length=5000)
    inchi: str | None = Field(None, max_length=5000)
    inchikey: str | None = Field(None, max_length=40)
    molfile: str | None = Field(None, max_length=200_000)
    hs_code: str | None = Field(None, max_length=20)
    as_of: date | None = None


def _day(text: str | None) -> date | None:
    return optional_date(text, "as_of")


def verdict_json(verdict: Verdict, writer: Writer) -> dict[str, Any]:
    return {
        "verdict": verdict.verdict,
        "substance": verdict.substance,
        "substance_name": writer.substance_name(verdict.substance) or None,
        "lists": list(verdict.lists),
        "reasons": [r.as_json(writer.gettext, writer.named) for r in verdict.reasons],
        "score": verdict.score,
        "conflict": verdict.conflict,
        "relation": verdict.relation,
        "others": list(verdict.others),
    }


def screening_json(s: ManifestScreening) -> dict[str, Any]:
    keep = ("id", "file_name", "sha256", "as_of", "registry_version", "rows", "summary", "columns", "created_at")
    return {k: getattr(s, k) for k in keep} | {"owner_agency": s.owner_agency_id, "handling_code": s.handling_code}


@router.post("/screen")
def screen_record(record: RecordIn, user: ApiUser, lang: Lang = "en") -> dict[str, Any]:
    """Screen one declared chemical (nothing stored)."""
    fields = {k: v.strip() for k, v in record.model_dump(exclude={"as_of"}).items() if v and v.strip()}
    writer = Writer(bundled(), gettext_for(lang), lang)
    return verdict_json(Screener(bundled(), as_of=record.as_of).screen(fields), writer)


@router.get("/lookup")
def lookup_one(
    user: ApiUser, q: Annotated[str, Query(min_length=1, max_length=5000)], as_of: str | None = None, lang: Lang = "en"
) -> dict[str, Any]:
    writer = Writer(bundled(), gettext_for(lang), lang)
    return {"query": q} | verdict_json(lookup(Screener(bundled(), as_of=_day(as_of)), q), writer)


@router.post("/screenings", status_code=201)
def create_screening(
    request: Request,
    session: DbSession,
    user: ApiUser,
    file: Annotated[UploadFile, File(description="Manifest, CSV or XLSX")],
    as_of: Annotated[str, Form()] = "",
) -> JSONResponse:
    """Screen a manifest and store the result; the rows are at ``/screenings/{id}/rows``."""
    settings = state(request).settings
    with spooled(file.file, file.filename or "", "manifest.csv") as path:
        record = screenings.screen_file(
            session=session,
            actor=user,
            path=path,
            file_name=file.filename or "manifest.csv",
            as_of=_day(as_of),
            workers=settings.job_workers,
            scheduler=settings.dask_scheduler,
        )
    location = {"Location": f"/api/v1/precursors/screenings/{record.id}"}
    return JSONResponse(jsonable_encoder(screening_json(record)), status_code=201, headers=location)


@router.get("/screenings")
def list_screenings(session: DbSession, user: ApiUser) -> list[dict[str, Any]]:
    return [screening_json(s) for s in screenings.list_screenings(session=session, actor=user)]


@router.get("/screenings/{screening_id}")
def get_screening(session: DbSession, user: ApiUser, screening_id: int) -> dict[str, Any]:
    return screening_json(screenings.get_screening(session=session, actor=user, screening_id=screening_id))


@router.get("/screenings/{screening_id}/rows", response_model=None)
def screening_rows(
    session: DbSession,
    user: ApiUser,
    screening_id: int,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
    lang: Lang = "en",
) -> Response | list[dict[str, Any]]:
    """Every row with its verdict: JSON (the CLI's objects), CSV or XLSX."""
    writer = Writer(bundled(), gettext_for(lang), lang)
    shape = (lambda r: stored_json(writer, r)) if format == "json" else (lambda r: stored_record(writer, r))
    record, rows = screenings.export_rows(
        session=session, actor=user, screening_id=screening_id, fmt=format, lang_text=shape
    )
    if format == "json":
        return rows
    return table_download(rows, fmt=format, name=f"screening-{record.id}")


@router.get("/substances")
def substances(
    user: ApiUser, lang: Lang = "en", jurisdiction: str | None = None, as_of: str | None = None
) -> list[dict[str, Any]]:
    return substances_table(bundled(), lang=lang, on=_day(as_of) or date.today(), jurisdiction=jurisdiction)


@router.get("/substances/{substance_id}")
def substance(user: ApiUser, substance_id: str, lang: Lang = "en") -> dict[str, Any]:
    found = bundled().get(substance_id)
    if found is None:
        raise NotFound(f"No controlled substance {substance_id!r}")
    view = substance_view(found, lang=lang, gettext=gettext_for(lang))
    view["derivatives"] = [
        {"cas": d.cas, "label": d.label, "relation": d.relation, "jurisdictions": list(d.jurisdictions)}
        for d in found.derivatives
    ]
    return view


@router.get("/lists")
def lists(session: DbSession, user: ApiUser) -> list[dict[str, Any]]:
    return list_service.describe(session=session)


@router.post("/lists", status_code=201)
def import_list(
    session: DbSession,
    user: ApiUser,
    file: Annotated[UploadFile, File(description="A list in the bundled controlled.csv layout")],
    name: Annotated[str, Form()],
    effective: Annotated[str, Form()],
) -> dict[str, Any]:
    day = _day(effective)
    if day is None:
        raise InvalidInput("effective: required (YYYY-MM-DD)")
    raw = file.file.read(list_service.MAX_BYTES + 1)
    record = list_service.import_list(
        session=session, actor=user, name=name, effective=day, file_name=file.filename or "list.csv", raw=raw
    )
    return {
        "id": record.id,
        "name": record.name,
        "effective": record.effective,
        "substances": record.substances,
        "lists": record.list_codes,
    }
