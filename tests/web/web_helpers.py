"""Helpers for driving the web app as a browser would."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text), "next": "/"},
        follow_redirects=False,
    )


def api_token(db, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A bearer-token header for ``username`` (the user must exist)."""
    from bicentennial.access import credentials

    with db.session() as s:
        _, token = credentials.create_token(session=s, username=username)
    return {"Authorization": f"Bearer {token}"}
