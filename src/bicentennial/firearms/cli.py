"""`bicentennial firearms ...`: import traces, print indicators and candidate networks, load demo data."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from bicentennial.access import service as access
from bicentennial.cli import JsonFlag, app, emit, err, progress_bar, unit_of_work
from bicentennial.firearms import service

firearms_app = typer.Typer(help="Firearms: traces, trafficking indicators, networks.", no_args_is_help=True)
app.add_typer(firearms_app, name="firearms")
AsUser = Annotated[str, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user.")]


@firearms_app.command("import")
def import_traces(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX of traces (English or Spanish headers).")],
    as_user: AsUser,
    partial: Annotated[bool, typer.Option(help="Import the valid rows even if some rows are bad.")] = False,
    handling: Annotated[str, typer.Option(help="Handling code H0, H1 or H2.")] = "H2",
    as_json: JsonFlag = False,
) -> None:
    """Import traces: all or nothing unless --partial; every bad row reported with its line."""
    with unit_of_work() as session, progress_bar("Storing") as progress:
        actor = access.get_user(session=session, username=as_user)
        report = service.import_file(
            session=session, actor=actor, path=file, partial=partial, handling_code=handling, progress=progress
        )
    if as_json:
        print(json.dumps(asdict(report), ensure_ascii=False, default=str))
    else:
        for e in report.errors[:50]:
            err.print(f"{file.name}, line {e['line']}, column {e['column']}: {e['message']}", highlight=False)
        if report.duplicate_file:
            err.print(f"{file.name}: already imported; nothing changed.")
        elif report.written:
            err.print(
                f"{file.name}: {report.imported:,} traces imported ({report.already_stored} already stored, "
                f"{len(report.duplicates)} duplicate pairs in the file)."
            )
        else:
            err.print(f"{file.name}: {len(report.errors)} bad row(s); nothing written (use --partial).")
    if report.errors and not report.written:
        raise typer.Exit(2)


@firearms_app.command("indicators")
def indicators(as_user: AsUser, as_json: JsonFlag = False) -> None:
    """Trafficking indicators over the traces you may see."""
    from bicentennial.firearms.indicators import compute_indicators

    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        result = asdict(compute_indicators(service.visible_rows(session=session, actor=actor, purpose="indicators")))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    flat = [{"indicator": k, "value": v} for k, v in result.items() if not isinstance(v, list | dict)]
    emit(flat, False, "Firearm trafficking indicators")


@firearms_app.command("networks")
def networks(as_user: AsUser, limit: int = 20, as_json: JsonFlag = False) -> None:
    """Candidate trafficking networks, ranked, each with its evidence."""
    from bicentennial.firearms.networks import find_networks

    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        found = find_networks(service.visible_rows(session=session, actor=actor, purpose="networks"))[:limit]
    rows = [asdict(n) for n in found]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
    else:
        emit(
            [
                {"id": r["id"], "guns": r["guns"], "score": round(r["score"], 2), "evidence": "; ".join(r["evidence"])}
                for r in rows
            ],
            False,
            "Candidate trafficking networks",
        )


@firearms_app.command("demo")
def demo(
    count: Annotated[int, typer.Option(help="How many synthetic traces.")] = 5000,
    owner: Annotated[str, typer.Option(help="Agency that owns them.")] = "SSPC",
    seed: int = 1,
) -> None:
    """Load synthetic traces (labelled synthetic) with planted straw-purchase rings."""
    with unit_of_work() as session:
        written = service.load_demo(
            session=session, owner=access.get_agency(session=session, code=owner), count=count, seed=seed
        )
    err.print(f"{written:,} synthetic traces loaded." if written else "Synthetic traces were already loaded.")
