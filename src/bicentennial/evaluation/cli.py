"""`bicentennial evaluate ...`: synthetic control, interrupted time series and difference-in-differences.

`synth|its|did SPEC --data FILE` computes on files and prints the result (stored as a run when
`--as USER` is given, under a locked plan with `--plan ID`); `deployment` and `accord` evaluate
the platform's own records; `plan ...` saves and locks pre-registered plans.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bicentennial.access import service as access
from bicentennial.cli import JsonFlag, app, emit, err, progress_bar, unit_of_work
from bicentennial.core.config import get_settings
from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation import estimators, plans, service
from bicentennial.evaluation.spec import load_spec, read_long_csv

evaluate_app = typer.Typer(help="Evaluation: did it work? Synthetic control, ITS, DiD.", no_args_is_help=True)
plan_app = typer.Typer(help="Pre-registered evaluation plans.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
evaluate_app.add_typer(plan_app, name="plan")

AsUser = Annotated[
    str | None, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user (stores the run).")
]
Data = Annotated[Path, typer.Option("--data", help="Long CSV: one row per unit and period.")]
SpecFile = Annotated[Path, typer.Argument(help="YAML spec (unit, time, outcome, treated, ...).")]


def _read(path: Path) -> tuple[str, str]:
    try:
        return path.name, path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        return path.name, path.read_text(encoding="latin-1")


def _summary(method: str, result: dict[str, Any]) -> dict[str, Any]:
    """The fields scripts rely on, first; everything else after."""
    keys: tuple[str, ...]
    if method == "synth":
        keys = ("weights", "pre_rmspe", "post_rmspe", "gaps", "placebo_p_value")
    elif method == "its":
        keys = ("level_change", "level_ci", "level_p", "slope_change", "slope_ci", "slope_p", "cumulative_effect")
    else:
        keys = ("overall", "event_study", "pretrend", "att_gt")
    return {k: result.get(k) for k in keys} | {k: v for k, v in result.items() if k not in keys}


def _run_files(
    method: str, spec: Path, data: Path, as_user: str | None, plan: int | None, placebos: bool | None, as_json: bool
) -> None:
    settings = get_settings()
    scheduler, workers = settings.dask_scheduler, settings.job_workers
    spec_file, data_file = _read(spec), _read(data)
    with progress_bar("Placebos" if placebos else method) as progress:
        if as_user:
            with unit_of_work() as session:
                actor = access.get_user(session=session, username=as_user)
                run = service.evaluate_file(
                    session=session,
                    actor=actor,
                    method=method,
                    spec=spec_file,
                    data=data_file,
                    placebos=placebos,
                    plan_id=plan,
                    progress=progress,
                    scheduler=scheduler,
                    workers=workers,
                )
                result = dict(run.result) | {
                    "run": {
                        "id": run.id,
                        "exploratory": run.exploratory,
                        "plan": run.plan_id,
                        "data_sha256": run.data_sha256,
                    }
                }
        else:
            if plan is not None:
                raise InvalidInput("--plan needs --as USER: a planned run is stored")
            checked = load_spec(spec_file[1], name=spec_file[0], method=method)
            if placebos is not None and method == "synth":
                checked["placebos"] = placebos
            panel = read_long_csv(data_file[1], name=data_file[0], unit=checked.get("unit"), time=checked["time"])
            result = estimators.estimate(
                method, checked, panel, progress=progress, scheduler=scheduler, workers=workers
            )
    _emit(method, result, as_json)


def _emit(method: str, result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(_summary(method, result), ensure_ascii=False, default=str))
        return
    if method == "synth":
        rows = [{"donor": u, "weight": w} for u, w in result["weights"].items() if w and abs(w) >= 0.001]
        emit(
            rows,
            False,
            f"Synthetic {result['treated']}: pre-RMSPE {result['pre_rmspe']}, post-RMSPE "
            f"{result['post_rmspe']}, placebo p {result['placebo_p_value']}",
        )
    elif method == "its":
        emit(
            [
                {
                    "change": "level",
                    "estimate": result["level_change"],
                    "CI": result["level_ci"],
                    "p": result["level_p"],
                },
                {
                    "change": "slope / period",
                    "estimate": result["slope_change"],
                    "CI": result["slope_ci"],
                    "p": result["slope_p"],
                },
            ],
            False,
            f"Interrupted time series at {result['treatment_start']}",
        )
    else:
        o, pre = result["overall"], result["pretrend"]
        emit(result["event_study"], False, f"ATT {o['att']:.4g} (SE {o['se']:.3g}); pre-trend test p = {pre['p']:.3g}")


@evaluate_app.command("synth")
def synth(
    spec: SpecFile,
    data: Data,
    as_user: AsUser = None,
    plan: Annotated[int | None, typer.Option(help="Run under this locked plan.")] = None,
    placebos: Annotated[bool, typer.Option("--placebos", help="In-space placebos and their p-value.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Synthetic control (Abadie, Diamond & Hainmueller) with optional in-space placebos."""
    _run_files("synth", spec, data, as_user, plan, placebos, as_json)


@evaluate_app.command("its")
def its(
    spec: SpecFile,
    data: Data,
    as_user: AsUser = None,
    plan: Annotated[int | None, typer.Option(help="Run under this locked plan.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Interrupted time series: level and slope change, counterfactual with its interval."""
    _run_files("its", spec, data, as_user, plan, None, as_json)


@evaluate_app.command("did")
def did(
    spec: SpecFile,
    data: Data,
    as_user: AsUser = None,
    plan: Annotated[int | None, typer.Option(help="Run under this locked plan.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Staggered difference-in-differences (Callaway & Sant'Anna), event study and pre-trend test."""
    _run_files("did", spec, data, as_user, plan, None, as_json)


def _user(as_user: str | None) -> str:
    if not as_user:
        raise InvalidInput("--as USER (or BICENTENNIAL_USER) is required")
    return as_user


@evaluate_app.command("deployment")
def deployment(
    deployment_id: Annotated[int, typer.Argument(help="A recorded task-force deployment.")],
    dataset: Annotated[int, typer.Option("--dataset", help="Hotspot dataset with the monthly counts.")],
    as_user: AsUser = None,
    placebos: Annotated[bool, typer.Option("--placebos", help="In-space placebos (every donor in turn).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Synthetic control of a deployment's homicide rate, with its displacement check."""
    settings = get_settings()
    with unit_of_work() as session, progress_bar("Placebos" if placebos else "Fit") as progress:
        actor = access.get_user(session=session, username=_user(as_user))
        run = service.evaluate_deployment(
            session=session,
            actor=actor,
            deployment_id=deployment_id,
            dataset_id=dataset,
            placebos=placebos,
            progress=progress,
            scheduler=settings.dask_scheduler,
            workers=settings.job_workers,
        )
        result = dict(run.result) | {"run": {"id": run.id}}
    _emit("synth", result, as_json)


@evaluate_app.command("accord")
def accord(
    as_user: AsUser = None,
    indicator: Annotated[str, typer.Option(help="Outcome indicator.")] = "mx_homicide_victims_sesnsp",
    area: Annotated[str, typer.Option(help="Area code: mx, mx:08, us ...")] = "mx",
    start: Annotated[str, typer.Option(help="Interruption (YYYY-MM).")] = service.ACCORD_START,
    errors: Annotated[str, typer.Option(help="newey-west or arima.")] = "newey-west",
    as_json: JsonFlag = False,
) -> None:
    """Interrupted time series of an outcome around the accord (October 2021)."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        run = service.evaluate_accord(
            session=session, actor=actor, indicator=indicator, area=area, start=start, errors=errors
        )
        result = dict(run.result) | {"run": {"id": run.id}}
    _emit("its", result, as_json)


@plan_app.command("create")
def plan_create(
    name: Annotated[str, typer.Option(help="Name of the plan.")],
    method: Annotated[str, typer.Option(help="synth, its or did.")],
    spec: Annotated[Path, typer.Option("--spec", help="YAML spec.")],
    as_user: AsUser = None,
    notes: Annotated[str, typer.Option(help="Free text.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Save a plan (not yet locked)."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        p = plans.create_plan(
            session=session, actor=actor, name=name, method=method, spec_text=_read(spec)[1], notes=notes
        )
        row = {"id": p.id, "name": p.name, "method": p.method, "locked": False}
    emit([row], as_json, "Plan saved")


@plan_app.command("lock")
def plan_lock(
    plan_id: Annotated[int, typer.Argument(help="Plan id.")], as_user: AsUser = None, as_json: JsonFlag = False
) -> None:
    """Lock a plan before looking at post-period data; its SHA-256 goes to the audit chain."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        p = plans.lock_plan(session=session, actor=actor, plan_id=plan_id)
        row = {"id": p.id, "sha256": p.sha256, "locked_at": p.locked_at}
    emit([row], as_json, "Plan locked")


@plan_app.command("list")
def plan_list(as_user: AsUser = None, as_json: JsonFlag = False) -> None:
    """Plans you may see."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        rows = [
            {"id": p.id, "name": p.name, "method": p.method, "locked_at": p.locked_at, "sha256": p.sha256[:12]}
            for p in plans.list_plans(session=session, actor=actor)
        ]
    emit(rows, as_json, "Evaluation plans")


@evaluate_app.command("report")
def report(
    run_id: Annotated[int, typer.Argument(help="Evaluation run id.")],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    as_user: AsUser = None,
    lang: Annotated[str, typer.Option(help="en or es.")] = "en",
) -> None:
    """Write a run as a self-contained HTML report (charts included, works offline)."""
    from bicentennial.evaluation.report import render_report

    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        html = render_report(service.get_run(session=session, actor=actor, run_id=run_id), lang=lang)
    out.write_text(html, encoding="utf-8")
    err.print(f"Wrote {out}")
