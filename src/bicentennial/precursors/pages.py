"""Precursor pages: screen a manifest, read a screening, look a chemical up, browse the lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.access import policy
from bicentennial.core.errors import BicentennialError, InvalidInput, NotFound, optional_date
from bicentennial.core.i18n import gettext_for
from bicentennial.core.uploads import spooled
from bicentennial.precursors import lists as list_service
from bicentennial.precursors import screenings
from bicentennial.precursors.catalogue import substance_view, substances_table
from bicentennial.precursors.flag_text import flag_text
from bicentennial.precursors.lookup import lookup
from bicentennial.precursors.output import VERDICT_LABELS, Writer
from bicentennial.precursors.reasons import RELATIONS
from bicentennial.precursors.registry import bundled
from bicentennial.precursors.screening import Screener
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import language, state
from bicentennial.web.render import render

router = APIRouter(prefix="/precursors", include_in_schema=False)
PAGE_ROWS = 500


def _writer(request: Request) -> Writer:
    lang = language(request)
    return Writer(bundled(), gettext_for(lang), lang)


def _labeller(table: dict[str, str], gettext: Callable[[str], str]) -> Callable[[str], str]:
    return lambda key: gettext(table.get(key, key))


def _day(text: str | None, field: str = "as_of") -> date | None:
    return optional_date(text, field)


def _overview(request: Request, session: DbSession, user: PageUser, status_code: int = 200, **extra: Any) -> Response:
    return render(
        request,
        "precursors/overview.html",
        status_code=status_code,
        screenings=screenings.list_screenings(session=session, actor=user),
        verdict_label=_labeller(VERDICT_LABELS, gettext_for(language(request))),
        today=date.today().isoformat(),
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request, session: DbSession, user: PageUser, q: str | None = None, as_of: str | None = None
) -> Response:
    found = None
    if q and q.strip():
        writer = _writer(request)
        verdict = lookup(Screener(bundled(), as_of=_day(as_of)), q)
        found = {
            "query": q,
            "verdict": verdict,
            "name": writer.named(verdict.substance) if verdict.substance else "",
            "reasons": [r.text(writer.gettext, writer.named) for r in verdict.reasons],
        }
    return _overview(request, session, user, found=found, q=q or "")


@router.get("/sample-manifest.csv")
def sample_manifest(user: PageUser) -> Response:
    """A small synthetic manifest to try the screener with (Spanish headers, traps included)."""
    text = resources.files("bicentennial.precursors").joinpath("data", "sample_manifest.csv").read_bytes()
    headers = {"Content-Disposition": 'attachment; filename="sample_manifest.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/screenings")
def upload(
    request: Request,
    session: DbSession,
    user: PageUser,
    file: Annotated[UploadFile | None, File()] = None,
    as_of: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file: no manifest was chosen")
        settings = state(request).settings
        with spooled(file.file, file.filename, "manifest.csv") as path, session.begin_nested():
            record = screenings.screen_file(
                session=session,
                actor=user,
                path=path,
                file_name=file.filename,
                as_of=_day(as_of),
                workers=settings.job_workers,
                scheduler=settings.dask_scheduler,
            )
    except BicentennialError as exc:
        return _overview(request, session, user, status_code=exc.status, error=exc.message, q="", found=None)
    return RedirectResponse(f"/precursors/screenings/{record.id}", status_code=303)


@router.get("/screenings/{screening_id}", response_class=HTMLResponse)
def screening_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    screening_id: int,
    verdict: str | None = None,
    q: str | None = None,
    sort: str = "row",
    desc: int = 0,
    page: int = 1,
) -> Response:
    record = screenings.get_screening(session=session, actor=user, screening_id=screening_id)
    rows = screenings.select_rows(record, verdict=verdict or None, q=q, sort=sort, descending=bool(desc))
    writer = _writer(request)
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    page = min(max(page, 1), pages)
    shown = [_view_row(writer, r) for r in rows[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]]
    return render(
        request,
        "precursors/screening.html",
        screening=record,
        rows=shown,
        matched=len(rows),
        page=page,
        pages=pages,
        verdict=verdict or "",
        q=q or "",
        sort=sort,
        desc=desc,
        verdicts=screenings.VERDICTS,
        verdict_label=_labeller(VERDICT_LABELS, writer.gettext),
        substance_name=writer.substance_name,
    )


# The rule that settles a verdict, shown first; the other reasons sit behind "why".
_HEADLINE = ("listed", "analogue", "reported-only", "not-in-force", "hs-only", "name-possible", "no-match")


def _view_row(writer: Writer, row: dict[str, Any]) -> dict[str, Any]:
    fields = row["fields"]
    reasons = screenings.reasons_of(row)
    headline = next((r for rule in _HEADLINE for r in reasons if r.rule == rule), None)
    errors = [r for r in reasons if r.rule.endswith("-invalid") or r.rule in ("row-shape", "empty-row")]
    first = errors[0] if errors else headline or (reasons[0] if reasons else None)
    route = [
        fields.get("origin", ""),
        *fields.get("transit", "").replace(";", ",").split(","),
        fields.get("destination", ""),
    ]
    return {
        "row": row["row"],
        "line": row["line"],
        "verdict": row["verdict"],
        "conflict": row["conflict"],
        "substance": row["substance"],
        "substance_name": writer.substance_name(row["substance"]),
        "lists": row["lists"],
        "score": "" if row["score"] is None else f"{row['score']:.2f}",
        "declared": {k: fields[k] for k in ("name", "cas", "hs_code", "smiles", "inchi", "inchikey") if fields.get(k)},
        "quantity": " ".join(x for x in (fields.get("quantity", ""), fields.get("unit", "")) if x),
        "parties": " → ".join(x for x in (fields.get("exporter", ""), fields.get("importer", "")) if x),
        "route": " → ".join(c.strip() for c in route if c.strip()),
        "headline": first.text(writer.gettext, writer.named) if first else "",
        "reasons": [r.text(writer.gettext, writer.named) for r in reasons if r is not first],
        "flags": [{"text": flag_text(f, writer.gettext), "score": f.get("score", 0)} for f in row.get("flags", [])],
    }


@router.get("/substances", response_class=HTMLResponse)
def substances(request: Request, user: PageUser, jurisdiction: str | None = None, as_of: str | None = None) -> Response:
    day = _day(as_of) or date.today()
    rows = substances_table(bundled(), lang=language(request), on=day, jurisdiction=jurisdiction or None)
    return render(
        request, "precursors/substances.html", rows=rows, jurisdiction=jurisdiction or "", as_of=day.isoformat()
    )


@router.get("/substances/{substance_id}", response_class=HTMLResponse)
def substance(request: Request, user: PageUser, substance_id: str) -> Response:
    found = bundled().get(substance_id)
    if found is None:
        raise NotFound(f"No controlled substance {substance_id!r}")
    _ = gettext_for(language(request))
    view = substance_view(found, lang=language(request), gettext=_)
    return render(request, "precursors/substance.html", s=view, relation_label=_labeller(RELATIONS, _))


@router.get("/lists", response_class=HTMLResponse)
def lists_page(
    request: Request, session: DbSession, user: PageUser, status_code: int = 200, error: str | None = None
) -> Response:
    return render(
        request,
        "precursors/lists.html",
        status_code=status_code,
        lists=list_service.describe(session=session),
        may_import=policy.can(user, "precursors.lists.import"),
        error=error,
    )


@router.post("/lists")
def import_list(
    request: Request,
    session: DbSession,
    user: PageUser,
    name: Annotated[str, Form()],
    effective: Annotated[str, Form()],
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file: no list file was chosen")
        day = _day(effective, "effective")
        if day is None:
            raise InvalidInput("effective: required (YYYY-MM-DD)")
        with session.begin_nested():
            list_service.import_list(
                session=session,
                actor=user,
                name=name,
                effective=day,
                file_name=file.filename,
                raw=file.file.read(list_service.MAX_BYTES + 1),
            )
    except BicentennialError as exc:
        return lists_page(request, session, user, status_code=exc.status, error=exc.message)
    return RedirectResponse("/precursors/lists", status_code=303)
