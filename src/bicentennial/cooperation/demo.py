"""Synthetic requests with realistic delays, clearly marked synthetic everywhere they show.

Delays are drawn from log-normal distributions whose medians follow what is published
about such exchanges: the EU's arrest-warrant statistics (about 15 days to a surrender
decision with consent, 40 without) as a floor for a fast, treaty-based procedure;
Mexico–US extraditions and MLAT requests take months to years; agent visas are the
sore point the accord names ("long delays"). Nothing here is real casework.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access.models import Agency
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.cooperation import vocabulary
from bicentennial.cooperation.models import Request, RequestTransition
from bicentennial.cooperation.service import apply_status
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput


@dataclass(frozen=True)
class Profile:
    weight: float
    ack_median: float
    close_median: float
    spread: float
    routes: tuple[tuple[str, str], ...]  # (requesting, receiving) agency codes
    subjects: tuple[str, ...]


PROFILES = {
    "extradition": Profile(
        0.2,
        12,
        300,
        0.7,
        (("DEA", "FGR"), ("FBI", "FGR"), ("FGR", "DEA"), ("ATF", "FGR")),
        (
            "Extradition of a cartel logistics chief",
            "Extradition of a fentanyl trafficker",
            "Surrender of an arms-trafficking suspect",
        ),
    ),
    "mutual_legal_assistance": Profile(
        0.3,
        8,
        110,
        0.6,
        (("FGR", "ATF"), ("ATF", "FGR"), ("FGR", "FBI"), ("DEA", "FGR")),
        (
            "Ballistic evidence from a homicide scene",
            "Bank records of a front company",
            "Witness statement for a trafficking case",
        ),
    ),
    "financial_intelligence": Profile(
        0.2,
        3,
        21,
        0.5,
        (("UIF", "FINCEN"), ("FINCEN", "UIF")),
        ("Wire transfers linked to precursor imports", "Cash couriers at Nogales"),
    ),
    "agent_visa": Profile(
        0.2,
        6,
        75,
        0.6,
        (("DEA", "SRE"), ("ATF", "SRE"), ("FBI", "SRE"), ("CBP", "SRE")),
        ("Accreditation of a DEA special agent", "Visa renewal for an ATF liaison officer"),
    ),
    "joint_operation": Profile(
        0.1,
        2,
        18,
        0.5,
        (("SSPC", "CBP"), ("GN", "CBP"), ("CBP", "ANAM")),
        ("Joint inspection of precursor shipments at Manzanillo", "Border firearms interdiction"),
    ),
}


def _lognormal(rng: random.Random, median: float, spread: float) -> float:
    return math.exp(rng.gauss(math.log(median), spread))


def generate(*, session: Session, count: int, seed: int = 1, months: int = 24, now: datetime | None = None) -> int:
    """Insert ``count`` synthetic requests sent over the last ``months`` months."""
    if count <= 0 or count > 100_000:
        raise InvalidInput("count: between 1 and 100000")
    rng, now = random.Random(seed), now or utcnow()  # noqa: S311  reproducible synthetic data, not secrets
    agencies = {a.code: a for a in session.scalars(select(Agency))}
    kinds = list(PROFILES)
    for _ in range(count):
        kind = rng.choices(kinds, weights=[PROFILES[k].weight for k in kinds])[0]
        profile = PROFILES[kind]
        owner, receiver = (agencies[c] for c in rng.choice(profile.routes))
        sent = now - timedelta(days=rng.uniform(0, months * 30.4))
        request = Request(
            type=kind,
            owner_agency_id=owner.id,
            receiving_agency=receiver,
            subject=rng.choice(profile.subjects),
            description="Synthetic demonstration record.",
            legal_basis=vocabulary.request_types()[kind].legal_basis,
            priority=rng.choices(["low", "normal", "high", "urgent"], weights=[1, 6, 3, 1])[0],
            hold_days=0.0,
            handling_code=rng.choice(["H0", "H1", "H2"] if receiver.law_enforcement else ["H1", "H2"]),
            sensitivity="restricted",
            status="draft",
            synthetic=True,
            created_at=sent - timedelta(days=rng.uniform(0, 5)),
        )
        session.add(request)
        _walk(request, owner, receiver, sent, now, profile, rng)
    session.flush()
    audit.record(
        session, events.RecordCreated(target="request:synthetic", fields={"synthetic_requests": count, "seed": seed})
    )
    return count


def _walk(
    request: Request,
    owner: Agency,
    receiver: Agency,
    sent: datetime,
    now: datetime,
    profile: Profile,
    rng: random.Random,
) -> None:
    """Move the request through legal states up to ``now``."""
    steps: list[tuple[str, datetime, Agency]] = [("draft", request.created_at, owner), ("sent", sent, owner)]
    ack = sent + timedelta(days=_lognormal(rng, profile.ack_median, profile.spread))
    if ack < now:
        steps += [("acknowledged", ack, receiver)]
        work = ack + timedelta(days=rng.uniform(0.5, 4))
        close = ack + timedelta(days=_lognormal(rng, profile.close_median, profile.spread))
        if work < now:
            steps.append(("in_progress", work, receiver))
            if rng.random() < 0.25:
                hold = work + (close - work) * rng.uniform(0.2, 0.6)
                resume = hold + timedelta(days=rng.uniform(7, 60))
                close += resume - hold
                steps.append(("on_hold", hold, receiver))
                if resume < now:
                    steps.append(("in_progress", resume, receiver))
        if close < now and steps[-1][0] == "in_progress":
            ending = rng.choices(["fulfilled", "partially_fulfilled", "refused", "withdrawn"], [65, 15, 10, 10])[0]
            steps.append((ending, close, owner if ending == "withdrawn" else receiver))
    previous = None
    for status, at, by in steps:
        if previous is not None and (previous, status) not in vocabulary.transitions():
            raise AssertionError(f"demo produced an illegal move {previous} -> {status}")
        apply_status(request, status, at)
        request.history.append(
            RequestTransition(from_status=previous, to_status=status, at=at, by_agency_id=by.id, note="synthetic")
        )
        previous = status
