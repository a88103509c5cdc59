"""Finance pages: search a name, screen a file, read a screening, a listed entity, the lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from bicentennial.access import policy
from bicentennial.core.errors import BicentennialError, InvalidInput, NotFound, optional_date
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import spooled
from bicentennial.finance import list_service, screenings, service
from bicentennial.finance.explain import row_reasons
from bicentennial.finance.labels import DECISIONS, KINDS
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language, state
from bicentennial.web.render import render

router = APIRouter(prefix="/finance", include_in_schema=False)
DECISION_ORDER = ("match", "possible", "no-match", "error")


def labeller(table: dict[str, str], gettext: Callable[[str], str]) -> Callable[[str], str]:
    return lambda key: gettext(table.get(key, key))


def _day(text: str, field: str) -> date | None:
    return optional_date(text, field)


def _overview(request: Request, session: DbSession, user: PageUser, status_code: int = 200, **extra: Any) -> Response:
    _ = gettext_for(language(request))
    return render(
        request,
        "finance/overview.html",
        status_code=status_code,
        lists=[row for row in list_service.describe(session=session) if row["in_use"]],
        screenings=screenings.list_screenings(session=session, actor=user),
        decision_label=labeller(DECISIONS, _),
        **({"found": None, "query": {}} | extra),
    )


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request,
    session: DbSession,
    user: PageUser,
    name: str = "",
    dob: str = "",
    curp: str = "",
    rfc: str = "",
    country: str = "",
) -> Response:
    query = {"name": name, "dob": dob, "curp": curp, "rfc": rfc, "country": country}
    if not any(query.values()):
        return _overview(request, session, user)
    try:
        found = service.screen_party(
            session=session, name=name, dob=_day(dob, "dob"), curp=curp, rfc=rfc, country=country
        )
    except BicentennialError as exc:
        return _overview(request, session, user, status_code=exc.status, error=exc.message, query=query)
    if found is None:
        return _overview(
            request,
            session,
            user,
            error=gettext_for(language(request))("No sanctions list has been imported yet."),
            query=query,
        )
    return _overview(request, session, user, found=found, query=query)


@router.post("/screenings")
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
        settings = state(request).settings
        with spooled(file.file, file.filename, "customers.csv") as path, session.begin_nested():
            record = screenings.screen_file(
                session=session,
                actor=user,
                path=path,
                file_name=file.filename,
                workers=settings.job_workers,
                scheduler=settings.dask_scheduler,
            )
    except BicentennialError as exc:
        return _overview(request, session, user, status_code=exc.status, error=exc.message)
    return RedirectResponse(f"/finance/screenings/{record.id}", status_code=303)


@router.get("/screenings/{screening_id}", response_class=HTMLResponse)
def screening_page(
    request: Request, session: DbSession, user: PageUser, screening_id: int, decision: str = ""
) -> Response:
    record = screenings.get_screening(session=session, actor=user, screening_id=screening_id)
    rows = [r for r in screenings.stored_rows(record) if not decision or r["decision"] == decision]
    _ = gettext_for(language(request))
    shown = [r | {"reasons_text": row_reasons(r, _)} for r in rows[:2000]]
    return render(
        request,
        "finance/screening.html",
        screening=record,
        rows=shown,
        matched=len(rows),
        decision=decision,
        decisions=DECISION_ORDER,
        decision_label=labeller(DECISIONS, _),
    )


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, session: DbSession, user: PageUser, entity_id: str) -> Response:
    found = service.screener(session=session)
    entity = found.entities.get(entity_id) if found else None
    if found is None or entity is None:
        raise NotFound(f"No listed entity {entity_id!r} in the lists in use")
    _ = gettext_for(language(request))
    return render(
        request, "finance/entity.html", e=entity, list_name=found.list_of(entity_id), kind_label=labeller(KINDS, _)
    )


@router.get("/lists", response_class=HTMLResponse)
def lists_page(
    request: Request, session: DbSession, user: PageUser, status_code: int = 200, error: str | None = None
) -> Response:
    return render(
        request,
        "finance/lists.html",
        status_code=status_code,
        lists=list_service.describe(session=session),
        may_import=policy.can(user, "finance.lists.import"),
        formats=list_service.FORMATS,
        error=error,
    )


@router.post("/lists")
async def import_list(request: Request, session: DbSession, user: PageUser) -> Response:
    """One file (FtM, CSV) or the four OFAC legacy files (sdn, alt, add, sdn_comments) together."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    uploads = [f for f in form.getlist("files") if isinstance(f, StarletteUpload) and f.filename]
    try:
        if not uploads:
            raise InvalidInput("files: no file was chosen")
        fmt, name = str(form.get("format", "")), str(form.get("name", "")).strip() or None
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for upload in uploads:
                path = Path(tmp) / Path(str(upload.filename)).name
                path.write_bytes(await upload.read())
                paths.append(path)
            main = next((p for p in paths if p.name.lower() == "sdn.csv"), paths[0]) if fmt == "ofac-sdn" else paths[0]
            with session.begin_nested():
                list_service.import_list(session=session, actor=user, path=main, fmt=fmt, name=name)
    except BicentennialError as exc:
        return lists_page(request, session, user, status_code=exc.status, error=exc.message)
    return RedirectResponse("/finance/lists", status_code=303)
