"""Task-force targeting (where to send N teams) and deployments (where they went, and what followed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput, PermissionDenied
from bicentennial.core.i18n import N_
from bicentennial.hotspots import analyses, runs, service
from bicentennial.hotspots.models import Deployment
from bicentennial.hotspots.panel import Panel


def targets(
    *,
    session: Session,
    actor: User,
    dataset_id: int,
    teams: int,
    group_population_cap: float | None = None,
    weights: str = "queen",
) -> dict[str, Any]:
    """Rank areas (or contiguous groups) for ``teams`` task forces, each row with its evidence.

    Evidence comes from the latest finished scan and emerging-hotspot runs on the same dataset, when
    there are any; the ranking itself needs only the dataset.
    """
    from bicentennial.hotspots.targeting import predictive_accuracy, rank_targets

    if not 1 <= teams <= 500:
        raise InvalidInput("teams: between 1 and 500")
    dataset = service.get_dataset(session=session, actor=actor, dataset_id=dataset_id)
    panel = service.panel_of(dataset)
    people = panel.population[:, -1]
    w = analyses.weights_for(panel, weights) if group_population_cap else None
    found = rank_targets(panel.cases, people, teams=teams, weights=w, group_population_cap=group_population_cap or None)
    scan = runs.latest_run(session=session, actor=actor, dataset_id=dataset_id, method="scan")
    emerging = runs.latest_run(session=session, actor=actor, dataset_id=dataset_id, method="emerging")
    membership = _cluster_membership(scan.result if scan else {})
    classes = {a["code"]: a["class"] for a in (emerging.result.get("areas", []) if emerging else [])}
    rows = []
    for t in found.targets:
        codes = [panel.ids[i] for i in t.areas]
        cluster = next((membership[c] for c in codes if c in membership), None)
        rows.append(
            {
                "rank": t.rank,
                "areas": codes,
                "names": [panel.names[i] for i in t.areas],
                "expected": round(float(t.expected), 2),
                "last12_count": int(t.last12_count),
                "last12_rate": round(float(t.last12_rate), 2),
                "cumulative_share": round(float(t.cumulative_share), 4),
                "cluster": cluster,
                "trend_class": next((classes[c] for c in codes if c in classes), None),
            }
        )
    accuracy = None
    if len(panel.periods) >= 24:
        accuracy = predictive_accuracy(panel.cases, people, train_end=len(panel.periods) - 12, top=teams)
    return {
        "dataset": dataset.id,
        "teams": teams,
        "covered_share": round(float(found.covered_share), 4),
        "targets": rows,
        "evidence_runs": {"scan": scan.id if scan else None, "emerging": emerging.id if emerging else None},
        "backtest": accuracy,
    }


def _cluster_membership(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for c in result.get("clusters", []):
        for code in c["locations"]:
            out.setdefault(
                code,
                {"rank": c["rank"], "p_value": c["p_value"], "relative_risk": c["relative_risk"], "end": c["end"]},
            )
    return out


def create_deployment(
    *,
    session: Session,
    actor: User,
    name: str,
    area_codes: list[str],
    start: date,
    end: date | None = None,
    teams: int = 1,
    run_id: int | None = None,
    notes: str = "",
    handling_code: str = "H2",
    sensitivity: str = "restricted",
) -> Deployment:
    if not policy.can(actor, "records.write"):
        raise PermissionDenied(N_("You are not allowed to do this."))
    records.validate_marking(handling_code, sensitivity)
    codes = sorted({c.strip() for c in area_codes if c.strip()})
    if not name.strip():
        raise InvalidInput("name: a deployment needs a name")
    if not codes:
        raise InvalidInput("areas: name at least one area code, e.g. mx:08037")
    from bicentennial.geo import service as geo

    known = {a.code for a in geo.areas_by_code(session=session, codes=codes)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(f"areas: unknown area code {unknown[0]!r}")
    if end is not None and end < start:
        raise InvalidInput("end: before start")
    if teams < 1:
        raise InvalidInput("teams: at least 1")
    if run_id is not None:
        runs.get_run(session=session, actor=actor, run_id=run_id)
    deployment = Deployment(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        name=name.strip()[:200],
        area_codes=codes,
        start=start,
        end=end,
        teams=teams,
        run_id=run_id,
        notes=notes,
        handling_code=handling_code,
        sensitivity=sensitivity,
    )
    session.add(deployment)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor),
            target=deployment.ref,
            owner=actor.agency.code,
            fields={"areas": codes, "start": start.isoformat(), "end": end.isoformat() if end else None},
        ),
    )
    return deployment


def list_deployments(*, session: Session, actor: User) -> list[Deployment]:
    query = select(Deployment).where(records.visible_clause(actor, Deployment))
    found = list(session.scalars(query.order_by(Deployment.start.desc(), Deployment.id.desc())))
    records.note_reads(session, actor, [(d, records.via_for_visible(actor, d)) for d in found])
    return found


def get_deployment(*, session: Session, actor: User, deployment_id: int) -> Deployment:
    return records.read(session, actor, Deployment, deployment_id)


def displacement(*, session: Session, actor: User, deployment_id: int, dataset_id: int) -> dict[str, Any]:
    """Counts before and during the deployment in its areas, in the ring of neighbours, and elsewhere."""
    from bicentennial.hotspots.displacement import displacement_check

    deployment = get_deployment(session=session, actor=actor, deployment_id=deployment_id)
    panel = service.panel_of(service.get_dataset(session=session, actor=actor, dataset_id=dataset_id))
    position = {code: i for i, code in enumerate(panel.ids)}
    missing = [c for c in deployment.area_codes if c not in position]
    if missing:
        raise InvalidInput(f"area {missing[0]} of the deployment is not in dataset {dataset_id}")
    start, end = _span(panel, deployment)
    w = analyses.weights_for(panel, "queen" if panel.ids[0].startswith("mx:") else "knn:6")
    check = displacement_check(
        panel.cases, areas=[position[c] for c in deployment.area_codes], weights=w, start=start, end=end
    )
    months = end - start + 1
    series = {
        "periods": list(panel.periods),
        "target": panel.cases[[position[c] for c in deployment.area_codes]].sum(axis=0).tolist(),
        "ring": panel.cases[list(check.ring)].sum(axis=0).tolist() if check.ring else [0] * len(panel.periods),
    }
    return {
        "deployment": deployment.id,
        "dataset": dataset_id,
        "before": [panel.periods[max(start - months, 0)], panel.periods[start - 1]],
        "after": [panel.periods[start], panel.periods[end]],
        "ring": [panel.ids[i] for i in check.ring],
        "before_target": check.before_target,
        "after_target": check.after_target,
        "before_ring": check.before_ring,
        "after_ring": check.after_ring,
        "before_control": check.before_control,
        "after_control": check.after_control,
        "target_change": _finite(check.target_change),
        "ring_change": _finite(check.ring_change),
        "wdq": _finite(check.wdq),
        "series": series,
    }


def _finite(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


def _span(panel: Panel, deployment: Deployment) -> tuple[int, int]:
    first = deployment.start.strftime("%Y-%m")
    last = (deployment.end or date.max).strftime("%Y-%m")
    if first > panel.periods[-1] or first <= panel.periods[0]:
        raise InvalidInput(
            f"deployment starts {first}: the dataset ({panel.periods[0]} to {panel.periods[-1]}) must cover "
            "months before and after the start"
        )
    start = panel.periods.index(first)
    end = panel.periods.index(last) if last in panel.periods else len(panel.periods) - 1
    return start, end
