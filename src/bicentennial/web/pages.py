"""Sign-in, sign-out, language, home and pillar pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.access import credentials
from bicentennial.cooperation import notifications, vocabulary
from bicentennial.core.errors import NotFound
from bicentennial.core.i18n import N_, SUPPORTED
from bicentennial.geo import service as geo
from bicentennial.web import pillars
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.context import LANG_COOKIE, SESSION_COOKIE, state
from bicentennial.web.render import render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    app = state(request)
    user = credentials.authenticate(session=session, username=username, password=password, lockout=app.lockout)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next),
            username=username,
            error=N_("Invalid username or password, or the account is locked."),
        )
    token = credentials.start_session(session=session, user=user, hours=app.settings.session_hours)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        app.sign(token),
        httponly=True,
        samesite="lax",
        secure=app.settings.secure_cookies,
        max_age=int(app.settings.session_hours * 3600),
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    plaintext = state(request).unsign(request.cookies.get(SESSION_COOKIE))
    if plaintext:
        credentials.end_session(session=session, plaintext=plaintext)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in SUPPORTED:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: PageUser, session: DbSession) -> Response:
    counts = {
        level: geo.list_areas(session=session, level=level, limit=0)[0] for level in ("state", "municipality", "county")
    }
    return render(
        request,
        "home.html",
        counts=counts,
        waiting=notifications.awaiting_action(session=session, actor=user),
        types=vocabulary.request_types(),
        sources=["INEGI, Censo de Población y Vivienda 2020", "US Census Bureau (us-atlas)"],
    )


@router.get("/pillars/{slug}", response_class=HTMLResponse)
def pillar(request: Request, slug: str, user: PageUser) -> Response:
    found = pillars.get(slug)
    if found is None:
        raise NotFound(f"No pillar {slug!r}")
    return render(request, "pillar.html", pillar=found)
