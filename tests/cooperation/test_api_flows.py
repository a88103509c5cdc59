"""The cooperation API as scripts use it, plus exports, the access report and notifications."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from bicentennial.access import credentials
from bicentennial.audit import chain
from bicentennial.audit import service as audit
from bicentennial.cooperation import demo, notifications
from bicentennial.cooperation.models import OutboxMessage
from tests.cooperation.helpers import cast, grant, new_request, user


@pytest.fixture
def api(db, client):  # type: ignore[no-untyped-def]
    cast(db)
    tokens = {}
    with db.session() as s:
        for name in ("dea.analyst", "fgr.analyst", "fgr.admin", "dea.admin", "sspc.analyst", "atf.analyst"):
            tokens[name] = {"Authorization": f"Bearer {credentials.create_token(session=s, username=name)[1]}"}
    return tokens


def test_request_lifecycle_over_the_api(client, api) -> None:
    body = {"type": "extradition", "receiving_agency": "FGR", "subject": "Extradition of R. Roe", "handling_code": "H1"}
    created = client.post("/api/v1/requests", json=body, headers=api["dea.analyst"])
    assert created.status_code == 201
    rid = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["allowed_moves"] == ["sent", "withdrawn"]
    assert client.get(f"/api/v1/requests/{rid}", headers=api["fgr.analyst"]).status_code == 404  # draft
    sent = client.post(f"/api/v1/requests/{rid}/transitions", json={"to": "sent"}, headers=api["dea.analyst"])
    assert sent.json()["status"] == "sent"
    seen = client.get(f"/api/v1/requests/{rid}", headers=api["fgr.analyst"]).json()
    assert seen["allowed_moves"] == ["acknowledged", "refused"]
    wrong = client.post(f"/api/v1/requests/{rid}/transitions", json={"to": "fulfilled"}, headers=api["fgr.analyst"])
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_input"
    stale = client.post(
        f"/api/v1/requests/{rid}/transitions",
        json={"to": "acknowledged", "expected_version": 1},
        headers=api["fgr.analyst"],
    )
    assert stale.status_code == 409
    for to in ("acknowledged", "in_progress", "on_hold", "in_progress", "partially_fulfilled"):
        assert (
            client.post(
                f"/api/v1/requests/{rid}/transitions", json={"to": to, "note": to}, headers=api["fgr.analyst"]
            ).status_code
            == 200
        )
    final = client.get(f"/api/v1/requests/{rid}", headers=api["dea.analyst"]).json()
    assert [h["to_status"] for h in final["history"]][-1] == "partially_fulfilled" and final["allowed_moves"] == []
    assert final["closed_at"] is not None


def test_evidence_custody_and_hash(client, api) -> None:
    body = {"type": "mutual_legal_assistance", "receiving_agency": "FGR", "subject": "Casings from Culiacán"}
    rid = client.post("/api/v1/requests", json=body, headers=api["dea.analyst"]).json()["id"]
    client.post(f"/api/v1/requests/{rid}/transitions", json={"to": "sent"}, headers=api["dea.analyst"])
    up = client.post(
        f"/api/v1/requests/{rid}/attachments",
        files={"file": ("scan.x3p", b"\x00\x01scan")},
        data={"is_evidence": "true"},
        headers=api["fgr.analyst"],
    )
    assert up.status_code == 201
    item = up.json()
    assert item["sha256"] == hashlib.sha256(b"\x00\x01scan").hexdigest()
    moved = client.post(
        f"/api/v1/attachments/{item['id']}/custody",
        json={"action": "transferred", "to_party": "ATF lab"},
        headers=api["fgr.analyst"],
    )
    assert moved.status_code == 201 and moved.json()["from_party"] == "FGR" and moved.json()["to_party"] == "ATF lab"
    got = client.get(f"/api/v1/attachments/{item['id']}", headers=api["dea.analyst"])
    assert got.content == b"\x00\x01scan" and got.headers["x-content-sha256"] == item["sha256"]
    assert got.headers["x-handling-code"] == "H2"
    bad = client.post(f"/api/v1/attachments/{item['id']}/custody", json={"action": "lost"}, headers=api["fgr.analyst"])
    assert bad.status_code == 422


def test_h2_records_withheld_from_a_grantees_export(client, api, db) -> None:
    h2, h1 = new_request(db, handling="H2"), new_request(db, handling="H1")
    for rid in (h2, h1):
        grant(db, rid, "ATF")
    rows = client.get("/api/v1/requests/export", params={"format": "json"}, headers=api["atf.analyst"]).json()
    assert {r["id"] for r in rows["rows"]} == {h1}
    assert any("1 H2 record(s)" in note for note in rows["notes"])
    onward = grant(db, h2, "ATF", allow_onward=True)
    assert onward
    text = client.get("/api/v1/requests/export", params={"format": "csv"}, headers=api["atf.analyst"]).text
    ids = {int(r["id"]) for r in csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))}
    assert ids == {h1, h2}


def test_access_report_names_who_in_the_other_country_read(client, api, db) -> None:
    rid = new_request(db)
    grant(db, rid, "SSPC")
    grant(db, rid, "ATF")
    client.get(f"/api/v1/requests/{rid}", headers=api["sspc.analyst"])
    client.get(f"/api/v1/requests/{rid}", headers=api["atf.analyst"])
    report = client.get("/api/v1/access-report", headers=api["dea.admin"]).json()["rows"]
    readers = {(r["reader"], r["reader_agency"], r["via"]) for r in report}
    assert ("sspc.analyst", "SSPC", "grant") in readers
    assert all(r["cross_border"] for r in report) and not any(r["reader_agency"] == "ATF" for r in report)
    everyone = client.get("/api/v1/access-report", params={"cross_border_only": False}, headers=api["dea.admin"])
    assert "atf.analyst" in {r["reader"] for r in everyone.json()["rows"]}
    assert client.get("/api/v1/access-report", headers=api["dea.analyst"]).status_code == 403


def test_access_request_then_grant(client, api, db) -> None:
    rid = new_request(db)
    asked = client.post(
        "/api/v1/access-requests",
        json={"record": f"request:{rid}", "reason": "linked homicide"},
        headers=api["sspc.analyst"],
    )
    ghost = client.post(
        "/api/v1/access-requests", json={"record": "request:999999", "reason": "probe"}, headers=api["sspc.analyst"]
    )
    assert asked.status_code == ghost.status_code == 202 and asked.json() == ghost.json()  # no existence leak
    pending = client.get("/api/v1/access-requests", headers=api["dea.analyst"]).json()
    assert [p["agency"] for p in pending] == ["SSPC"]
    items = client.get("/api/v1/notifications", headers=api["dea.analyst"]).json()
    assert any(i["kind"] == "access_request" for i in items)
    decided = client.post(
        f"/api/v1/access-requests/{pending[0]['id']}/decision",
        json={"approve": True, "expires": "2099-01-01"},
        headers=api["dea.analyst"],
    )
    assert decided.status_code == 422  # beyond the longest grant allowed
    decided = client.post(
        f"/api/v1/access-requests/{pending[0]['id']}/decision", json={"approve": True}, headers=api["dea.analyst"]
    )
    assert decided.json()["status"] == "approved"
    assert client.get(f"/api/v1/requests/{rid}", headers=api["sspc.analyst"]).status_code == 200


def test_notifications_and_digest(client, api, db) -> None:
    rid = new_request(db)
    items = client.get("/api/v1/notifications", headers=api["fgr.analyst"]).json()
    assert [(i["kind"], i["request_id"]) for i in items] == [("acknowledge", rid)]
    assert client.get("/api/v1/notifications", headers=api["dea.analyst"]).json() == []
    with db.session() as s:
        sent = notifications.send_digests(session=s)
        assert sent >= 2  # both FGR users
        fgr = user(s, "fgr.analyst")
        messages = s.query(OutboxMessage).filter_by(user_id=fgr.id).all()
        assert len(messages) == 1 and f"#{rid}" in messages[0].body


def test_delays_endpoint_and_csv(client, api, db) -> None:
    with db.session() as s:
        demo.generate(session=s, count=60, seed=3)
    board = client.get("/api/v1/delays", headers=api["fgr.admin"]).json()
    table = board["rows"][0]
    assert set(table) == {"by_type", "by_stage", "by_agency", "overdue", "trend", "cohorts"}
    assert any("synthetic" in note for note in board["notes"])
    text = client.get("/api/v1/delays", params={"table": "cohorts", "format": "csv"}, headers=api["fgr.admin"]).text
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header.startswith("month,sent,closed_30")


def test_agency_audit_export_verifies_and_hides_others(client, api, db) -> None:
    rid = new_request(db)
    grant(db, rid, "SSPC")
    client.get(f"/api/v1/requests/{rid}", headers=api["sspc.analyst"])
    lines = client.get("/api/v1/audit/export", headers=api["dea.admin"]).text.splitlines()
    entries = chain.parse_jsonl(lines, source="dea.jsonl")
    assert chain.verify(entries).ok
    full = [e for e in entries if not e.get("redacted")]
    assert full and all("DEA" in (e["agency"], e["owner"]) for e in full)
    assert any(e.get("redacted") for e in entries)
    assert any(e["kind"] == "record.read" and e["agency"] == "SSPC" for e in full)
    forged = [dict(e) for e in entries]
    target = next(i for i, e in enumerate(forged) if not e.get("redacted") and e["kind"] == "record.read")
    forged[target]["actor"] = "someone.else"
    assert chain.verify(forged).bad_index == target + 1
    with db.session() as s:
        assert audit.verify_database(s).ok


def test_security_review_regressions(client, api, db) -> None:
    """Clearance in notifications; tokens only from sessions; H0 only to law enforcement; no existence leaks."""
    from bicentennial.access import service as access
    from bicentennial.cooperation import service as coop
    from tests.conftest import PASSWORD

    with db.session() as s:
        access.create_user(
            session=s,
            spec=access.NewUser("fgr.low", "FGR", "analyst", clearance="basic"),
            password=PASSWORD,
            actor=None,
        )
        secret = coop.create_request(
            session=s,
            actor=user(s, "dea.analyst"),
            draft=coop.RequestDraft("extradition", "FGR", "restricted subject", sensitivity="restricted"),
        )
        coop.transition(session=s, actor=user(s, "dea.analyst"), request_id=secret.id, to="sent")
        low = {"Authorization": f"Bearer {credentials.create_token(session=s, username='fgr.low')[1]}"}
        with pytest.raises(Exception, match="H0"):
            coop.create_request(
                session=s,
                actor=user(s, "dea.analyst"),
                draft=coop.RequestDraft("financial_intelligence", "UIF", "x", handling_code="H0"),
            )
        boss = user(s, "dea.admin")
        with pytest.raises(Exception, match="clearance above your own"):
            access.create_user(
                session=s,
                spec=access.NewUser("dea.shadow", "DEA", "analyst", clearance="confidential"),
                password=PASSWORD,
                actor=boss,
            )
    assert client.get("/api/v1/notifications", headers=low).json() == []
    assert client.get("/api/v1/notifications", headers=api["fgr.analyst"]).json()[0]["request_id"] == secret.id
    minted = client.post("/api/v1/tokens", json={"name": "forever"}, headers=api["dea.analyst"])
    assert minted.status_code == 403
    with db.session() as s:
        from bicentennial.cooperation import evidence

        hidden = evidence.attach(
            session=s,
            actor=user(s, "dea.analyst"),
            request_id=new_request(db, send=False),
            filename="a.txt",
            content=b"a",
        ).id
    answer = client.get(f"/api/v1/attachments/{hidden}", headers=api["sspc.analyst"]).json()
    assert answer["error"]["message"] == f"No attachment {hidden}"
    text = client.get("/api/v1/delays", params={"table": "overdue", "format": "csv"}, headers=api["dea.admin"]).text
    assert "withheld" in text.splitlines()[2]
