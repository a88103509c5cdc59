"""Synthetic pre-export notifications between Mexican and US authorities, marked synthetic everywhere.

Shipments go both ways across the border, some through third countries (Panama's canal ports,
Guatemala by road, Rotterdam or Colombia by sea), in quantities drawn around what the trade in each
chemical looks like (tonnes of solvents, kilograms of ephedrines). Most are confirmed within the 15-day
answer window, some objected, a few await an answer past it, one is cancelled and one seized, so every
screen of the workflow has something to show. Nothing here is a real shipment or company.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bicentennial.access.models import Agency
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import utcnow
from bicentennial.precursors.models import NotificationEvent, PreExportNotification
from bicentennial.precursors.notification_checks import screening_of
from bicentennial.precursors.notification_queries import as_order
from bicentennial.precursors.notifications import RESPONSE_DAYS
from bicentennial.precursors.suspicious import flag_orders

DEMO_COUNT = 36
# (substance id, median quantity in kg, log-normal spread)
SUBSTANCES = (
    ("C044", 8000.0, 0.5),  # acetone
    ("C051", 12000.0, 0.5),  # toluene
    ("C001", 2000.0, 0.6),  # acetic anhydride
    ("C025", 500.0, 0.6),  # potassium permanganate
    ("C026", 60.0, 0.7),  # pseudoephedrine
    ("C004", 5.0, 0.8),  # N-phenethyl-4-piperidone
)
MX_FIRMS = (
    "Química del Golfo, S.A. de C.V.",
    "Solventes del Bajío S.A. de C.V.",
    "Farmoquímica Jalisco S.A.P.I. de C.V.",
)
US_FIRMS = ("Gulf Solvents LLC", "Lone Star Pharma Inc.", "Pacific Reagents Corp.", "Midwest Fine Chemicals Inc.")
ROUTES = (((), "road"), ((), "rail"), (("PA",), "sea"), (("GT",), "road"), (("NL",), "sea"), (("CO", "PA"), "sea"))
AUTHORITIES = {"MX": ("COFEPRIS", "ANAM"), "US": ("DEA", "CBP")}
NOTES = {"objected": "Importer not registered for this chemical (synthetic)", "confirmed": ""}


@dataclass(frozen=True)
class _Plan:
    outcome: str  # confirmed | objected | overdue | pending | cancelled | seized | draft
    age_days: float  # since submission


def _plan(i: int, rng: random.Random) -> _Plan:
    """The first few are fixed so the demo always shows a seizure, overdue answers and a draft."""
    fixed = {0: _Plan("seized", 40), 1: _Plan("overdue", 25), 2: _Plan("overdue", 33), 3: _Plan("draft", 0)}
    if i in fixed:
        return fixed[i]
    age = rng.uniform(1, 150)
    if age < RESPONSE_DAYS:
        return _Plan(rng.choices(["pending", "confirmed"], [2, 1])[0], age)
    outcome = rng.choices(["confirmed", "objected", "overdue", "cancelled"], [70, 16, 8, 6])[0]
    return _Plan(outcome, age)


def load_demo_notifications(
    session: Session, *, count: int = DEMO_COUNT, seed: int = 1, now: datetime | None = None
) -> int:
    """Insert ``count`` synthetic notifications (once: 0 when synthetic ones exist); returns how many."""
    if session.scalar(select(func.count()).select_from(PreExportNotification).where(PreExportNotification.synthetic)):
        return 0
    rng, now = random.Random(seed), now or utcnow()  # noqa: S311  reproducible demo data, not secrets
    agencies = {
        a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(("COFEPRIS", "ANAM", "DEA", "CBP"))))
    }
    made = [_notification(i, rng, now, agencies) for i in range(count)]
    session.add_all(made)
    session.flush()
    _flag(made)
    audit.record(
        session,
        events.RecordCreated(
            target="pen_notification:synthetic", fields={"synthetic_notifications": count, "seed": seed}
        ),
    )
    return count


def _notification(i: int, rng: random.Random, now: datetime, agencies: dict[str, Agency]) -> PreExportNotification:
    plan = _plan(i, rng)
    exporting = "MX" if i % 2 == 0 else "US"
    importing = "US" if exporting == "MX" else "MX"
    owner, importer_agency = (agencies[rng.choice(AUTHORITIES[c])] for c in (exporting, importing))
    sid, median, spread = SUBSTANCES[i % len(SUBSTANCES)]
    amount = round(math.exp(rng.gauss(math.log(median), spread)) * (10 if i == 5 else 1), 1)  # one planted outlier
    transit, transport = rng.choice(ROUTES)
    firms = {"MX": MX_FIRMS, "US": US_FIRMS}
    submitted = now - timedelta(days=plan.age_days)
    n = PreExportNotification(
        owner_agency_id=owner.id,
        owner_agency=owner,
        importing_agency=importer_agency,
        status="draft",
        exporter=rng.choice(firms[exporting]),
        exporter_country=exporting,
        importer=rng.choice(firms[importing]),
        importer_country=importing,
        substance_id=sid,
        quantity=amount,
        unit="kg",
        amount=amount,
        family="mass",
        transit=list(transit),
        transport=transport,
        shipment_date=(submitted + timedelta(days=rng.randint(20, 45))).date(),
        invoice=f"PF-{2025 + i % 2}-{1000 + i}",
        invoice_value=round(amount * rng.uniform(2, 40), 2),
        handling_code=rng.choice(("H1", "H1", "H2")),  # H2 ones stay out of the importing side's exports
        sensitivity="restricted",
        synthetic=True,
        created_at=submitted - timedelta(days=rng.uniform(0.1, 3)),
        screening=screening_of(sid, submitted.date()),
    )
    _walk(n, plan, submitted, rng, owner, importer_agency)
    return n


def _step(n: PreExportNotification, to: str, at: datetime, by: Agency, **extra: object) -> None:
    n.events.append(NotificationEvent(kind=to, from_status=n.status, to_status=to, at=at, by_agency_id=by.id, **extra))
    n.status = to


def _walk(
    n: PreExportNotification, plan: _Plan, submitted: datetime, rng: random.Random, owner: Agency, importer: Agency
) -> None:
    """Legal steps only, as the service would take them, each dated."""
    n.events.append(NotificationEvent(kind="filed", to_status="draft", at=n.created_at, by_agency_id=owner.id))
    if plan.outcome == "draft":
        return
    n.submitted_at, n.deadline = submitted, submitted.date() + timedelta(days=RESPONSE_DAYS)
    _step(n, "submitted", submitted, owner)
    if plan.outcome in ("pending", "overdue"):
        return
    answered = submitted + timedelta(days=min(plan.age_days * 0.9, math.exp(rng.gauss(math.log(6), 0.6))))
    if plan.outcome == "cancelled":
        _step(n, "cancelled", answered, owner, note="Order withdrawn by the buyer (synthetic)")
        return
    decision = "objected" if plan.outcome in ("objected", "seized") else "confirmed"
    n.responded_at = answered
    _step(n, decision, answered, importer, note=NOTES[decision])
    if plan.outcome == "seized":
        port = "Manzanillo" if n.exporter_country == "MX" else "Port of Houston"
        _step(n, "stopped", answered + timedelta(days=2), owner, place=port, note="Held at export (synthetic)")
        _step(n, "seized", answered + timedelta(days=4), owner, place=port, quantity=n.quantity)


def _flag(made: list[PreExportNotification]) -> None:
    """Flags as at each submission, learning from the ones submitted before it (ids exist after flush)."""
    submitted = sorted((n for n in made if n.submitted_at is not None), key=lambda n: n.submitted_at or n.created_at)
    for index, n in enumerate(submitted):
        history = [as_order(h) for h in submitted[:index] if h.substance_id == n.substance_id]
        found = flag_orders([as_order(n)], history=history).get(str(n.id), [])
        n.flags = [f.as_dict() for f in found]
