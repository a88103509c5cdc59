"""Pages and API as a user meets them: sign-in, languages, CSRF, errors, admin."""

from __future__ import annotations

from fastapi import Request

from bicentennial.access import credentials
from bicentennial.audit import service as audit
from tests.conftest import make_user
from tests.web.web_helpers import csrf_from, sign_in


def test_anonymous_home_redirects_to_sign_in(client) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sign_in_page_in_english_and_spanish(client) -> None:
    assert "Sign in" in client.get("/login").text
    spanish = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).text
    assert "Iniciar sesión" in spanish and 'lang="es"' in spanish
    client.get("/lang/es?next=/login")
    assert "Iniciar sesión" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_sign_in_shows_pillars_and_sign_out_ends_session(client, db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    response = sign_in(client, "ana")
    assert response.status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    for pillar in ("Outcomes", "Hotspots", "Firearms", "Precursors", "Cooperation"):
        assert pillar in home.text
    assert "FGR" in home.text and "2,469" in home.text
    client.post("/logout", data={"csrf_token": csrf_from(home.text)})
    assert client.get("/", follow_redirects=False).status_code in (303, 401)


def test_wrong_password_is_401_and_audited(client, db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    response = sign_in(client, "ana", "not the password")
    assert response.status_code == 401
    assert "Invalid username or password" in response.text
    with db.session() as s:
        latest = audit.recent(s, limit=1)[0]
    assert latest.kind == "auth.sign_in_failed" and "bad_password" in latest.data


def test_form_without_csrf_token_is_403_and_audited(client, db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": "x" * 20})
    assert response.status_code == 403
    with db.session() as s:
        latest = audit.recent(s, limit=1)[0]
    assert latest.kind == "auth.rejected" and "csrf" in latest.data


def test_forged_session_cookie_is_401(client) -> None:
    client.cookies.set("bc_session", "forged.value")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 401


def test_pillar_pages_say_not_available_yet(client, db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    sign_in(client, "ana")
    page = client.get("/pillars/hotspots")
    assert page.status_code == 200 and "Not available yet" in page.text
    assert client.get("/pillars/nonsense").status_code == 404


def test_viewer_cannot_open_admin_pages(client, db) -> None:
    make_user(db, "vic", "CBP", "viewer")
    sign_in(client, "vic")
    assert client.get("/admin/users").status_code == 403


def test_admin_creates_user_through_the_form(client, db) -> None:
    make_user(db, "boss", "DEA", "agency_admin")
    sign_in(client, "boss")
    page = client.get("/admin/users")
    assert page.status_code == 200
    form = {
        "username": "new.agent",
        "display_name": "New Agent",
        "agency": "DEA",
        "role": "analyst",
        "password": "a long enough password",
        "csrf_token": csrf_from(page.text),
    }
    assert client.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    assert "new.agent" in client.get("/admin/users").text
    bad = client.post("/admin/users", data={**form, "username": "other", "agency": "SSPC"})
    assert bad.status_code == 403


def test_api_with_bearer_token(client, db) -> None:
    make_user(db, "bot", "ATF", "analyst")
    with db.session() as s:
        _, token = credentials.create_token(session=s, username="bot")
    auth = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200 and me.json()["agency"] == "ATF" and me.json()["country"] == "US"
    areas = client.get("/api/v1/areas", params={"parent": "mx:09"}, headers=auth).json()
    assert areas["total"] == 16 and areas["items"][0]["code"] == "mx:09002"
    assert client.get("/api/v1/areas/us:06037", headers=auth).json()["name"] == "Los Angeles"


def test_api_errors_are_json_without_detail(client, db) -> None:
    unknown = client.get("/api/v1/me", headers={"Authorization": "Bearer bct_nope"})
    assert unknown.status_code == 401
    assert unknown.json() == {"error": {"code": "unauthorized", "message": "Invalid or missing credentials."}}
    assert client.get("/api/v1/me").status_code == 401
    make_user(db, "bot", "ATF", "analyst")
    with db.session() as s:
        _, token = credentials.create_token(session=s, username="bot")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/areas/mx:99999", headers=auth).json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/users", headers=auth).status_code == 403
    assert client.get("/api/v1/areas", params={"limit": -1}, headers=auth).json()["error"]["code"] == "invalid_input"


def test_openapi_and_health(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in spec["paths"] and "/api/v1/areas" in spec["paths"]
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["schema"] == "current"


def test_cookie_session_api_writes_need_csrf_header(client, db) -> None:
    make_user(db, "root", "SSPC", "system_admin")
    sign_in(client, "root")
    body = {"username": "someone", "agency": "FGR", "role": "viewer", "password": "p" * 14}
    assert client.post("/api/v1/users", json=body).status_code == 403
    token = csrf_from(client.get("/admin/users").text)
    assert client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_audit_page_and_export_verify(client, db) -> None:
    make_user(db, "root", "SSPC", "system_admin")
    sign_in(client, "root")
    page = client.get("/admin/audit?verify=1")
    assert page.status_code == 200 and "Chain intact" in page.text and "auth.sign_in" in page.text
    exported = client.get("/api/v1/audit/export")
    from bicentennial.audit import chain

    assert chain.verify(chain.parse_jsonl(exported.text.splitlines(), source="export")).ok


def test_expired_session_is_401_and_audited(client, db) -> None:
    from datetime import timedelta

    from bicentennial.access.models import WebSession
    from bicentennial.core.db import utcnow

    make_user(db, "ana", "FGR", "analyst")
    sign_in(client, "ana")
    assert client.get("/").status_code == 200
    with db.session() as s:
        for row in s.query(WebSession).all():
            row.expires_at = utcnow() - timedelta(minutes=1)
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 401 and "session has expired" in response.text
    with db.session() as s:
        assert "session_invalid_or_expired" in audit.recent(s, limit=1)[0].data


def test_tokens_from_the_account_page_and_the_api(client, db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    make_user(db, "bob", "DEA", "analyst")
    sign_in(client, "ana")
    page = client.get("/account")
    created = client.post("/account/tokens", data={"name": "etl", "days": "30", "csrf_token": csrf_from(page.text)})
    token = created.text.split('<code class="token">')[1].split("<")[0]
    auth = {"Authorization": f"Bearer {token}"}
    mine = client.get("/api/v1/tokens", headers=auth).json()
    assert [t["name"] for t in mine] == ["etl"] and "token" not in mine[0]
    assert client.post("/api/v1/tokens", json={"name": "cron"}, headers=auth).status_code == 403  # no token minting
    csrf = {"X-CSRF-Token": csrf_from(client.get("/account").text)}
    second = client.post("/api/v1/tokens", json={"name": "cron"}, headers=csrf).json()  # the signed-in session
    assert second["token"].startswith("bct_")
    with db.session() as s:
        _, bobs = credentials.create_token(session=s, username="bob")
        bob_token_id = credentials.list_tokens(session=s, username="bob")[0].id
    assert client.delete(f"/api/v1/tokens/{bob_token_id}", headers=auth).status_code == 404
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {bobs}"}).status_code == 200
    assert client.delete(f"/api/v1/tokens/{second['id']}", headers=auth).json()["revoked_at"] is not None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 401


def test_built_pillars_are_linked_and_open(client, db) -> None:
    from bicentennial.web.pillars import PILLARS

    make_user(db, "ana", "FGR", "analyst")
    sign_in(client, "ana")
    home = client.get("/").text
    for pillar in PILLARS:
        assert f'href="{pillar.href}"' in home
        page = client.get(pillar.href)
        assert page.status_code == 200
        assert ("Not available yet" in page.text) is (not pillar.available), pillar.slug
    assert {p.slug for p in PILLARS if p.available} >= {"outcomes", "cooperation"}


def test_a_read_that_lost_a_write_race_is_done_again(db, settings) -> None:  # type: ignore[no-untyped-def]
    """GETs answered 409 (SQLite: another connection wrote after this one's snapshot) are retried; POSTs never."""
    from fastapi.testclient import TestClient

    from bicentennial.core.errors import Conflict
    from bicentennial.web.app import create_app

    calls: list[str] = []

    def flaky(request: Request) -> dict[str, int]:
        calls.append(request.method)
        if len(calls) == 1:
            raise Conflict("The data changed while you were working on it; retry")
        return {"calls": len(calls)}

    app = create_app(settings, db)
    app.add_api_route("/api/v1/flaky", flaky, methods=["GET", "POST"])
    with TestClient(app) as c:
        assert c.get("/api/v1/flaky").json() == {"calls": 2}
        calls.clear()
        assert c.post("/api/v1/flaky").status_code == 409 and calls == ["POST"]
