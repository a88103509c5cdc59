"""`bicentennial precursors ...`: screen manifests, look up a chemical, browse and import the lists."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bicentennial.cli import JsonFlag, app, emit, err, out, rows_progress, unit_of_work
from bicentennial.core.config import get_settings
from bicentennial.core.errors import InvalidInput, optional_date
from bicentennial.core.i18n import gettext_for
from bicentennial.precursors import lists as list_service
from bicentennial.precursors.batch import ScreenedRow, Summary, screen_rows
from bicentennial.precursors.cli_notifications import notifications_app
from bicentennial.precursors.exports import TableSink
from bicentennial.precursors.manifest import open_manifest
from bicentennial.precursors.output import Writer
from bicentennial.precursors.registry import Registry, bundled
from bicentennial.precursors.screening import Screener

precursors_app = typer.Typer(
    help="Precursors: screen shipments against controlled-chemical lists; pre-export notifications.",
    no_args_is_help=True,
)
app.add_typer(precursors_app, name="precursors")
lists_app = typer.Typer(
    help="The controlled-chemical lists: bundled and imported national lists.", no_args_is_help=True
)
precursors_app.add_typer(lists_app, name="lists")
precursors_app.add_typer(notifications_app, name="notifications")

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Screen against the lists in force on this date (YYYY-MM-DD; default today)."),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of names and reasons: en or es.")]
Imported = Annotated[bool, typer.Option("--imported", help="Also apply the national lists imported into the database.")]
AsUser = Annotated[str | None, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user.")]


def parse_day(text: str | None, field: str = "--as-of") -> date | None:
    return optional_date(text, field)


def _registry(imported: bool, as_of: date | None) -> Registry:
    if not imported:
        return bundled()
    with unit_of_work() as session:
        return list_service.registry(session=session, as_of=as_of)


@precursors_app.command("screen")
def screen(
    file: Annotated[Path, typer.Argument(help="Manifest: CSV (any of , ; tab |) or XLSX, English or Spanish headers.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per row (JSON Lines), in order.")
    ] = False,
    as_of: AsOf = None,
    lang: Lang = "en",
    imported: Imported = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the screened table (.csv or .xlsx).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes for structures (default: settings).")
    ] = None,
) -> None:
    """Screen every row of a manifest: controlled, review (possible designer precursor) or clear, with reasons."""
    day = parse_day(as_of)
    if not file.exists():
        raise InvalidInput(f"{file}: no such file")
    registry = _registry(imported, day)
    screener = Screener(registry, as_of=day)
    writer = Writer(registry, gettext_for(lang), lang)
    manifest = open_manifest(file)
    settings = get_settings()
    summary = Summary()
    with rows_progress(f"screening {file.name}") as advance:
        rows = screen_rows(
            manifest.rows,
            screener,
            workers=settings.job_workers if workers is None else workers,
            scheduler=settings.dask_scheduler,
            summary=summary,
            progress=advance,
        )
        with TableSink.open(output, writer) as sink:
            if as_json:
                _print_jsonl(rows, writer, sink)
            else:
                _print_table(rows, writer, sink)
    _print_summary(summary, registry, screener, file)


def _print_jsonl(rows: Iterable[ScreenedRow], writer: Writer, sink: TableSink) -> None:
    write = sys.stdout.write
    for item in rows:
        write(writer.json_line(item))
        write("\n")
        sink.add(item)


def _print_table(rows: Iterable[ScreenedRow], writer: Writer, sink: TableSink) -> None:
    from rich.table import Table

    table = Table(title="Screened rows (controlled, review and errors)")
    for column in ("row", "verdict", "substance", "lists", "score", "reasons"):
        table.add_column(column)
    shown = 0
    for item in rows:
        sink.add(item)
        v = item.verdict
        if v.verdict == "clear" or shown >= 200:
            continue
        shown += 1
        reasons = " ".join(r.text(writer.gettext, writer.named) for r in v.reasons)
        score = "" if v.score is None else f"{v.score:.2f}"
        table.add_row(
            str(item.row),
            v.verdict,
            writer.named(v.substance) if v.substance else "",
            ", ".join(v.lists),
            score,
            reasons,
        )
    out.print(table)


def _print_summary(summary: Summary, registry: Registry, screener: Screener, file: Path) -> None:
    counts = summary.as_dict()
    err.print(
        f"{file.name}: {counts['rows']:,} rows — controlled {counts['controlled']:,}, review {counts['review']:,}, "
        f"clear {counts['clear']:,}, errors {counts['error']:,}, conflicts {counts['conflicts']:,} "
        f"(lists: {registry.label} {registry.version}, as of {screener.as_of.isoformat()})",
        highlight=False,
    )


@precursors_app.command("lookup")
def lookup(
    query: Annotated[str, typer.Argument(help="A name (English or Spanish), CAS number, SMILES, InChI or InChIKey.")],
    as_json: JsonFlag = False,
    as_of: AsOf = None,
    lang: Lang = "en",
) -> None:
    """Identify one chemical: is it controlled, under which lists, and why."""
    from bicentennial.precursors.lookup import lookup as find

    registry = bundled()
    screener = Screener(registry, as_of=parse_day(as_of))
    writer = Writer(registry, gettext_for(lang), lang)
    verdict = find(screener, query)
    row = {
        "query": query,
        "verdict": verdict.verdict,
        "substance": verdict.substance,
        "substance_name": writer.substance_name(verdict.substance) or None,
        "lists": list(verdict.lists),
        "score": verdict.score,
        "reasons": [r.text(writer.gettext, writer.named) for r in verdict.reasons],
    }
    if as_json:
        emit([row], True, "")
        return
    out.print(f"[bold]{verdict.verdict}[/bold] {writer.named(verdict.substance) if verdict.substance else ''}")
    if verdict.lists:
        out.print("lists: " + ", ".join(verdict.lists))
    for r in verdict.reasons:
        out.print(f" • {r.text(writer.gettext, writer.named)}", highlight=False)


@precursors_app.command("substances")
def substances(as_json: JsonFlag = False, lang: Lang = "en", as_of: AsOf = None) -> None:
    """The bundled controlled substances with the lists in force."""
    day = parse_day(as_of) or date.today()
    rows = [
        {
            "id": s.id,
            "name": s.name(lang),
            "cas": s.cas or "",
            "lists": ", ".join(item.code for item in s.listings_on(day)),
        }
        for s in bundled().substances
    ]
    emit(rows, as_json, "Controlled substances")


@lists_app.command("show")
def lists_show(as_json: JsonFlag = False) -> None:
    """The bundled list and the national lists imported into the database."""
    with unit_of_work() as session:
        rows = list_service.describe(session=session)
    emit(rows, as_json, "Controlled-chemical lists")


@lists_app.command("import")
def lists_import(
    file: Annotated[Path, typer.Argument(help="A list in the bundled controlled.csv layout.")],
    name: Annotated[str, typer.Option("--name", help="Name of the list, e.g. 'MX LFCPQ 2026'.")],
    effective: Annotated[str, typer.Option("--effective", help="Date from which the list is in force (YYYY-MM-DD).")],
    user: AsUser = None,
) -> None:
    """Import a national list; from its effective date it replaces the bundled memberships of its list codes."""
    from bicentennial.access import service as access

    day = parse_day(effective, "--effective") or date.today()
    if not file.exists():
        raise InvalidInput(f"{file}: no such file")
    with unit_of_work() as session:
        if not user:
            raise InvalidInput("--as USER (or BICENTENNIAL_USER) is required")
        actor = access.get_user(session=session, username=user)
        record = list_service.import_list(
            session=session, actor=actor, name=name, effective=day, file_name=file.name, raw=file.read_bytes()
        )
        out.print(
            f"Imported {record.name!r}: {record.substances} substances, lists {', '.join(record.list_codes)}, "
            f"in force from {record.effective}."
        )
