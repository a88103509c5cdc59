"""The platform's own parties screened against the lists: firearm dealers, the exporters and importers
of pre-export notifications, the subjects of bilateral requests — only those the user may see.

Other pillars are reached through their service modules; their pages show the same hits next to
the record (see :func:`hits_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bicentennial.access.models import User
from bicentennial.finance import service
from bicentennial.finance.labels import DECISIONS, ROLES
from bicentennial.finance.screener import Result


@dataclass(frozen=True)
class PartyHit:
    source: str  # "precursors" | "firearms" | "cooperation"
    record: str  # link target, e.g. "/precursors/notifications/12"
    role: str  # "exporter", "importer", "dealer", "subject"
    name: str
    result: Result


def platform_hits(*, session: Session, actor: User) -> list[PartyHit]:
    from bicentennial.cooperation import service as cooperation
    from bicentennial.firearms import service as firearms
    from bicentennial.precursors import notifications

    parties: list[tuple[str, str, str, str, str | None]] = []
    for n in notifications.all_visible(session=session, actor=actor):
        parties.append(("precursors", f"/precursors/notifications/{n.id}", "exporter", n.exporter, "company"))
        parties.append(("precursors", f"/precursors/notifications/{n.id}", "importer", n.importer, "company"))
    for ffl, name in firearms.dealer_names(session=session, actor=actor):
        parties.append(("firearms", f"/firearms/traces?dealer={ffl}", "dealer", name, "company"))
    for request in cooperation.all_visible(session=session, actor=actor):
        parties.append(("cooperation", f"/cooperation/requests/{request.id}", "subject", request.subject, None))
    hits = service.screen_names(
        session=session, parties=((f"{s}|{r}|{role}", name, kind) for s, r, role, name, kind in parties)
    )
    out = []
    for label, name, result in hits:
        source, record, role = label.split("|", 2)
        out.append(PartyHit(source, record, role, name, result))
    return sorted(out, key=lambda h: (-h.result.score, h.source, h.name))


def hits_for(*, session: Session, names: list[tuple[str, str, str | None]]) -> list[tuple[str, str, Result]]:
    """Hits among one record's parties ``(role, name, kind)``, for that record's page."""
    return service.screen_names(session=session, parties=names)


def page_hits(
    *, session: Session, gettext: Callable[[str], str], names: list[tuple[str, str, str | None]]
) -> list[dict[str, Any]]:
    """The hits of one record's parties, ready for the shared ``finance/_hits.html`` box on its page."""
    return [
        {
            "role": gettext(ROLES.get(role, role)),
            "name": name,
            "decision": result.decision,
            "decision_label": gettext(DECISIONS.get(result.decision, result.decision)),
            "entity": result.entity,
            "listed": result.name,
            "list": result.list,
            "score": result.score,
            "reasons": result.texts(gettext)[:4],
        }
        for role, name, result in hits_for(session=session, names=names)
    ]
