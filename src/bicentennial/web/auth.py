"""Who is calling: bearer tokens for the API, signed session cookies for pages, CSRF."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from bicentennial.access import credentials
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core import security
from bicentennial.core.errors import AuthenticationFailed, PermissionDenied
from bicentennial.core.i18n import N_
from bicentennial.web.context import CSRF_COOKIE, SESSION_COOKIE, client_address, db_session, state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class AgencyView:
    code: str
    country: str
    name_en: str
    name_es: str

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en


@dataclass(frozen=True)
class UserView:
    """What pages show of the signed-in user; survives the request's rollback on errors."""

    id: int
    username: str
    display_name: str
    role: str
    agency: AgencyView

    @classmethod
    def of(cls, user: User) -> UserView:
        a = user.agency
        return cls(
            user.id, user.username, user.display_name, user.role, AgencyView(a.code, a.country, a.name_en, a.name_es)
        )


class SessionExpired(AuthenticationFailed):
    """A page asked for with a session cookie that no longer works."""


class SignInRequired(AuthenticationFailed):
    """A page asked for without any session cookie."""


def reject(request: Request, reason: str) -> None:
    """Queue the audit of a refused request; written after the request's own (rolled back) transaction."""
    event = events.AccessRejected(reason=reason, path=request.url.path[:200], client=client_address(request))
    request.state.rejections = [*getattr(request.state, "rejections", []), event]


def write_rejections(request: Request) -> None:
    pending = getattr(request.state, "rejections", None)
    if pending:
        with state(request).db.session() as s:
            for event in pending:
                audit.record(s, event)


def csrf_token(request: Request) -> str:
    """The token pages embed in forms; issued in a signed cookie on first sight."""
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        token = state(request).unsign(request.cookies.get(CSRF_COOKIE)) or secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = state(request).unsign(request.cookies.get(CSRF_COOKIE))
    if not expected or not submitted or not security.same(expected, submitted):
        reject(request, "csrf")
        raise PermissionDenied(N_("The form has expired. Reload the page and try again."))


def _session_user(request: Request, session: Session) -> User | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw is None:
        return None
    plaintext = state(request).unsign(raw)
    user = credentials.user_for_session(session=session, plaintext=plaintext) if plaintext else None
    if user is None:
        reject(request, "session_invalid_or_expired")
        raise SessionExpired(N_("Your session has expired. Please sign in again."))
    return user


def page_user(request: Request, session: Annotated[Session, Depends(db_session, scope="function")]) -> User:
    """Signed-in user for a page, or a sign-in prompt."""
    user = _session_user(request, session)
    if user is None:
        raise SignInRequired(N_("Please sign in."))
    request.state.user = UserView.of(user)
    return user


def optional_page_user(
    request: Request, session: Annotated[Session, Depends(db_session, scope="function")]
) -> User | None:
    try:
        user = _session_user(request, session)
    except SessionExpired:
        return None
    request.state.user = UserView.of(user) if user else None
    return user


def api_user(request: Request, session: Annotated[Session, Depends(db_session, scope="function")]) -> User:
    """Bearer token, or a session cookie (plus X-CSRF-Token for writes) from our own pages."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            user = credentials.user_for_token(
                session=session, plaintext=token.strip(), method=request.method, path=request.url.path
            )
        if user is None:
            reject(request, "token_invalid")
            raise AuthenticationFailed("Invalid or missing credentials.")
        return user
    try:
        user = _session_user(request, session)
    except SessionExpired:
        raise AuthenticationFailed("Invalid or missing credentials.") from None
    if user is None:
        reject(request, "no_credentials")
        raise AuthenticationFailed("Invalid or missing credentials.")
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get("x-csrf-token"))
    return user


PageUser = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]
DbSession = Annotated[Session, Depends(db_session, scope="function")]
