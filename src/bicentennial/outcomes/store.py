"""The observation store: atomic, idempotent imports; every vintage kept; "as published then".

A series query returns, for each period, the value from the most recent release
published on or before ``as_of`` (default: today), with its vintage and source.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput
from bicentennial.core.uploads import file_sha256, spooled
from bicentennial.geo.models import Area, AreaPopulation
from bicentennial.outcomes.framework import framework
from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed
from bicentennial.outcomes.models import ImportBatch, ObservationRow, Population

Progress = Callable[[int, int], None]
CHUNK = 20_000
REFERENCE_FILE = "reference_series.csv"


@dataclass
class ImportReport:
    batch_id: int
    file_name: str
    format: str
    added: int
    duplicate: bool = False
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def existing_batch(session: Session, sha: str) -> ImportBatch | None:
    return session.scalar(select(ImportBatch).where(ImportBatch.sha256 == sha))


def published_on_for(vintage: str | None) -> str:
    """A release "2025-12" (SESNSP cut) is public the following month; no vintage: today."""
    if vintage and len(vintage) == 7 and vintage[4] == "-":
        year, month = int(vintage[:4]), int(vintage[5:])
        return f"{year + month // 12}-{month % 12 + 1:02d}-20"
    return date.today().isoformat()


def store_parsed(
    *,
    session: Session,
    parsed: Parsed,
    file_name: str,
    sha: str,
    actor: str | None,
    skip_unknown_areas: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Write one parsed file as one batch, whole or not at all (the caller's transaction)."""
    known_indicators = framework().indicators
    areas = set(session.scalars(select(Area.code)))
    good: list[Observation] = []
    skipped: dict[str, int] = {}
    for obs in parsed.observations:
        if obs.indicator not in known_indicators:
            raise ImportFormatError(
                file_name, obs.line, "indicator", f"an indicator of the results framework, got {obs.indicator!r}"
            )
        if obs.area not in areas:
            if not skip_unknown_areas:
                raise ImportFormatError(
                    file_name,
                    obs.line,
                    "area",
                    f"a known area code, got {obs.area!r} (use --skip-unknown-areas to import the rest)",
                )
            skipped[obs.area] = skipped.get(obs.area, 0) + 1
            continue
        good.append(obs)
    batch = ImportBatch(
        source=parsed.source,
        format=parsed.format,
        file_name=file_name,
        sha256=sha,
        vintage=parsed.vintage,
        rows=len(good),
        imported_by=actor,
        notes=json.dumps(parsed.notes, ensure_ascii=False),
    )
    session.add(batch)
    session.flush()
    vintage = parsed.vintage or f"imported {utcnow():%Y-%m-%d}"
    published = published_on_for(parsed.vintage)
    _insert(session, batch.id, good, vintage, published, progress, file_name)
    audit.record(
        session,
        events.RecordCreated(
            actor=actor, target=f"import_batch:{batch.id}", fields={"file": file_name, "sha256": sha, "rows": len(good)}
        ),
    )
    skipped_lines = [f"{code}: {n} row(s) skipped, unknown area" for code, n in sorted(skipped.items())]
    return ImportReport(batch.id, file_name, parsed.format, len(good), skipped=skipped_lines, notes=parsed.notes)


def _insert(
    session: Session,
    batch_id: int,
    rows: list[Observation],
    vintage: str,
    published: str,
    progress: Progress | None,
    file_name: str,
) -> None:
    seen: set[tuple[str, str, str]] = set()
    for start in range(0, len(rows), CHUNK):
        chunk = []
        for o in rows[start : start + CHUNK]:
            key = (o.indicator, o.area, o.period)
            if key in seen:
                raise ImportFormatError(
                    file_name, o.line, None, f"one value per cell, got a second for {o.indicator} {o.area} {o.period}"
                )
            seen.add(key)
            chunk.append(
                {
                    "batch_id": batch_id,
                    "indicator": o.indicator,
                    "area": o.area,
                    "period": o.period,
                    "value": o.value,
                    "vintage": vintage,
                    "published_on": published,
                    "note": o.note[:500],
                }
            )
        session.execute(insert(ObservationRow), chunk)
        if progress:
            progress(min(start + CHUNK, len(rows)), len(rows))


def import_file(
    *,
    session: Session,
    path: Path,
    fmt: str | None = None,
    actor: str | None = None,
    skip_unknown_areas: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Detect, parse and store a file; the same file twice adds nothing."""
    from bicentennial.outcomes.importers import parse_file

    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    sha = file_sha256(path)
    previous = existing_batch(session, sha)
    if previous is not None:
        return ImportReport(previous.id, path.name, previous.format, 0, duplicate=True)
    parsed = parse_file(path, fmt)
    return store_parsed(
        session=session,
        parsed=parsed,
        file_name=path.name,
        sha=sha,
        actor=actor,
        skip_unknown_areas=skip_unknown_areas,
        progress=progress,
    )


def import_upload(
    *,
    session: Session,
    stream: BinaryIO,
    file_name: str,
    fmt: str | None = None,
    actor: str | None = None,
    skip_unknown_areas: bool = False,
) -> ImportReport:
    """An uploaded file: spooled to a temporary file under its own name (the name carries the release cut)."""
    with spooled(stream, file_name) as path:
        return import_file(session=session, path=path, fmt=fmt, actor=actor, skip_unknown_areas=skip_unknown_areas)


def load_reference(*, session: Session) -> int:
    """The bundled real series (with their own vintages) and CONAPO populations; idempotent."""
    data = resources.files("bicentennial.outcomes").joinpath("data")
    text = data.joinpath(REFERENCE_FILE).read_text("utf-8")
    sha = hashlib.sha256(text.encode()).hexdigest()
    if existing_batch(session, sha) is not None:
        return 0
    batch = ImportBatch(
        source="Bicentennial reference series",
        format="reference",
        file_name=REFERENCE_FILE,
        sha256=sha,
        vintage=None,
        notes="[]",
    )
    session.add(batch)
    session.flush()
    rows = [
        {
            "batch_id": batch.id,
            "indicator": r["indicator"],
            "area": r["area"],
            "period": r["period"],
            "value": float(r["value"]),
            "vintage": r["vintage"],
            "published_on": r["published_on"],
            "note": f"{r['source']} — {r['citation']}. {r['note']}"[:500],
        }
        for r in csv.DictReader(io.StringIO(text))
    ]
    session.execute(insert(ObservationRow), rows)
    batch.rows = len(rows)
    _load_populations(session, data.joinpath("populations.csv").read_text("utf-8"))
    audit.record(session, events.ReferenceDataLoaded(dataset="outcome series", rows=len(rows)))
    return len(rows)


def _load_populations(session: Session, text: str) -> None:
    have = {tuple(row) for row in session.execute(select(Population.area, Population.year, Population.source))}
    rows = [
        {"area": r["area"], "year": int(r["year"]), "population": float(r["population"]), "source": r["source"]}
        for r in csv.DictReader(io.StringIO(text))
        if (r["area"], int(r["year"]), r["source"]) not in have
    ]
    if rows:
        session.execute(insert(Population), rows)


@dataclass(frozen=True)
class Point:
    period: str
    value: float | None
    vintage: str
    published_on: str
    note: str = ""


def series(*, session: Session, indicator: str, area: str, as_of: date | None = None) -> list[Point]:
    """One value per period: the latest release published by ``as_of``; derived rates computed."""
    spec = framework().get(indicator)
    if spec is None:
        raise InvalidInput(f"indicator: unknown indicator {indicator!r}")
    if spec.rate_of:
        return _rate(session, spec.rate_of, area, as_of)
    points = _latest(session, indicator, [area], as_of).get(area, [])
    if spec.aggregate != "sum":
        return points
    # Periods published only below this level (e.g. monthly state files) are totalled from the parts.
    have = {p.period for p in points}
    extra = [p for p in _sum_children(session, indicator, area, as_of) if p.period not in have]
    return sorted(points + extra, key=lambda p: period_key(p.period)) if extra else points


def level_cells(
    *, session: Session, indicator: str, level: str, start: str, end: str, as_of: date | None = None
) -> dict[tuple[str, str], float]:
    """The latest published value of every (area, period) cell for one level's areas, e.g. every municipality.

    Periods are compared as ``YYYY-MM`` text, so ``start``/``end`` bound monthly series inclusively.
    """
    query = (
        select(ObservationRow.area, ObservationRow.period, ObservationRow.value)
        .join(Area, Area.code == ObservationRow.area)
        .where(
            ObservationRow.indicator == indicator,
            Area.level == level,
            ObservationRow.period >= start,
            ObservationRow.period <= end,
        )
        .order_by(
            ObservationRow.area, ObservationRow.period, ObservationRow.published_on.desc(), ObservationRow.id.desc()
        )
    )
    if as_of is not None:
        query = query.where(ObservationRow.published_on <= as_of.isoformat())
    cells: dict[tuple[str, str], float | None] = {}
    for area, period, value in session.execute(query):
        cells.setdefault((area, period), value)  # the first row of a cell is its latest release
    return {cell: float(v) for cell, v in cells.items() if v is not None}


def _latest(session: Session, indicator: str, areas: Iterable[str], as_of: date | None) -> dict[str, list[Point]]:
    query = select(ObservationRow).where(ObservationRow.indicator == indicator, ObservationRow.area.in_(list(areas)))
    if as_of is not None:
        query = query.where(ObservationRow.published_on <= as_of.isoformat())
    query = query.order_by(
        ObservationRow.area, ObservationRow.period, ObservationRow.published_on.desc(), ObservationRow.id.desc()
    )
    out: dict[str, list[Point]] = {}
    last: tuple[str, str] | None = None
    for row in session.scalars(query):
        if (row.area, row.period) == last:
            continue  # an older vintage of a period already taken
        last = (row.area, row.period)
        out.setdefault(row.area, []).append(Point(row.period, row.value, row.vintage, row.published_on, row.note))
    return {a: sorted(p, key=lambda x: period_key(x.period)) for a, p in out.items()}


def _sum_children(session: Session, indicator: str, area: str, as_of: date | None) -> list[Point]:
    """A country or state total from its parts, only for periods every reporting part covers."""
    children = list(session.scalars(select(Area.code).where(Area.parent_code == area)))
    parts = _latest(session, indicator, children, as_of)
    if not parts:
        return []
    totals: dict[str, list[Point]] = {}
    for points in parts.values():
        for p in points:
            totals.setdefault(p.period, []).append(p)
    return [
        Point(
            period,
            sum(p.value or 0 for p in pts),
            min(p.vintage for p in pts),
            max(p.published_on for p in pts),
            f"sum of {len(pts)} areas",
        )
        for period, pts in sorted(totals.items(), key=lambda kv: period_key(kv[0]))
        if len(pts) == len(parts)
    ]


def population(session: Session, area: str, year: int) -> float | None:
    row = session.scalar(
        select(Population.population)
        .where(Population.area == area, Population.year == year)
        .order_by(Population.source)
    )
    if row is not None:
        return float(row)
    census = session.scalar(
        select(AreaPopulation.population)
        .where(AreaPopulation.area_code == area)
        .order_by(func.abs(AreaPopulation.year - year))
        .limit(1)
    )
    return float(census) if census is not None else None


def _rate(session: Session, numerator: str, area: str, as_of: date | None) -> list[Point]:
    out = []
    for p in series(session=session, indicator=numerator, area=area, as_of=as_of):
        if len(p.period) != 4 or p.value is None:
            continue  # rates per 100,000 inhabitants are annual
        pop = population(session, area, int(p.period))
        if pop:
            out.append(
                Point(
                    p.period,
                    round(p.value / pop * 100_000, 2),
                    p.vintage,
                    p.published_on,
                    f"{p.value:,.0f} ÷ {pop:,.0f} × 100,000",
                )
            )
    return out


def vintages(*, session: Session, indicator: str, area: str) -> list[tuple[str, str]]:
    """Releases that touched a series: (vintage, published_on), newest first."""
    spec = framework().get(indicator)
    source = spec.rate_of if spec and spec.rate_of else indicator
    query = (
        select(ObservationRow.vintage, ObservationRow.published_on)
        .where(ObservationRow.indicator == source, ObservationRow.area == area)
        .distinct()
        .order_by(ObservationRow.published_on.desc())
    )
    return [(v, d) for v, d in session.execute(query)]


def batches(*, session: Session, limit: int = 50) -> list[ImportBatch]:
    return list(session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)))


def period_key(period: str) -> tuple[int, int]:
    """Order "2021", "FY2021", "2021-03" on one axis (a fiscal year sorts at its September end)."""
    if period.startswith("FY"):
        return int(period[2:6]), 9
    if len(period) >= 7:
        return int(period[:4]), int(period[5:7])
    return int(period[:4]), 12
