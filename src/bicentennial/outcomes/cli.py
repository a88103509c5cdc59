"""`bicentennial outcomes ...`: import official files, print series and the scorecard, write the report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bicentennial.cli import JsonFlag, app, emit, err, progress_bar, unit_of_work
from bicentennial.core.errors import InvalidInput
from bicentennial.outcomes import report, scorecard, store
from bicentennial.outcomes.framework import framework

outcomes_app = typer.Typer(
    help="Outcomes: the results framework, official series, the scorecard.", no_args_is_help=True
)
app.add_typer(outcomes_app, name="outcomes")
FORMATS = "sesnsp-state-crimes|sesnsp-state-victims|sesnsp-municipal-crimes|inegi-deaths|cdc-vsrr|cbp-seizures|tidy"


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--as-of: {value!r} is not a date like 2023-06-30") from None


@outcomes_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="The file as the agency publishes it.")],
    format: Annotated[str | None, typer.Option(help=f"Force the format: {FORMATS}.")] = None,
    skip_unknown_areas: Annotated[bool, typer.Option(help="Import the rest; list unknown areas.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Import a SESNSP, INEGI, CDC, CBP or tidy file: whole or not at all; the same file twice adds nothing."""
    with unit_of_work() as session, progress_bar("Storing") as progress:
        result = store.import_file(
            session=session, path=file, fmt=format, skip_unknown_areas=skip_unknown_areas, progress=progress
        )
    if as_json:
        print(json.dumps(result.__dict__, ensure_ascii=False))
        return
    if result.duplicate:
        err.print(f"{file.name}: already imported (batch {result.batch_id}); nothing changed.")
        return
    err.print(f"{file.name}: {result.added:,} observations added as batch {result.batch_id} ({result.format}).")
    for line in [*result.notes, *result.skipped]:
        err.print(f"  {line}", highlight=False)


@outcomes_app.command("series")
def series(
    indicator: str,
    area: Annotated[str | None, typer.Option(help="Area code, e.g. mx, mx:09, us:06.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Figures as published on this date (YYYY-MM-DD).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """One indicator's series for one area, latest release (or as published on --as-of)."""
    spec = framework().get(indicator)
    if spec is None:
        raise InvalidInput(f"unknown indicator {indicator!r}; known: {', '.join(framework().indicators)}")
    code = area or scorecard.country_of(spec)
    with unit_of_work() as session:
        points = store.series(session=session, indicator=indicator, area=code, as_of=_as_of(as_of))
    obs = [{"period": p.period, "value": p.value, "vintage": p.vintage, "published_on": p.published_on} for p in points]
    if as_json:
        print(json.dumps({"indicator": indicator, "area": code, "observations": obs}, ensure_ascii=False))
    else:
        emit(obs, False, f"{spec.name.en} — {code}")


@outcomes_app.command("scorecard")
def show_scorecard(
    as_of: Annotated[str | None, typer.Option(help="As published on this date.")] = None,
    lang: Annotated[str, typer.Option(help="en or es.")] = "en",
    as_json: JsonFlag = False,
) -> None:
    """Every indicator: latest value, change vs baseline, trend and status."""
    with unit_of_work() as session:
        rows = scorecard.scorecard(session=session, lang=lang, as_of=_as_of(as_of))
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, default=str))
        return
    table = [
        {
            "indicator": r.id,
            "kind": r.kind,
            "latest": f"{r.latest_value:,.1f} ({r.latest_period})" if r.latest_value is not None else "—",
            "vs baseline": f"{r.change_vs_baseline:+.1f}%" if r.change_vs_baseline is not None else "—",
            "trend/yr": f"{r.trend['slope']:+,.1f} (p={r.trend['p_value']:.2f})" if r.trend else "—",
            "status": r.status,
        }
        for r in rows
    ]
    emit(table, False, "Bicentennial Framework scorecard")


@outcomes_app.command("report")
def write_report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    as_of: Annotated[str | None, typer.Option(help="As published on this date.")] = None,
) -> None:
    """A self-contained bilingual HTML report with charts, for people who will never log in."""
    with unit_of_work() as session:
        html = report.render_report(session=session, as_of=_as_of(as_of))
    out.write_text(html, encoding="utf-8")
    err.print(f"Wrote {out} ({len(html) / 1e6:.1f} MB).")


@outcomes_app.command("batches")
def batches(as_json: JsonFlag = False) -> None:
    """Import batches: file, SHA-256, vintage, rows, who and when."""
    with unit_of_work() as session:
        rows = [
            {
                "id": b.id,
                "source": b.source,
                "format": b.format,
                "file": b.file_name,
                "sha256": b.sha256[:12],
                "vintage": b.vintage,
                "rows": b.rows,
                "by": b.imported_by,
                "at": b.imported_at,
            }
            for b in store.batches(session=session)
        ]
    emit(rows, as_json, "Import batches")
