"""Authorization matrix: every record endpoint and page × role × relationship × grant state.

No read or write crosses an agency boundary without a grant (or, for a sent
request, being its receiving agency); list, search and export never include a
record the user may not see; invisible records answer 404, never 403.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest

from bicentennial.access import credentials
from bicentennial.access.models import Grant
from bicentennial.cooperation import evidence
from bicentennial.core.db import utcnow
from tests.conftest import make_user
from tests.cooperation.helpers import grant, user
from tests.web.web_helpers import sign_in

ROLES = ("viewer", "analyst", "agency_admin", "system_admin")
RELATION = {"own": "DEA", "party": "FGR", "same_country": "ATF", "other_country": "SSPC"}
GRANT_STATES = ("none", "active", "expired", "revoked")


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """One request per grant state, owned by DEA, sent to FGR; grants to ATF and SSPC per state."""
    from bicentennial.cooperation import service as coop

    for agency, role in product(RELATION.values(), ROLES):
        make_user(db, f"{agency.lower()}-{role}", agency, role)
    ids, attachments = {}, {}
    with db.session() as s:
        owner = user(s, "dea-analyst")
        for state in GRANT_STATES:
            draft = coop.RequestDraft("mutual_legal_assistance", "FGR", f"matrix {state}", handling_code="H1")
            rid = coop.create_request(session=s, actor=owner, draft=draft).id
            coop.transition(session=s, actor=owner, request_id=rid, to="sent")
            attachments[state] = evidence.attach(
                session=s, actor=owner, request_id=rid, filename="note.txt", content=b"evidence " + state.encode()
            ).id
            ids[state] = rid
    for state, agency in product(("active", "expired", "revoked"), ("ATF", "SSPC")):
        gid = grant(db, ids[state], agency, by="dea-analyst")
        with db.session() as s:
            g = s.get(Grant, gid)
            if state == "expired":
                g.expires_at = utcnow() - timedelta(minutes=1)
            if state == "revoked":
                g.revoked_at = utcnow()
    tokens = {}
    with db.session() as s:
        for agency, role in product(RELATION.values(), ROLES):
            tokens[(agency, role)] = credentials.create_token(session=s, username=f"{agency.lower()}-{role}")[1]
    return {"ids": ids, "attachments": attachments, "tokens": tokens}


def expected_read(relation: str, state: str) -> bool:
    return relation in ("own", "party") or state == "active"


CASES = list(product(RELATION, ROLES))


@pytest.mark.parametrize(("relation", "role"), CASES)
def test_api_matrix(client, world, relation: str, role: str) -> None:
    agency = RELATION[relation]
    auth = {"Authorization": f"Bearer {world['tokens'][(agency, role)]}"}
    listed = {r["id"] for r in client.get("/api/v1/requests", params={"limit": 500}, headers=auth).json()["items"]}
    searched = {r["id"] for r in client.get("/api/v1/requests", params={"q": "matrix"}, headers=auth).json()["items"]}
    exported = {
        r["id"] for r in client.get("/api/v1/requests/export", params={"format": "json"}, headers=auth).json()["rows"]
    }
    writer = role != "viewer"
    for state, rid in world["ids"].items():
        visible = expected_read(relation, state)
        case = f"{relation}/{role}/{state}"
        assert client.get(f"/api/v1/requests/{rid}", headers=auth).status_code == (200 if visible else 404), case
        assert (rid in listed) == visible and (rid in searched) == visible and (rid in exported) == visible, case
        aid = world["attachments"][state]
        assert client.get(f"/api/v1/attachments/{aid}", headers=auth).status_code == (200 if visible else 404), case

        # Writes: probe with a stale version, so an authorised caller stops at 409 and nothing changes.
        to = "withdrawn" if relation == "own" else "acknowledged"
        moved = client.post(
            f"/api/v1/requests/{rid}/transitions", json={"to": to, "expected_version": -1}, headers=auth
        )
        may_move = relation in ("own", "party") and writer
        assert moved.status_code == (409 if may_move else 403 if visible else 404), case
        upload = client.post(f"/api/v1/requests/{rid}/attachments", files={"file": ("x.txt", b"x")}, headers=auth)
        assert upload.status_code == (201 if may_move else 403 if visible else 404), case
        custody = client.post(f"/api/v1/attachments/{aid}/custody", json={"action": "examined"}, headers=auth)
        assert custody.status_code == (422 if may_move else 403 if visible else 404), case  # 422: not evidence

        # Granting: only the owner's analysts and admins; probe by granting to their own agency (422).
        granted = client.post(
            "/api/v1/grants", json={"record": f"request:{rid}", "agency": agency, "expires": "2099-01-01"}, headers=auth
        )
        may_share = relation == "own" and writer
        assert granted.status_code == (422 if may_share else 403 if visible else 404), case


def test_grant_listing_and_revocation_stay_with_the_owner(client, world, db) -> None:
    rid = world["ids"]["active"]
    dea = {"Authorization": f"Bearer {world['tokens'][('DEA', 'analyst')]}"}
    atf = {"Authorization": f"Bearer {world['tokens'][('ATF', 'agency_admin')]}"}
    given = client.get("/api/v1/grants", params={"record": f"request:{rid}"}, headers=dea).json()
    assert {g["agency"] for g in given} == {"ATF", "SSPC"}
    received = client.get("/api/v1/grants", params={"direction": "received"}, headers=atf).json()
    assert {g["record"] for g in received} == {f"request:{world['ids'][s]}" for s in ("active", "expired", "revoked")}
    atf_grant = next(g for g in given if g["agency"] == "ATF")
    assert client.delete(f"/api/v1/grants/{atf_grant['id']}", headers=atf).status_code == 404
    assert client.delete(f"/api/v1/grants/{atf_grant['id']}", headers=dea).status_code == 200
    assert client.get(f"/api/v1/requests/{rid}", headers=atf).status_code == 404  # revocation is immediate


@pytest.mark.parametrize(("relation", "role"), [(r, "analyst") for r in RELATION] + [("other_country", "system_admin")])
def test_pages_matrix(client, world, relation: str, role: str) -> None:
    agency = RELATION[relation]
    sign_in(client, f"{agency.lower()}-{role}")
    listing = client.get("/cooperation/requests", params={"q": "matrix"}).text
    for state, rid in world["ids"].items():
        visible = expected_read(relation, state)
        case = f"{relation}/{role}/{state}"
        assert client.get(f"/cooperation/requests/{rid}").status_code == (200 if visible else 404), case
        assert (f'href="/cooperation/requests/{rid}"' in listing) == visible, case
        aid = world["attachments"][state]
        assert client.get(f"/cooperation/attachments/{aid}").status_code == (200 if visible else 404), case


@pytest.mark.parametrize("role", ROLES)
def test_administrative_endpoints_by_role(client, world, role: str) -> None:
    auth = {"Authorization": f"Bearer {world['tokens'][('DEA', role)]}"}
    admin = role in ("agency_admin", "system_admin")
    for path in ("/api/v1/users", "/api/v1/audit", "/api/v1/access-report", "/api/v1/audit/export"):
        assert client.get(path, headers=auth).status_code == (200 if admin else 403), (role, path)
    assert client.get("/api/v1/audit/verify", headers=auth).status_code == (200 if role == "system_admin" else 403)
