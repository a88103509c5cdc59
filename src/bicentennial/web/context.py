"""Per-app state and per-request helpers shared by pages and API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, Signer
from sqlalchemy.orm import Session

from bicentennial.access.credentials import Lockout
from bicentennial.core.config import Settings
from bicentennial.core.db import Database
from bicentennial.core.i18n import SUPPORTED, negotiate

SESSION_COOKIE = "bc_session"
CSRF_COOKIE = "bc_csrf"
LANG_COOKIE = "bc_lang"


@dataclass
class AppState:
    settings: Settings
    db: Database
    signer: Signer

    @property
    def lockout(self) -> Lockout:
        return Lockout(self.settings.max_failed_logins, self.settings.lockout_minutes)

    def sign(self, value: str) -> str:
        return self.signer.sign(value).decode()

    def unsign(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return self.signer.unsign(value).decode()
        except BadSignature:
            return None


def state(request: Request) -> AppState:
    return request.app.state.bicentennial


def db_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed before the response is sent."""
    with state(request).db.session() as session:
        yield session


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in SUPPORTED:
        return chosen
    return negotiate(request.headers.get("accept-language"))


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""
