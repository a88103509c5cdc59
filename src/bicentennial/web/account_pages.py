"""The signed-in user's own account: API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.access import credentials
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.render import render

router = APIRouter(prefix="/account", include_in_schema=False)


def _page(request: Request, session: DbSession, user: PageUser, **extra: Any) -> Response:
    tokens = credentials.list_tokens(session=session, username=user.username)
    return render(request, "account.html", tokens=tokens, **extra)


@router.get("", response_class=HTMLResponse)
def account(request: Request, session: DbSession, user: PageUser) -> Response:
    return _page(request, session, user)


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DbSession,
    user: PageUser,
    name: Annotated[str, Form()] = "",
    days: Annotated[int, Form(ge=1, le=366)] = 90,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    _, plaintext = credentials.create_token(session=session, username=user.username, name=name, days=days, actor=user)
    return _page(request, session, user, new_token=plaintext)  # shown once, never stored


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: int, session: DbSession, user: PageUser, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    credentials.revoke_token(session=session, token_id=token_id, actor=user)
    return RedirectResponse("/account", status_code=303)
