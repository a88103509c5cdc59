"""Pre-export notifications over the API and the pages: lifecycle, access, CSRF, exports, Spanish, the CLI."""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

import bicentennial.cli  # noqa: F401  the Typer root first: the precursors CLI mounts its sub-apps on it
from bicentennial.access import credentials
from bicentennial.core.db import utcnow
from bicentennial.core.errors import NotFound
from bicentennial.precursors import cli_notifications, demo
from bicentennial.precursors import notifications as pen
from bicentennial.precursors.models import PreExportNotification
from bicentennial.precursors.quantities import MASS
from bicentennial.precursors.suspicious import Order, flag_orders
from tests.conftest import make_user
from tests.web.web_helpers import csrf_from, sign_in

USERS = {"cofepris.analyst": "COFEPRIS", "dea.analyst": "DEA", "cbp.analyst": "CBP"}
BODY = {
    "importing_agency": "DEA",
    "exporter": "Química del Golfo, S.A. de C.V.",
    "exporter_country": "MX",
    "importer": "Gulf Solvents LLC",
    "importer_country": "US",
    "substance": "C026",
    "quantity": 250,
    "unit": "kg",
    "transit": ["PA"],
    "transport": "sea",
}
BASE = "/api/v1/precursors/notifications"


@pytest.fixture
def app_client(db, client):  # type: ignore[no-untyped-def]
    """The app (create_app mounts the notification routers) with one user per agency of the tests."""
    for name, agency in USERS.items():
        make_user(db, name, agency, "analyst")
    return client


@pytest.fixture
def tokens(db, app_client):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return {
            name: {"Authorization": f"Bearer {credentials.create_token(session=s, username=name)[1]}"} for name in USERS
        }


def test_api_lifecycle_and_access(app_client, tokens) -> None:
    created = app_client.post(BASE, json=BODY, headers=tokens["cofepris.analyst"])
    assert created.status_code == 201, created.text
    nid = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["allowed_actions"] == ["submit", "cancel"]
    assert created.json()["substance_name"] == "Pseudoephedrine" and created.json()["lists"]
    assert app_client.get(f"{BASE}/{nid}", headers=tokens["dea.analyst"]).status_code == 404  # a draft
    submitted = app_client.post(f"{BASE}/{nid}/submit", json={"response_days": 10}, headers=tokens["cofepris.analyst"])
    assert submitted.json()["status"] == "submitted" and submitted.json()["deadline"] is not None
    seen = app_client.get(f"{BASE}/{nid}", headers=tokens["dea.analyst"]).json()
    assert seen["allowed_actions"] == ["respond", "incident"] and seen["side"] == "importing"
    assert app_client.get(f"{BASE}/{nid}", headers=tokens["cbp.analyst"]).status_code == 404
    refused = app_client.post(
        f"{BASE}/{nid}/respond", json={"decision": "confirmed"}, headers=tokens["cofepris.analyst"]
    )
    assert refused.status_code == 403
    stale = app_client.post(
        f"{BASE}/{nid}/respond", json={"decision": "confirmed", "expected_version": 1}, headers=tokens["dea.analyst"]
    )
    assert stale.status_code == 409
    bad = app_client.post(f"{BASE}/{nid}/respond", json={"decision": "maybe"}, headers=tokens["dea.analyst"])
    assert bad.status_code == 422
    ok = app_client.post(f"{BASE}/{nid}/respond", json={"decision": "confirmed"}, headers=tokens["dea.analyst"])
    assert ok.json()["status"] == "confirmed" and ok.json()["late"] is False
    seized = app_client.post(
        f"{BASE}/{nid}/incidents",
        json={"kind": "seized", "place": "Laredo", "quantity": 250},
        headers=tokens["dea.analyst"],
    )
    assert seized.status_code == 201 and [e["kind"] for e in seized.json()["events"]][-1] == "seized"
    listed = app_client.get(BASE, params={"direction": "received"}, headers=tokens["dea.analyst"]).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "seized" and listed["overdue"] == 0
    assert app_client.get(BASE, headers=tokens["cbp.analyst"]).json()["total"] == 0


def test_api_reports_bad_fields(app_client, tokens) -> None:
    wrong = app_client.post(BASE, json={**BODY, "importer_country": "ZZ"}, headers=tokens["cofepris.analyst"])
    assert wrong.status_code == 422 and wrong.json()["error"]["message"].startswith("importer_country:")
    unknown = app_client.post(BASE, json={**BODY, "substance": "table salt"}, headers=tokens["cofepris.analyst"])
    assert unknown.status_code == 422 and "substance:" in unknown.json()["error"]["message"]


def test_pages_forms_with_csrf(app_client, db) -> None:
    sign_in(app_client, "cofepris.analyst")
    form_page = app_client.get("/precursors/notifications/new")
    assert form_page.status_code == 200 and 'name="importing_agency"' in form_page.text
    fields = {k: str(v) for k, v in BODY.items() if k != "transit"} | {"transit": "PA", "submit_now": "1"}
    assert app_client.post("/precursors/notifications", data=fields).status_code == 403  # no CSRF token
    invalid = app_client.post(
        "/precursors/notifications", data={**fields, "quantity": "-4", "csrf_token": csrf_from(form_page.text)}
    )
    assert invalid.status_code == 422 and "negative" in invalid.text and "Gulf Solvents LLC" in invalid.text
    made = app_client.post(
        "/precursors/notifications", data={**fields, "csrf_token": csrf_from(form_page.text)}, follow_redirects=False
    )
    assert made.status_code == 303
    detail = app_client.get(made.headers["location"])
    assert detail.status_code == 200 and "Pseudoephedrine" in detail.text and "Timeline" in detail.text
    listing = app_client.get("/precursors/notifications?direction=sent")
    assert "Gulf Solvents LLC" in listing.text and "Overdue only" in listing.text
    app_client.post("/logout", data={"csrf_token": csrf_from(listing.text)})

    sign_in(app_client, "dea.analyst")
    page = app_client.get(made.headers["location"])
    assert 'action="' + made.headers["location"] + '/respond"' in page.text
    version = page.text.split('name="version" value="')[1].split('"')[0]
    answer = {"decision": "objected", "version": version, "note": "Consignee unknown"}
    assert app_client.post(made.headers["location"] + "/respond", data=answer).status_code == 403  # CSRF
    done = app_client.post(made.headers["location"] + "/respond", data={**answer, "csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "Consignee unknown" in done.text and "/respond" not in done.text
    stale = app_client.post(
        made.headers["location"] + "/incidents",
        data={"kind": "stopped", "version": version, "csrf_token": csrf_from(page.text)},
    )
    assert stale.status_code == 200 and "changed meanwhile" in stale.text  # back on the page with the reason


def test_export_and_spanish_page(app_client, db) -> None:
    with db.session() as s:
        made = demo.load_demo_notifications(s)
        assert made >= 30 and demo.load_demo_notifications(s) == 0  # once only
    sign_in(app_client, "dea.analyst")
    listing = app_client.get("/precursors/notifications?direction=received")
    assert "Synthetic" in listing.text and "Overdue" in listing.text
    exported = app_client.get("/precursors/notifications/export?format=csv&direction=received")
    lines = [line for line in exported.text.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert rows and {r["importing_agency"] for r in rows} == {"DEA"} and {r["handling_code"] for r in rows} == {"H1"}
    assert "H2 notification(s) of other agencies withheld" in exported.text  # H2 needs the owner's leave
    assert any(r["overdue"] == "True" for r in rows) and all(r["synthetic"] == "True" for r in rows)
    as_json = app_client.get("/precursors/notifications/export?format=json&overdue=1").json()
    assert as_json["rows"] and all(r["overdue"] for r in as_json["rows"])
    spanish = app_client.get("/precursors/notifications", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert spanish.status_code == 200 and 'lang="es"' in spanish.text and "Cerrar sesión" in spanish.text
    nid = rows[0]["id"]
    assert 'lang="es"' in app_client.get(f"/precursors/notifications/{nid}", headers={"Accept-Language": "es"}).text


def test_spanish_notification_page_shows_spanish_flags(app_client, db, tokens) -> None:
    nid = app_client.post(BASE, json=BODY, headers=tokens["cofepris.analyst"]).json()["id"]
    app_client.post(f"{BASE}/{nid}/submit", json={}, headers=tokens["cofepris.analyst"])
    history = [Order(f"h{i}", "Gulf Solvents LLC", "C026", 40.0, MASS) for i in range(3)]
    found = flag_orders([Order("n", "Gulf Solvents LLC", "C026", 250.0, MASS)], history=history)["n"]
    legacy = {"rule": "legacy", "message": "Stored before flags had templates", "score": 0.1}
    with db.session() as s:
        s.get(PreExportNotification, nid).flags = [f.as_dict() for f in found] + [legacy]  # type: ignore[union-attr]
    sign_in(app_client, "dea.analyst")
    app_client.cookies.set("bc_lang", "es")
    page = app_client.get(f"/precursors/notifications/{nid}").text
    assert "La cantidad 250 kg es 6.25× la mediana de los 3 pedidos anteriores de C026 de este importador" in page
    assert "Quantity 250 kg" not in page and "Stored before flags had templates" in page
    flags = app_client.get(f"{BASE}/{nid}", headers=tokens["dea.analyst"]).json()["flags"]
    assert flags[0]["message"].startswith("Quantity 250 kg is 6.25× the median") and flags[0]["text"]
    assert flags[1] == legacy | {"text": legacy["message"]}


def test_demo_shape(db) -> None:
    with db.session() as s:
        demo.load_demo_notifications(s)
        rows = s.query(PreExportNotification).all()
        statuses = {n.status for n in rows}
        assert {"confirmed", "objected", "submitted", "seized"} <= statuses and all(n.synthetic for n in rows)
        assert any(pen.is_overdue(n, utcnow().date()) for n in rows)
        assert {n.owner_agency.code for n in rows} == {"COFEPRIS", "ANAM", "DEA", "CBP"}
        assert any(set(n.transit) - {"MX", "US"} for n in rows)  # third countries on the route
        assert any(n.flags for n in rows)


@contextmanager
def _session_of(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        yield s


def test_cli(db, monkeypatch) -> None:
    for name, agency in USERS.items():
        make_user(db, name, agency, "analyst")
    monkeypatch.setattr(cli_notifications, "unit_of_work", lambda: _session_of(db))
    runner = CliRunner()
    app = cli_notifications.notifications_app
    filed = runner.invoke(
        app,
        ["file", "--as", "cofepris.analyst", "--to", "DEA", "--exporter", "Química del Golfo", "--importer",
         "Gulf Solvents LLC", "--importer-country", "US", "--substance", "ephedrine", "--quantity", "12.5",
         "--unit", "kg", "--transit", "GT", "--submit"],
    )  # fmt: skip
    assert filed.exit_code == 0, filed.output
    nid = filed.stdout.strip()
    listed = runner.invoke(app, ["list", "--as", "dea.analyst", "--json"])
    assert [row["id"] for row in json.loads(listed.stdout)] == [int(nid)]
    assert runner.invoke(app, ["respond", nid, "--as", "dea.analyst", "--decision", "objected"]).exit_code == 0
    seized = runner.invoke(app, ["incident", nid, "--as", "cofepris.analyst", "--kind", "seized", "--place", "AICM"])
    assert seized.exit_code == 0, seized.output
    shown = json.loads(runner.invoke(app, ["show", nid, "--as", "dea.analyst"]).stdout)
    assert shown["status"] == "seized" and shown["substance_id"] == "C008"
    hidden = runner.invoke(app, ["show", nid, "--as", "cbp.analyst"])
    assert isinstance(hidden.exception, NotFound)  # the root CLI prints it as one line, exit 2
    assert json.loads(runner.invoke(app, ["list", "--as", "dea.analyst", "--json", "--overdue"]).stdout) == []
