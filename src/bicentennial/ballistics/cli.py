"""`bicentennial ballistics ...`: compare cartridge-case scans, search the database, import scans.

The file-based commands store nothing: ``compare`` reads two x3p files and prints the CMC
evidence (Song 2013; counts both ways, NIST's identification threshold), ``synthetic`` writes
scans with a known ground truth to validate the method on. Bad input (an unreadable or
non-conforming file, different resolutions) is one line on stderr and exit code 2, from the root.
"""

from __future__ import annotations

import csv
import json
import math
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from bicentennial.cli import JsonFlag, app, err, out

if TYPE_CHECKING:  # numpy/scipy load only when a ballistics command runs, not with every `bicentennial` call
    from bicentennial.ballistics.cmc import CmcResult
    from bicentennial.ballistics.x3p import Surface

ballistics_app = typer.Typer(
    help="Ballistics: compare breech-face scans (x3p) with Congruent Matching Cells.", no_args_is_help=True
)
app.add_typer(ballistics_app, name="ballistics")

MSG_DEVIATION = "{file}: {deviation}"
MSG_VERDICT = (
    "{decision}: {count:g} congruent matching cells ({forward} one way, {reverse} the other; {rule} rule, "
    "identification at ≥ {threshold})"
)
MSG_AREAL = "Whole-surface correlation {r} at θ {theta:g}°, shift ({dx}, {dy}) points; {seconds:.2f} s."
MSG_NO_CMC = "No cell agreed."
MSG_WROTE = "Wrote {n} synthetic scans and {csv} to {folder}."
TABLE_TITLE = "Congruent matching cells of {reference} found in {target}"
COLUMNS = ("cell", "θ (°)", "dx (points)", "dy (points)", "CCF")


class Rule(StrEnum):
    """The decision rule: Song (2013) or Tong et al. (2015)'s High CMC."""

    original = "original"
    high = "high"


ScanA = Annotated[Path, typer.Argument(help="Reference scan (x3p).", metavar="A.x3p", show_default=False)]
ScanB = Annotated[Path, typer.Argument(help="Compared scan (x3p).", metavar="B.x3p", show_default=False)]
Preprocessed = Annotated[
    bool, typer.Option("--preprocessed", help="The scans are already cropped, levelled and band-passed (skip it).")
]
RuleOpt = Annotated[Rule, typer.Option("--rule", help="CMC rule: original (Song 2013) or high (Tong 2015).")]
Strict = Annotated[bool, typer.Option("--strict", help="Refuse files that deviate from ISO 5436-2 at all.")]


def _read(path: Path, *, strict: bool, preprocessed: bool) -> tuple[Surface, list[str]]:
    from bicentennial.ballistics.preprocess import PreprocessParams, preprocess
    from bicentennial.ballistics.x3p import read_x3p

    surface, deviations = read_x3p(path, strict=strict)
    processed, _record = preprocess(surface, params=PreprocessParams(preprocessed=preprocessed))
    return processed, deviations


def _finite(value: float) -> float | None:
    return round(float(value), 4) if math.isfinite(value) else None


def _report(
    result: CmcResult, areal: tuple[float, float, int, int], seconds: float, files: dict[str, Any]
) -> dict[str, Any]:
    """The interface's keys first, in order (scripts rely on them), then the rest of the evidence."""
    r, theta, dx, dy = areal
    return {
        "cmc_count": result.cmc_count,
        "cmc_count_reverse": result.cmc_count_reverse,
        "decision": result.decision,
        "areal_correlation": _finite(r),
        "seconds": round(seconds, 3),
        "count": result.count,
        "high_cmc": result.high_cmc,
        "original_count": result.original_count,
        "rule": result.params.get("rule"),
        "identification_at": result.params.get("identification"),
        "areal_alignment": {"theta": theta, "dx": dx, "dy": dy},
        "cells": [
            {"row": c.row, "col": c.col, "theta": c.theta, "dx": c.dx, "dy": c.dy, "ccf": _finite(c.ccf)}
            for c in result.cells
            if c.is_cmc
        ],
        **files,
    }


def _print_summary(report: dict[str, Any], reference: str, target: str) -> None:
    cells = report["cells"]
    if cells:
        out.print(TABLE_TITLE.format(reference=reference, target=target), highlight=False)
        table = Table()
        for column in COLUMNS:
            table.add_column(column, justify="right")
        for c in cells:
            table.add_row(f"{c['row']},{c['col']}", f"{c['theta']:g}", str(c["dx"]), str(c["dy"]), f"{c['ccf']:.3f}")
        out.print(table)
    else:
        out.print(MSG_NO_CMC)
    out.print(
        MSG_VERDICT.format(
            decision=report["decision"].capitalize(), count=report["count"], forward=report["cmc_count"],
            reverse=report["cmc_count_reverse"], rule=report["rule"], threshold=report["identification_at"],
        ),
        highlight=False,
    )  # fmt: skip
    alignment = report["areal_alignment"]
    r = "n/a" if report["areal_correlation"] is None else f"{report['areal_correlation']:.3f}"
    out.print(MSG_AREAL.format(r=r, seconds=report["seconds"], **alignment), highlight=False)


@ballistics_app.command("compare")
def compare_files(
    reference: ScanA,
    target: ScanB,
    preprocessed: Preprocessed = False,
    as_json: JsonFlag = False,
    rule: RuleOpt = Rule.original,
    strict: Strict = False,
) -> None:
    """Compare two breech-face scans: CMC counts both ways, the decision and the whole-surface correlation."""
    from bicentennial.ballistics.areal import areal_correlation
    from bicentennial.ballistics.cmc import CmcParams, compare
    from bicentennial.ballistics.x3p import sha256_of

    start = time.perf_counter()
    a, deviations_a = _read(reference, strict=strict, preprocessed=preprocessed)
    b, deviations_b = _read(target, strict=strict, preprocessed=preprocessed)
    for path, deviations in ((reference, deviations_a), (target, deviations_b)):
        for deviation in deviations:
            err.print(MSG_DEVIATION.format(file=path.name, deviation=deviation), highlight=False)
    result = compare(a, b, params=CmcParams(rule=rule.value))
    areal = areal_correlation(a, b)
    files = {
        "reference": {"file": reference.name, "sha256": sha256_of(reference), "deviations": deviations_a},
        "target": {"file": target.name, "sha256": sha256_of(target), "deviations": deviations_b},
    }
    report = _report(result, areal, time.perf_counter() - start, files)
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_summary(report, reference.name, target.name)


@ballistics_app.command("synthetic")
def synthetic(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the scans and ground_truth.csv to.")],
    guns: Annotated[int, typer.Option("--guns", help="Number of guns (one shared model).")] = 5,
    firings: Annotated[int, typer.Option("--firings", help="Firings per gun.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed writes the same scans.")] = 1,
    size: Annotated[int, typer.Option("--size", help="Scan side in points (6.25 µm each).")] = 545,
    as_json: JsonFlag = False,
) -> None:
    """Write synthetic breech-face scans (x3p) with their ground truth, to validate comparisons on."""
    from bicentennial.ballistics.synthetic import generate_set

    csv_path = generate_set(guns, firings, seed, out_dir, size=size)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        scans = [row["file"] for row in csv.DictReader(handle)]
    if as_json:
        print(json.dumps({"folder": str(out_dir), "ground_truth": str(csv_path), "scans": scans}, ensure_ascii=False))
    else:
        err.print(MSG_WROTE.format(n=guns * firings, csv=csv_path.name, folder=out_dir), highlight=False)


AsUser = Annotated[str | None, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user.")]


def _actor_name(as_user: str | None) -> str:
    from bicentennial.core.errors import InvalidInput

    if not as_user:
        raise InvalidInput("--as USER (or BICENTENNIAL_USER) is required")
    return as_user


@ballistics_app.command("import")
def import_folder(
    folder: Annotated[Path, typer.Argument(help="A folder of .x3p scans (one case), or a single .x3p file.")],
    case_number: Annotated[str, typer.Option("--case", help="Case number the scans belong to.")],
    preprocessed: Annotated[
        bool, typer.Option("--preprocessed", help="The scans are already cropped, de-trended and filtered.")
    ] = False,
    scanned_by: Annotated[str, typer.Option("--scanned-by")] = "",
    instrument: Annotated[str, typer.Option("--instrument")] = "",
    as_user: AsUser = None,
) -> None:
    """Store every scan of a folder with its custody data; one bad file stops the import and nothing is kept."""
    from bicentennial.access import service as access
    from bicentennial.ballistics import service
    from bicentennial.cli import progress_bar, unit_of_work
    from bicentennial.core.errors import InvalidInput

    files = sorted(folder.glob("*.x3p")) if folder.is_dir() else [folder]
    if not files or not files[0].exists():
        raise InvalidInput(f"{folder}: no .x3p file there")
    with unit_of_work() as session, progress_bar(f"importing {len(files)} scans") as tick:
        actor = access.get_user(session=session, username=_actor_name(as_user))
        for done, path in enumerate(files, start=1):
            service.store_scan(
                session=session, actor=actor, data=path.read_bytes(), file_name=path.name, case_number=case_number,
                exhibit=path.stem, scanned_by=scanned_by, instrument=instrument, preprocessed=preprocessed,
            )  # fmt: skip
            tick(done, len(files))
    out.print(f"Imported {len(files)} scans into case {case_number}.")


@ballistics_app.command("search")
def search(
    scan: Annotated[str, typer.Argument(help="An x3p file (searched, not stored) or a stored scan's id.")],
    top: Annotated[int, typer.Option("--top", help="Candidates to list.")] = 20,
    preprocessed: Annotated[
        bool, typer.Option("--preprocessed", help="The file is already cropped, de-trended and filtered.")
    ] = False,
    as_json: JsonFlag = False,
    as_user: AsUser = None,
) -> None:
    """Rank the stored scans against one scan: pre-filter, then CMC on the short list.

    A stored scan's identifications become leads; a file is searched without being stored.
    """
    from bicentennial.access import service as access
    from bicentennial.ballistics import service
    from bicentennial.cli import emit, progress_bar, unit_of_work
    from bicentennial.core.config import get_settings
    from bicentennial.core.errors import InvalidInput

    settings = get_settings()
    workers, scheduler = settings.job_workers, settings.dask_scheduler
    path = Path(scan)
    with unit_of_work() as session, progress_bar("pre-filter") as tick:
        actor = access.get_user(session=session, username=_actor_name(as_user))
        if scan.isdigit() and not path.exists():
            found = service.search(
                session=session,
                actor=actor,
                scan_id=int(scan),
                top=top,
                progress=tick,
                workers=workers,
                scheduler=scheduler,
            )
        elif path.exists():
            query = service.Query.from_file(path.read_bytes(), path.name, preprocessed=preprocessed)
            found = service.rank(
                session=session, actor=actor, query=query, top=top, progress=tick, workers=workers, scheduler=scheduler
            )
        else:
            raise InvalidInput(f"{scan}: neither an x3p file nor a stored scan id")
    rows = [
        {
            "rank": position,
            "scan": c.scan_id,
            "case": c.case_number,
            "exhibit": c.exhibit,
            "cmc_count": c.result.cmc_count if c.result else None,
            "cmc_count_reverse": c.result.cmc_count_reverse if c.result else None,
            "decision": c.result.decision if c.result else None,
            "areal_correlation": round(c.areal, 4),
        }
        for position, c in enumerate(found, start=1)
    ]
    emit(rows, as_json, f"Candidates for {scan}")
