"""`bicentennial hotspots datasets|dataset|targets|deploy|displacement`: what to analyse, and where teams go."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bicentennial.access import service as access
from bicentennial.cli import JsonFlag, emit, err, unit_of_work
from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots import deployments, service
from bicentennial.hotspots.cli import AsUser, Cases, Coords, Pop, hotspots_app, read_named


@hotspots_app.command("datasets")
def datasets(as_user: AsUser = None, as_json: JsonFlag = False) -> None:
    """Datasets you may see."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        rows = [
            {
                "id": d.id,
                "name": d.name,
                "source": d.source,
                "areas": d.areas,
                "months": f"{d.first_period} – {d.last_period}",
                "cases": d.total_cases,
                "synthetic": d.synthetic,
                "sha256": d.sha256[:12],
            }
            for d in service.list_datasets(session=session, actor=actor)
        ]
    emit(rows, as_json, "Hotspot datasets")


def _user(as_user: str | None) -> str:
    if not as_user:
        raise InvalidInput("--as USER (or BICENTENNIAL_USER) is required")
    return as_user


@hotspots_app.command("dataset")
def create_dataset(
    as_user: AsUser = None,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "",
    end: Annotated[str, typer.Option(help="Last month, YYYY-MM.")] = "",
    indicator: Annotated[
        str, typer.Option(help="Outcome indicator with municipal figures.")
    ] = service.DEFAULT_INDICATOR,
    level: Annotated[str, typer.Option(help="municipality or state.")] = "municipality",
    as_of: Annotated[str | None, typer.Option(help="Figures as published on this date (YYYY-MM-DD).")] = None,
    cases: Cases = None,
    population: Pop = None,
    coordinates: Coords = None,
    name: Annotated[str | None, typer.Option(help="A name for the dataset.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Store a dataset: from the outcomes store (--start/--end) or from SaTScan-style files (--cases ...)."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        if cases is not None:
            if coordinates is None:
                raise InvalidInput("--cases needs --coordinates")
            d = service.dataset_from_satscan(
                session=session,
                actor=actor,
                cases=read_named(cases),
                coordinates=read_named(coordinates),
                population=read_named(population) if population else None,
                name=name,
                start=start or None,
                end=end or None,
            )
        else:
            if not start or not end:
                raise InvalidInput("give --start and --end (YYYY-MM), or --cases and --coordinates")
            d = service.dataset_from_outcomes(
                session=session,
                actor=actor,
                start=start,
                end=end,
                indicator=indicator,
                level=level,
                as_of=date.fromisoformat(as_of) if as_of else None,
                name=name,
            )
        row = {"id": d.id, "name": d.name, "areas": d.areas, "cases": d.total_cases, "sha256": d.sha256}
    emit([row], as_json, "Dataset stored")


@hotspots_app.command("targets")
def targets(
    dataset: Annotated[int, typer.Option("--dataset", help="Dataset to rank.")],
    as_user: AsUser = None,
    teams: Annotated[int, typer.Option(help="Number of task forces.")] = 10,
    group_population_cap: Annotated[
        float | None, typer.Option(help="Group contiguous municipalities up to this population per team.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Where N task forces would cover the most expected homicides, with the evidence per row."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        result = deployments.targets(
            session=session, actor=actor, dataset_id=dataset, teams=teams, group_population_cap=group_population_cap
        )
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    rows = [
        {
            "rank": t["rank"],
            "areas": ", ".join(t["names"]),
            "expected 12 m": t["expected"],
            "last 12 m": t["last12_count"],
            "rate /100k": t["last12_rate"],
            "cluster": (t["cluster"] or {}).get("rank", ""),
            "trend": t["trend_class"] or "",
            "cum. share": f"{t['cumulative_share']:.1%}",
        }
        for t in result["targets"]
    ]
    emit(rows, False, f"Targets for {teams} teams: {result['covered_share']:.1%} of expected homicides covered")


@hotspots_app.command("deploy")
def deploy(
    name: Annotated[str, typer.Option(help="Name of the deployment.")],
    areas: Annotated[str, typer.Option(help="Area codes, comma-separated (mx:08037,mx:08019).")],
    start: Annotated[str, typer.Option(help="Start date YYYY-MM-DD.")],
    as_user: AsUser = None,
    end: Annotated[str | None, typer.Option(help="End date YYYY-MM-DD (open if omitted).")] = None,
    teams: Annotated[int, typer.Option(help="Teams deployed.")] = 1,
    notes: Annotated[str, typer.Option(help="Free text.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record a task-force deployment, so that its effect can be evaluated later."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise InvalidInput(f"--start/--end: {exc}") from None
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        d = deployments.create_deployment(
            session=session,
            actor=actor,
            name=name,
            area_codes=areas.split(","),
            start=first,
            end=last,
            teams=teams,
            notes=notes,
        )
        row = {"id": d.id, "name": d.name, "areas": ", ".join(d.area_codes), "start": d.start, "end": d.end}
    emit([row], as_json, "Deployment recorded")


@hotspots_app.command("displacement")
def displacement(
    deployment: Annotated[int, typer.Argument(help="Deployment id.")],
    dataset: Annotated[int, typer.Option("--dataset", help="Dataset with the months before and after.")],
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Before/after counts in the deployment's areas and in the ring of neighbours (displacement check)."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        result = deployments.displacement(session=session, actor=actor, deployment_id=deployment, dataset_id=dataset)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    rows = [
        {
            "where": "deployment areas",
            "before": result["before_target"],
            "after": result["after_target"],
            "change": result["target_change"],
        },
        {
            "where": f"ring ({len(result['ring'])} neighbours)",
            "before": result["before_ring"],
            "after": result["after_ring"],
            "change": result["ring_change"],
        },
        {
            "where": "rest of the country",
            "before": result["before_control"],
            "after": result["after_control"],
            "change": "",
        },
    ]
    emit(
        rows,
        False,
        f"Before {result['before'][0]}–{result['before'][1]} vs after {result['after'][0]}–"
        f"{result['after'][1]} · WDQ {result['wdq']}",
    )


@hotspots_app.command("export-satscan")
def export_satscan(
    dataset: Annotated[int, typer.Option("--dataset", help="Dataset to export.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for dataset-ID.cas, .pop and .geo.")],
    as_user: AsUser = None,
) -> None:
    """Write a dataset as SaTScan case, population and coordinates files (to cross-check in SaTScan)."""
    from bicentennial.hotspots import exports

    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        files = exports.dataset_satscan_files(session=session, actor=actor, dataset_id=dataset)
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, suffix in (("cases", "cas"), ("population", "pop"), ("coordinates", "geo")):
        (out_dir / f"dataset-{dataset}.{suffix}").write_text(files[kind], encoding="utf-8")
    err.print(f"Wrote dataset-{dataset}.cas, .pop and .geo in {out_dir}")
