"""Pre-registered evaluation plans: saved, locked (SHA-256 to the audit chain), then run exactly as saved."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation.models import EvaluationPlan, EvaluationRun
from bicentennial.evaluation.service import accord_panel, store_run
from bicentennial.evaluation.spec import load_spec, read_long_csv

Progress = Callable[[int, int], None]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def create_plan(
    *,
    session: Session,
    actor: User,
    name: str,
    method: str,
    spec_text: str,
    source: dict[str, Any] | None = None,
    notes: str = "",
) -> EvaluationPlan:
    policy.require(actor, "records.write")
    if not name.strip():
        raise InvalidInput("name: a plan needs a name")
    spec = load_spec(spec_text, name="plan", method=method)
    plan = EvaluationPlan(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        name=name.strip()[:200],
        method=method,
        spec=spec,
        source=source or {"kind": "file"},
        notes=notes,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor), target=plan.ref, owner=actor.agency.code, fields={"method": method, "name": plan.name}
        ),
    )
    return plan


def lock_plan(*, session: Session, actor: User, plan_id: int) -> EvaluationPlan:
    """Fix a plan for good: its SHA-256 goes to the audit chain, and it can no longer change."""
    plan = get_plan(session=session, actor=actor, plan_id=plan_id)
    records.require_owner(actor, plan)
    if plan.locked_at is not None:
        raise InvalidInput(f"plan {plan_id} is already locked ({plan.locked_at:%Y-%m-%d %H:%M} UTC)")
    plan.sha256 = hashlib.sha256(
        _canonical({"method": plan.method, "spec": plan.spec, "source": plan.source}).encode("ascii")
    ).hexdigest()
    plan.locked_at = utcnow()
    audit.record(
        session,
        events.RecordUpdated(
            **events.by(actor),
            target=plan.ref,
            owner=actor.agency.code,
            changes={"locked": True, "sha256": plan.sha256},
        ),
    )
    return plan


def run_plan(
    *,
    session: Session,
    actor: User,
    plan_id: int,
    data: tuple[str, str] | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> EvaluationRun:
    """Run a plan as saved: on a supplied file (file plans) or on the outcomes store (accord plans)."""
    policy.require(actor, "jobs.run")
    plan = get_plan(session=session, actor=actor, plan_id=plan_id)
    if plan.source.get("kind") == "outcomes":
        src = plan.source
        panel = accord_panel(session=session, indicator=src["indicator"], area=src.get("area", "mx"))
        title = f"plan {plan.id}: {plan.name}"
        return store_run(
            session=session,
            actor=actor,
            title=title,
            method=plan.method,
            spec=plan.spec,
            source=src,
            panel=panel,
            plan=plan,
        )
    if data is None:
        raise InvalidInput(f"plan {plan_id} reads a data file: give one")
    panel = read_long_csv(data[1], name=data[0], unit=plan.spec.get("unit"), time=plan.spec["time"])
    source = {"kind": "file", "name": data[0], "sha256": hashlib.sha256(data[1].encode("utf-8")).hexdigest()}
    return store_run(
        session=session,
        actor=actor,
        title=f"plan {plan.id}: {plan.name}",
        method=plan.method,
        spec=plan.spec,
        source=source,
        panel=panel,
        plan=plan,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
    )


def list_plans(*, session: Session, actor: User) -> list[EvaluationPlan]:
    query = (
        select(EvaluationPlan).where(records.visible_clause(actor, EvaluationPlan)).order_by(EvaluationPlan.id.desc())
    )
    return list(session.scalars(query))


def get_plan(*, session: Session, actor: User, plan_id: int) -> EvaluationPlan:
    return records.read(session, actor, EvaluationPlan, plan_id)


def plan_for_run(
    session: Session, actor: User, plan_id: int | None, method: str, spec: dict[str, Any]
) -> EvaluationPlan | None:
    if plan_id is None:
        return None
    plan = get_plan(session=session, actor=actor, plan_id=plan_id)
    if plan.method != method or _canonical(plan.spec) != _canonical(spec):
        raise InvalidInput(
            f"plan {plan_id}: this spec differs from the plan's; a planned run must use the plan as saved"
        )
    return plan
