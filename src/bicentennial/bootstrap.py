"""First-run work shared by ``make run`` and the CLI: schema, reference data, first admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bicentennial.access import service as access
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.geo import service as geo
from bicentennial.outcomes import store as outcomes

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SeedReport:
    agencies: int
    areas: int
    observations: int = 0


def seed_reference_data(*, session: Session, progress: Progress | None = None) -> SeedReport:
    """Countries, agencies and areas; idempotent."""
    agencies = access.seed_agencies(session=session)
    areas = geo.load_reference_areas(session=session, progress=progress)
    observations = outcomes.load_reference(session=session)
    if agencies:
        audit.record(session, events.ReferenceDataLoaded(dataset="agencies", rows=agencies))
    if areas:
        audit.record(session, events.ReferenceDataLoaded(dataset="areas", rows=areas))
    return SeedReport(agencies, areas, observations)
