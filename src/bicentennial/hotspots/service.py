"""Hotspot datasets in the database: from the outcomes store, SaTScan-style files or the synthetic demo."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial import __version__
from bicentennial.access import policy, records
from bicentennial.access.models import Agency, User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput
from bicentennial.geo.models import Area, AreaPopulation
from bicentennial.hotspots.models import HotspotDataset
from bicentennial.hotspots.panel import Panel, months

Progress = Callable[[int, int], None]
ENGINE_VERSION = f"{__version__}+hotspots.1"
DEFAULT_INDICATOR = "mx_homicide_cases_sesnsp"


def create_dataset(
    *,
    session: Session,
    actor: User | None,
    owner: Agency,
    panel: Panel,
    name: str,
    source: str,
    indicator: str = "",
    level: str = "custom",
    provenance: dict[str, Any] | None = None,
    synthetic: bool = False,
    handling_code: str = "H2",
    sensitivity: str = "restricted",
) -> HotspotDataset:
    """Freeze a panel as one agency's dataset (its arrays and their SHA-256)."""
    if actor is not None:
        policy.require(actor, "records.write")
    records.validate_marking(handling_code, sensitivity)
    if not name.strip():
        raise InvalidInput("name: a dataset needs a name")
    dataset = HotspotDataset(
        owner_agency_id=owner.id,
        created_by_id=actor.id if actor else None,
        name=name.strip()[:200],
        source=source,
        indicator=indicator,
        level=level,
        first_period=panel.periods[0],
        last_period=panel.periods[-1],
        areas=len(panel.ids),
        total_cases=int(panel.cases.sum()),
        sha256=panel.sha256,
        payload=panel.to_bytes(),
        provenance=provenance or {},
        synthetic=synthetic,
        handling_code=handling_code,
        sensitivity=sensitivity,
    )
    session.add(dataset)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            **(events.by(actor) if actor else {}),
            target=dataset.ref,
            owner=owner.code,
            fields={"name": dataset.name, "source": source, "sha256": dataset.sha256, "areas": dataset.areas},
        ),
    )
    return dataset


def dataset_from_outcomes(
    *,
    session: Session,
    actor: User,
    start: str,
    end: str,
    indicator: str = DEFAULT_INDICATOR,
    level: str = "municipality",
    as_of: date | None = None,
    name: str | None = None,
) -> HotspotDataset:
    """Monthly counts of an outcome indicator for every area of a level, as published by ``as_of``."""
    from bicentennial.outcomes import store

    policy.require(actor, "records.write")
    if level not in {"municipality", "state"}:
        raise InvalidInput("level: expected municipality or state")
    periods = months(start, end)
    cells = store.level_cells(session=session, indicator=indicator, level=level, start=start, end=end, as_of=as_of)
    if not cells:
        raise InvalidInput(
            f"indicator {indicator!r} has no {level} figures between {start} and {end}: import the SESNSP "
            "municipal file first (bicentennial outcomes import)"
        )
    areas = list(
        session.execute(select(Area.code, Area.name, Area.lat, Area.lon).where(Area.level == level).order_by(Area.code))
    )
    panel = _panel_from_cells(session, areas, periods, cells)
    label = name or f"{indicator} · {level} · {start} – {end}"
    provenance = {"indicator": indicator, "as_of": as_of.isoformat() if as_of else None, "cells": len(cells)}
    return create_dataset(
        session=session,
        actor=actor,
        owner=actor.agency,
        panel=panel,
        name=label,
        source="outcomes",
        indicator=indicator,
        level=level,
        provenance=provenance,
    )


def _panel_from_cells(
    session: Session, areas: list[Any], periods: tuple[str, ...], cells: dict[tuple[str, str], float]
) -> Panel:
    import numpy as np

    codes = [a.code for a in areas]
    people = _populations(session, codes, sorted({int(p[:4]) for p in periods}))
    cases = np.zeros((len(codes), len(periods)), dtype=np.int64)
    population = np.zeros((len(codes), len(periods)), dtype=np.float64)
    col = {p: j for j, p in enumerate(periods)}
    for i, code in enumerate(codes):
        for j, period in enumerate(periods):
            population[i, j] = people.get((code, int(period[:4])), 0.0)
            value = cells.get((code, period))
            if value is not None:
                cases[i, col[period]] = round(value)
    coords = np.array([(a.lat or 0.0, a.lon or 0.0) for a in areas], dtype=np.float64)
    return Panel(tuple(codes), tuple(a.name for a in areas), periods, cases, population, coords)


def _populations(session: Session, codes: list[str], years: list[int]) -> dict[tuple[str, int], float]:
    """Population per area and year: the nearest year on record (censuses are every five to ten years)."""
    known: dict[str, dict[int, float]] = {}
    for code, year, people in session.execute(
        select(AreaPopulation.area_code, AreaPopulation.year, AreaPopulation.population).where(
            AreaPopulation.area_code.in_(codes)
        )
    ):
        known.setdefault(code, {})[year] = float(people)
    out = {}
    for code, by_year in known.items():
        for year in years:
            out[(code, year)] = by_year[min(by_year, key=lambda y: (abs(y - year), y))]
    return out


def dataset_from_satscan(
    *,
    session: Session,
    actor: User,
    cases: tuple[str, str],
    coordinates: tuple[str, str],
    population: tuple[str, str] | None = None,
    name: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> HotspotDataset:
    """A dataset from SaTScan-style case, coordinates and (optional) population files: ``(file name, text)``."""
    policy.require(actor, "records.write")
    panel = panel_from_satscan(cases=cases, coordinates=coordinates, population=population, start=start, end=end)
    files = {"cases": cases[0], "coordinates": coordinates[0], "population": population[0] if population else None}
    hashes = {k: hashlib.sha256(t.encode("utf-8")).hexdigest() for k, (_, t) in _named(cases, coordinates, population)}
    level = "municipality" if all(i.startswith("mx:") and len(i) == 8 for i in panel.ids) else "custom"
    return create_dataset(
        session=session,
        actor=actor,
        owner=actor.agency,
        panel=panel,
        name=name or cases[0],
        source="satscan",
        level=level,
        provenance={"files": files, "sha256": hashes},
    )


def _named(
    cases: tuple[str, str], coordinates: tuple[str, str], population: tuple[str, str] | None
) -> list[tuple[str, tuple[str, str]]]:
    out = [("cases", cases), ("coordinates", coordinates)]
    return [*out, ("population", population)] if population else out


def panel_from_satscan(
    *,
    cases: tuple[str, str],
    coordinates: tuple[str, str],
    population: tuple[str, str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Panel:
    """Read SaTScan-style files into a panel (no population file: every area counts 1 person, STP only)."""
    import numpy as np

    from bicentennial.hotspots.satscan_files import read_scan_input

    data = read_scan_input(
        cases[1],
        coordinates[1],
        population[1] if population else None,
        cases_name=cases[0],
        coords_name=coordinates[0],
        population_name=population[0] if population else "",
        start=start,
        end=end,
    )
    people = data.population if data.population is not None else np.ones(data.cases.shape, dtype=np.float64)
    return Panel(data.ids, data.ids, data.periods, data.cases, people, data.coords)


def load_demo(*, session: Session, owner: Agency, seed: int = 7) -> HotspotDataset | None:
    """The synthetic municipal dataset (once), owned by ``owner`` and labelled synthetic."""
    from bicentennial.hotspots.demo import synthetic_panel

    if session.scalar(select(HotspotDataset.id).where(HotspotDataset.synthetic.is_(True)).limit(1)):
        return None
    return create_dataset(
        session=session,
        actor=None,
        owner=owner,
        panel=synthetic_panel(seed=seed),
        name="Synthetic municipal homicides 2023–2025 (demo)",
        source="synthetic",
        indicator=DEFAULT_INDICATOR,
        level="municipality",
        provenance={"generator": "bicentennial.hotspots.demo.synthetic_panel", "seed": seed},
        synthetic=True,
    )


def list_datasets(*, session: Session, actor: User) -> list[HotspotDataset]:
    query = select(HotspotDataset).where(records.visible_clause(actor, HotspotDataset))
    found = list(session.scalars(query.order_by(HotspotDataset.created_at.desc(), HotspotDataset.id.desc())))
    records.note_reads(session, actor, [(d, records.via_for_visible(actor, d)) for d in found])
    return found


def get_dataset(*, session: Session, actor: User, dataset_id: int) -> HotspotDataset:
    return records.read(session, actor, HotspotDataset, dataset_id)


def panel_of(dataset: HotspotDataset) -> Panel:
    return Panel.from_bytes(dataset.payload)
