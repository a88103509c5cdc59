"""`bicentennial hotspots ...`: scan, Gi*, local Moran, emerging hot spots, targeting and deployments.

The analysis commands take either SaTScan-style files (computed here, nothing stored) or a stored
dataset (``--dataset ID --as USER``: the run is stored with its seed, parameters and input hash).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from bicentennial.access import service as access
from bicentennial.cli import JsonFlag, app, emit, err, progress_bar, unit_of_work
from bicentennial.core.config import get_settings
from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots import analyses, runs, service
from bicentennial.hotspots.weights import Weights

hotspots_app = typer.Typer(
    help="Hotspots: space-time scan, Gi*, emerging hot spots, task-force targeting.", no_args_is_help=True
)
app.add_typer(hotspots_app, name="hotspots")

AsUser = Annotated[str | None, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user.")]
Cases = Annotated[Path | None, typer.Option("--cases", help="SaTScan case file: <location> <count> <YYYY-MM>.")]
Pop = Annotated[Path | None, typer.Option("--population", help="SaTScan population file: <location> <year> <pop>.")]
Coords = Annotated[Path | None, typer.Option("--coordinates", help="SaTScan coordinates file: <location> <lat> <lon>.")]
DatasetOpt = Annotated[int | None, typer.Option("--dataset", help="A stored dataset (with --as) instead of files.")]
Start = Annotated[str | None, typer.Option("--start", help="First month analysed, YYYY-MM.")]
End = Annotated[str | None, typer.Option("--end", help="Last month analysed, YYYY-MM.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same result.")]
WeightsOpt = Annotated[str, typer.Option("--weights", help=f"Neighbours: {analyses.WEIGHTS_HELP}.")]
Boundaries = Annotated[
    Path | None,
    typer.Option("--boundaries", help="Your own areas as GeoJSON: queen/rook neighbours from these polygons."),
]
IdProperty = Annotated[str, typer.Option("--id-property", help="GeoJSON property holding the location ID.")]


def read_named(path: Path) -> tuple[str, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}") from None
    try:
        return path.name, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return path.name, raw.decode("latin-1")


def _coordinates(path: Path) -> tuple[str, str]:
    """A SaTScan coordinates file, or a centroid CSV (id,lat,lon with a header) turned into one."""
    name, text = read_named(path)
    if path.suffix.lower() != ".csv":
        return name, text
    from bicentennial.hotspots.satscan_files import write_coordinates_file
    from bicentennial.hotspots.weights import read_centroids_csv

    ids, coords = read_centroids_csv(text, name=name)
    return name, write_coordinates_file(ids, coords)


def _boundaries(path: Path | None, id_property: str, spec: str) -> Weights | None:
    if path is None:
        return None
    from bicentennial.hotspots.weights import from_geojson

    kind: Literal["queen", "rook"] = "rook" if spec == "rook" else "queen"
    name, text = read_named(path)
    return from_geojson(text, id_property=id_property, kind=kind, name=name)[0]


def _analyse(
    method: str,
    params: dict[str, Any],
    *,
    cases: Path | None,
    coordinates: Path | None,
    population: Path | None,
    dataset: int | None,
    as_user: str | None,
    weights: Weights | None = None,
) -> dict[str, Any]:
    """Run a method on files or on a stored dataset; the answer carries what makes it reproducible."""
    settings = get_settings()
    scheduler, workers = settings.dask_scheduler, settings.job_workers
    if dataset is not None:
        if not as_user:
            raise InvalidInput("--dataset needs --as USER (or BICENTENNIAL_USER)")
        if weights is not None:
            raise InvalidInput("--boundaries works with files; stored datasets use the bundled boundaries")
        with unit_of_work() as session, progress_bar("Replicas" if method == "scan" else method) as progress:
            actor = access.get_user(session=session, username=as_user)
            run = runs.run_now(
                session=session,
                actor=actor,
                dataset_id=dataset,
                method=method,
                parameters=params,
                progress=progress,
                scheduler=scheduler,
                workers=workers,
            )
            return dict(run.result) | {"run": _provenance(run.id, run.parameters, run.input_sha256, run.seconds)}
    if cases is None or coordinates is None:
        raise InvalidInput("give --cases and --coordinates (and --population for the Poisson model), or --dataset")
    files = [read_named(cases), _coordinates(coordinates)] + ([read_named(population)] if population else [])
    panel = service.panel_from_satscan(
        cases=files[0],
        coordinates=files[1],
        population=files[2] if population else None,
        start=params.get("start"),
        end=params.get("end"),
    )
    if method == "scan":
        params = params | {"start": None, "end": None}  # the files were already cut to the window
    params = analyses.normalise(method, params, panel)
    with progress_bar("Replicas" if method == "scan" else method) as progress:
        result = analyses.analyse(
            panel, method, params, progress=progress, scheduler=scheduler, workers=workers, weights=weights
        )
    hashes = {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in files}
    return result | {"run": _provenance(None, params, panel.sha256, result.pop("seconds")) | {"files": hashes}}


def _provenance(run_id: int | None, params: dict[str, Any], sha: str, seconds: float | None) -> dict[str, Any]:
    return {
        "id": run_id,
        "engine_version": service.ENGINE_VERSION,
        "parameters": params,
        "input_sha256": sha,
        "seconds": seconds,
    }


def _print(result: dict[str, Any], as_json: bool, table: list[dict[str, Any]], title: str) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        emit(table, False, title)
        run = result["run"]
        err.print(
            f"engine {run['engine_version']} · seed {run['parameters'].get('seed', '-')} · "
            f"input {run['input_sha256'][:12]} · {run['seconds']} s"
            + (f" · stored as run {run['id']}" if run["id"] else "")
        )


@hotspots_app.command("scan")
def scan(
    cases: Cases = None,
    population: Pop = None,
    coordinates: Coords = None,
    dataset: DatasetOpt = None,
    as_user: AsUser = None,
    model: Annotated[str, typer.Option(help="poisson or space-time-permutation.")] = "poisson",
    max_population: Annotated[float, typer.Option(help="Largest circle, as a share of the population.")] = 0.1,
    max_time: Annotated[float, typer.Option(help="Longest time window, as a share of the period.")] = 0.5,
    replicas: Annotated[
        int, typer.Option(help="Monte Carlo replicas (999 for publication, 99 for a quick look).")
    ] = 999,
    seed: Seed = analyses.DEFAULT_SEED,
    prospective: Annotated[bool, typer.Option(help="Only clusters still active in the last month.")] = False,
    start: Start = None,
    end: End = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Also write SaTScan-style .col.txt and .gis.txt here.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Kulldorff space-time scan: the most likely cluster first, then non-overlapping secondary clusters."""
    params = {
        "model": model,
        "max_population": max_population,
        "max_time": max_time,
        "replicas": replicas,
        "seed": seed,
        "prospective": prospective,
        "start": start,
        "end": end,
    }
    result = _analyse(
        "scan", params, cases=cases, coordinates=coordinates, population=population, dataset=dataset, as_user=as_user
    )
    if output_dir is not None:
        _write_satscan_outputs(output_dir, result)
    rows = [
        {
            "cluster": c["rank"],
            "locations": len(c["locations"]),
            "centre": c["centre"],
            "radius km": c["radius_km"],
            "start": c["start"],
            "end": c["end"],
            "observed": c["observed"],
            "expected": round(c["expected"], 1),
            "RR": c["relative_risk"],
            "LLR": round(c["llr"], 2),
            "p": c["p_value"],
        }
        for c in result["clusters"]
    ]
    _print(result, as_json, rows, "Space-time clusters (most likely first)")


def _write_satscan_outputs(folder: Path, result: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "CLUSTER\tLOC_ID\tRADIUS\tSTART_DATE\tEND_DATE\tNUMBER_LOC\tTEST_STAT\tP_VALUE\tRECURR_INT\tOBSERVED\t"
        "EXPECTED\tODE\tREL_RISK"
    ]
    gis = ["LOC_ID\tCLUSTER\tP_VALUE\tRECURR_INT\tCLU_OBS\tCLU_EXP\tCLU_ODE\tCLU_RR"]
    for c in result["clusters"]:
        ode = c["observed"] / c["expected"] if c["expected"] else ""
        lines.append(
            "\t".join(
                str(v if v is not None else "")
                for v in (
                    c["rank"],
                    c["centre"],
                    c["radius_km"],
                    c["start"],
                    c["end"],
                    len(c["locations"]),
                    c["llr"],
                    c["p_value"],
                    c["recurrence_interval"],
                    c["observed"],
                    c["expected"],
                    ode,
                    c["relative_risk"],
                )
            )
        )
        for code in c["locations"]:
            gis.append(
                "\t".join(
                    str(v if v is not None else "")
                    for v in (
                        code,
                        c["rank"],
                        c["p_value"],
                        c["recurrence_interval"],
                        c["observed"],
                        c["expected"],
                        ode,
                        c["relative_risk"],
                    )
                )
            )
    (folder / "scan.col.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "scan.gis.txt").write_text("\n".join(gis) + "\n", encoding="utf-8")
    err.print(f"Wrote {folder / 'scan.col.txt'} and {folder / 'scan.gis.txt'}")


def _local_command(method: str, title: str):
    def command(
        cases: Cases = None,
        population: Pop = None,
        coordinates: Coords = None,
        dataset: DatasetOpt = None,
        as_user: AsUser = None,
        weights: WeightsOpt = "queen",
        boundaries: Boundaries = None,
        id_property: IdProperty = "id",
        value: Annotated[str, typer.Option(help="count, rate or eb_rate (empirical-Bayes smoothed rate).")] = "rate",
        months: Annotated[int, typer.Option(help="Months summed, ending with the last one.")] = 12,
        permutations: Annotated[int, typer.Option(help="Conditional permutations for pseudo p-values.")] = 9999,
        seed: Seed = analyses.DEFAULT_SEED,
        alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
        correction: Annotated[
            str, typer.Option(help="none, fdr (Benjamini–Hochberg) or by (Benjamini–Yekutieli).")
        ] = "fdr",
        all_areas: Annotated[bool, typer.Option("--all", help="List every area, not only significant ones.")] = False,
        as_json: JsonFlag = False,
    ) -> None:
        params = {
            "weights": weights,
            "value": value,
            "months": months,
            "permutations": permutations,
            "seed": seed,
            "alpha": alpha,
            "correction": correction,
        }
        result = _analyse(
            method,
            params,
            cases=cases,
            coordinates=coordinates,
            population=population,
            dataset=dataset,
            as_user=as_user,
            weights=_boundaries(boundaries, id_property, weights),
        )
        keep = [a for a in result["areas"] if all_areas or a["class"] != "none"]
        rows = [{k: a[k] for k in ("code", "name", "count", "value", "z", "p_sim", "class")} for a in keep]
        _print(result, as_json, rows, title)

    return command


hotspots_app.command("gistar", help="Getis–Ord Gi* hot and cold spots, with conditional-permutation p-values.")(
    _local_command("gistar", "Gi* hot and cold spots")
)
hotspots_app.command("moran", help="Local Moran's I clusters (HH, LL) and outliers (HL, LH).")(
    _local_command("local_moran", "Local Moran's I")
)


@hotspots_app.command("emerging")
def emerging(
    cases: Cases = None,
    population: Pop = None,
    coordinates: Coords = None,
    dataset: DatasetOpt = None,
    as_user: AsUser = None,
    weights: WeightsOpt = "queen",
    boundaries: Boundaries = None,
    id_property: IdProperty = "id",
    time_step: Annotated[int, typer.Option(help="Earlier months counted as neighbours in time.")] = 1,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    as_json: JsonFlag = False,
) -> None:
    """Emerging hot spot classes per area (new, intensifying, persistent, diminishing, ...)."""
    params = {"weights": weights, "time_step": time_step, "alpha": alpha}
    result = _analyse(
        "emerging",
        params,
        cases=cases,
        coordinates=coordinates,
        population=population,
        dataset=dataset,
        as_user=as_user,
        weights=_boundaries(boundaries, id_property, weights),
    )
    rows = [{"class": k, "areas": v} for k, v in sorted(result["classes"].items(), key=lambda kv: -kv[1])]
    _print(result, as_json, rows, "Emerging hot spot classes")


from bicentennial.hotspots import cli_planning  # noqa: E402,F401  registers datasets, targets, deployments
