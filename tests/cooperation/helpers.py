"""Users on both sides of the border, and a request between them."""

from __future__ import annotations

from datetime import timedelta

from bicentennial.access import grants
from bicentennial.access import service as access
from bicentennial.cooperation import service as coop
from bicentennial.core.db import utcnow
from tests.conftest import make_user

# username -> (agency, role)
CAST = {
    "dea.analyst": ("DEA", "analyst"),
    "dea.viewer": ("DEA", "viewer"),
    "dea.admin": ("DEA", "agency_admin"),
    "atf.analyst": ("ATF", "analyst"),  # other agency, same country as DEA
    "fgr.analyst": ("FGR", "analyst"),  # the receiving agency, other country
    "fgr.admin": ("FGR", "agency_admin"),
    "sspc.analyst": ("SSPC", "analyst"),  # other country, not a party
    "root": ("SSPC", "system_admin"),
}


def cast(db) -> None:  # type: ignore[no-untyped-def]
    for username, (agency, role) in CAST.items():
        make_user(db, username, agency, role)


def user(session, name: str):  # type: ignore[no-untyped-def]
    return access.get_user(session=session, username=name)


def new_request(db, *, send: bool = True, handling: str = "H2", type_: str = "extradition") -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        r = coop.create_request(
            session=s,
            actor=user(s, "dea.analyst"),
            draft=coop.RequestDraft(
                type=type_, receiving_agency="FGR", subject="Extradition of J. Doe", handling_code=handling
            ),
        )
        if send:
            coop.transition(session=s, actor=user(s, "dea.analyst"), request_id=r.id, to="sent")
        return r.id


def grant(db, request_id: int, to: str, days: float = 10, by: str = "dea.analyst", **flags: bool) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        g = grants.create_grant(
            session=s,
            actor=user(s, by),
            ref=f"request:{request_id}",
            terms=grants.GrantTerms(agency=to, expires_at=utcnow() + timedelta(days=days), **flags),
        )
        return g.id
