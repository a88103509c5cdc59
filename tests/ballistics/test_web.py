"""Ballistics pages and API: upload scans to a case, search, compare side by side, decide a lead."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_user
from tests.web.web_helpers import api_token, csrf_from, sign_in

FADUL = Path(__file__).resolve().parents[1] / "data" / "ballistics" / "fadul"


def _upload(client, auth, name: str, case: str) -> int:  # type: ignore[no-untyped-def]
    files = {"file": (f"Fadul_{name}.x3p", (FADUL / f"Fadul_{name}.x3p").read_bytes(), "application/octet-stream")}
    data = {"case_number": case, "exhibit": name, "scanned_by": "Lab FGR", "preprocessed": "true"}
    made = client.post("/api/v1/ballistics/scans", files=files, data=data, headers=auth)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_api_search_compare_and_lead_decision(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "lab", "FGR", "analyst")
    make_user(db, "atf", "ATF", "analyst")
    auth = api_token(db, "lab")
    first = _upload(client, auth, "1-1", "CI-001")
    second = _upload(client, auth, "1-2", "CI-017")
    _upload(client, auth, "2-1", "CI-030")
    found = client.post(f"/api/v1/ballistics/scans/{first}/search", params={"top": 5}, headers=auth).json()
    assert [c["case_number"] for c in found] == ["CI-017", "CI-030"]
    assert found[0]["decision"] == "identification" and found[1]["decision"] == "elimination"
    pair = client.get("/api/v1/ballistics/compare", params={"a": first, "b": second}, headers=auth).json()
    assert pair["cmc_count"] >= 6 and pair["areal_correlation"] > 0.3 and any(c["is_cmc"] for c in pair["cells"])
    leads = client.get("/api/v1/ballistics/leads", headers=auth).json()
    assert len(leads) == 1 and leads[0]["status"] == "open"
    decided = client.post(
        f"/api/v1/ballistics/leads/{leads[0]['id']}/decision", json={"status": "confirmed", "note": "ok"}, headers=auth
    )
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    graph = client.get("/api/v1/ballistics/leads/graph", headers=auth).json()
    assert graph["groups"][0][1] == 2
    other = api_token(db, "atf")
    assert client.get(f"/api/v1/ballistics/scans/{first}", headers=other).status_code == 404
    broken = {"file": ("roto.x3p", b"PK\x03\x04 no zip", "application/octet-stream")}
    refused = client.post("/api/v1/ballistics/scans", files=broken, data={"case_number": "X"}, headers=auth)
    assert refused.status_code == 422 and "roto.x3p" in refused.json()["error"]["message"]


def test_pages_upload_scan_compare_and_leads(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "lab", "FGR", "analyst")
    sign_in(client, "lab")
    page = client.get("/ballistics")
    assert page.status_code == 200
    ids = []
    for name, case in (("1-1", "CI-001"), ("1-2", "CI-017")):
        posted = client.post(
            "/ballistics/scans",
            data={"csrf_token": csrf_from(page.text), "case_number": case, "exhibit": name, "preprocessed": "1"},
            files={
                "file": (f"Fadul_{name}.x3p", (FADUL / f"Fadul_{name}.x3p").read_bytes(), "application/octet-stream")
            },
            follow_redirects=False,
        )
        assert posted.status_code == 303
        ids.append(int(posted.headers["location"].rsplit("/", 1)[1]))
    scan = client.get(f"/ballistics/scans/{ids[0]}")
    assert scan.status_code == 200 and "chart-scan" in scan.text and "SHA-256" in scan.text
    searched = client.post(f"/ballistics/scans/{ids[0]}/search", data={"csrf_token": csrf_from(scan.text), "top": "5"})
    assert "CI-017" in searched.text and "identification" in searched.text
    pair = client.get("/ballistics/compare", params={"a": ids[0], "b": ids[1]})
    assert pair.status_code == 200 and "chart-cmp" in pair.text
    client.cookies.set("bc_lang", "es")
    leads = client.get("/ballistics/leads")
    assert leads.status_code == 200 and "chart-leads" in leads.text
