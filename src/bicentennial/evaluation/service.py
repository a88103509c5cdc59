"""Evaluation runs and plans in the database: from files, from a recorded deployment, or for the accord itself."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial import __version__
from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation import estimators
from bicentennial.evaluation.models import EvaluationPlan, EvaluationRun
from bicentennial.evaluation.spec import LongPanel, check_spec, load_spec, read_long_csv

Progress = Callable[[int, int], None]
ENGINE_VERSION = f"{__version__}+evaluation.1"
ACCORD_START = "2021-10"  # the Bicentennial Framework was agreed on 8 October 2021
MIN_DONOR_POPULATION = 50_000  # inhabitants; below this a municipality's monthly homicide rate is mostly noise


def panel_sha256(panel: LongPanel) -> str:
    digest = hashlib.sha256()
    digest.update(("\x1f".join(panel.units) + "\x1e" + "\x1f".join(panel.periods)).encode("utf-8"))
    for name in sorted(panel.values):
        digest.update(name.encode("utf-8") + np.ascontiguousarray(panel.values[name], dtype="<f8").tobytes())
    return digest.hexdigest()


def store_run(
    *,
    session: Session,
    actor: User,
    title: str,
    method: str,
    spec: dict[str, Any],
    source: dict[str, Any],
    panel: LongPanel,
    plan: EvaluationPlan | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> EvaluationRun:
    result = estimators.estimate(method, spec, panel, scheduler=scheduler, workers=workers, progress=progress)
    run = EvaluationRun(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        title=title[:300],
        method=method,
        spec=spec,
        source=source,
        data_sha256=panel_sha256(panel),
        plan_id=plan.id if plan else None,
        exploratory=plan is None or plan.locked_at is None,
        engine_version=ENGINE_VERSION,
        seconds=float(result.pop("seconds")),
        result=result,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor),
            target=run.ref,
            owner=actor.agency.code,
            fields={"method": method, "data_sha256": run.data_sha256, "plan": plan.ref if plan else None},
        ),
    )
    return run


def evaluate_file(
    *,
    session: Session,
    actor: User,
    method: str,
    spec: tuple[str, str],
    data: tuple[str, str],
    placebos: bool | None = None,
    plan_id: int | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> EvaluationRun:
    """A spec (``(file name, YAML)``) on a long CSV (``(file name, text)``), stored as a run."""
    policy.require(actor, "jobs.run")
    checked = load_spec(spec[1], name=spec[0], method=method)
    if placebos is not None and method == "synth":
        checked["placebos"] = placebos
    from bicentennial.evaluation.plans import plan_for_run

    plan = plan_for_run(session, actor, plan_id, method, checked)
    panel = read_long_csv(data[1], name=data[0], unit=checked.get("unit"), time=checked["time"])
    source = {"kind": "file", "name": data[0], "sha256": hashlib.sha256(data[1].encode("utf-8")).hexdigest()}
    title = f"{method}: {checked['outcome']} · {checked.get('treated') or data[0]}"
    return store_run(
        session=session,
        actor=actor,
        title=title,
        method=method,
        spec=checked,
        source=source,
        panel=panel,
        plan=plan,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
    )


def deployment_panel(
    *, session: Session, actor: User, deployment_id: int, dataset_id: int
) -> tuple[LongPanel, dict[str, Any], dict[str, Any]]:
    """Homicides per 100,000 a month: the deployment's areas as one treated unit, donors from elsewhere.

    Donors leave out the deployment's ring of neighbours, whose numbers the deployment may have moved
    (displacement or diffusion) — they are no clean counterfactual.
    """
    from bicentennial.hotspots import deployments as hs_deployments
    from bicentennial.hotspots import service as hs

    deployment = hs_deployments.get_deployment(session=session, actor=actor, deployment_id=deployment_id)
    data = hs.panel_of(hs.get_dataset(session=session, actor=actor, dataset_id=dataset_id))
    check = hs_deployments.displacement(
        session=session, actor=actor, deployment_id=deployment_id, dataset_id=dataset_id
    )
    position = {c: i for i, c in enumerate(data.ids)}
    treated = [position[c] for c in deployment.area_codes]
    skip = set(treated) | {position[c] for c in check["ring"]}
    # Monthly rates of small municipalities are mostly noise: a synthetic control would fit that noise
    # before the deployment and swing wildly after it. Donors must be big enough for a stable rate.
    treated_people = float(data.population[treated, 0].sum())
    floor = max(MIN_DONOR_POPULATION, treated_people / 20)
    donors = [i for i in range(len(data.ids)) if i not in skip and data.population[i].min() >= floor]
    if len(donors) < 5:
        donors = [i for i in range(len(data.ids)) if i not in skip and data.population[i].min() > 0]
    people = data.population
    rates = np.vstack(
        [data.cases[treated].sum(axis=0) / people[treated].sum(axis=0) * 1e5]
        + [data.cases[i] / people[i] * 1e5 for i in donors]
    )
    units = ("deployment", *[data.ids[i] for i in donors])
    panel = LongPanel(units, data.periods, {"homicide_rate": rates}, {})
    start = check["after"][0]
    pre = data.periods[: data.periods.index(start)]
    thirds = [pre[k * len(pre) // 3 : (k + 1) * len(pre) // 3] for k in range(3)]
    spec = check_spec(
        {
            "unit": "area",
            "time": "period",
            "outcome": "homicide_rate",
            "treated": "deployment",
            "treatment_start": start,
            "predictors": [{"variable": "homicide_rate", "from": w[0], "to": w[-1]} for w in thirds if w]
            + [{"variable": "homicide_rate", "from": pre[-1], "to": pre[-1]}],
            "optimize_fit": {"from": pre[0], "to": pre[-1]},
            # Penalised weights (Abadie & L'Hour 2021) favour donors close to the treated unit, which
            # keeps hundreds of donors from fitting the pre-period by averaging noise.
            "method": "penalized",
        },
        name="deployment",
        method="synth",
    )
    return panel, spec, check | {"name": deployment.name}


def evaluate_deployment(
    *,
    session: Session,
    actor: User,
    deployment_id: int,
    dataset_id: int,
    placebos: bool = False,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> EvaluationRun:
    """Synthetic control of a recorded deployment, with its displacement check beside the effect."""
    policy.require(actor, "jobs.run")
    panel, spec, check = deployment_panel(
        session=session, actor=actor, deployment_id=deployment_id, dataset_id=dataset_id
    )
    spec["placebos"] = placebos
    source = {"kind": "deployment", "deployment": deployment_id, "dataset": dataset_id}
    run = store_run(
        session=session,
        actor=actor,
        title=f"{check['name']} · deployment {deployment_id} · dataset {dataset_id}",
        method="synth",
        spec=spec,
        source=source,
        panel=panel,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
    )
    run.result = {**run.result, "displacement": {k: v for k, v in check.items() if k not in {"series", "name"}}}
    return run


def accord_panel(*, session: Session, indicator: str, area: str, as_of: date | None = None) -> LongPanel:
    from bicentennial.outcomes import store

    points = [
        p for p in store.series(session=session, indicator=indicator, area=area, as_of=as_of) if p.value is not None
    ]
    if not points:
        raise InvalidInput(f"indicator {indicator!r} has no figures for {area}")
    values = np.array([[p.value for p in points]], dtype=np.float64)
    return LongPanel((area,), tuple(p.period for p in points), {indicator: values}, {})


def evaluate_accord(
    *,
    session: Session,
    actor: User,
    indicator: str = "mx_homicide_victims_sesnsp",
    area: str = "mx",
    start: str = ACCORD_START,
    errors: str = "newey-west",
    as_of: date | None = None,
) -> EvaluationRun:
    """Interrupted time series of an outcome series around the accord (October 2021 by default)."""
    policy.require(actor, "jobs.run")
    panel = accord_panel(session=session, indicator=indicator, area=area, as_of=as_of)
    monthly = len(panel.periods[0]) == 7
    # Yearly series: the first treated year is the accord's year if it began in the first half, else the next.
    first_year = str(int(start[:4]) + (1 if len(start) == 7 and int(start[5:]) > 6 else 0))
    spec = check_spec(
        {
            "time": "period",
            "outcome": indicator,
            "treatment_start": start if monthly else first_year,
            "errors": errors,
            "seasonal": monthly,
            "period": 12 if monthly else 1,
        },
        name="accord",
        method="its",
    )
    source = {"kind": "outcomes", "indicator": indicator, "area": area, "as_of": as_of.isoformat() if as_of else None}
    return store_run(
        session=session,
        actor=actor,
        title=f"accord · {indicator} · {area}",
        method="its",
        spec=spec,
        source=source,
        panel=panel,
    )


def list_runs(*, session: Session, actor: User, limit: int = 100) -> list[EvaluationRun]:
    query = select(EvaluationRun).where(records.visible_clause(actor, EvaluationRun))
    found = list(session.scalars(query.order_by(EvaluationRun.id.desc()).limit(limit)))
    records.note_reads(session, actor, [(r, records.via_for_visible(actor, r)) for r in found])
    return found


def get_run(*, session: Session, actor: User, run_id: int) -> EvaluationRun:
    return records.read(session, actor, EvaluationRun, run_id)
