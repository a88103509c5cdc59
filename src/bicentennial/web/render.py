"""Jinja2 rendering with the request's language, user and CSRF token."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bicentennial import __version__
from bicentennial.access import policy
from bicentennial.core.i18n import gettext_for
from bicentennial.web import pillars
from bicentennial.web.auth import csrf_token
from bicentennial.web.context import language

templates = Jinja2Templates(directory=str(resources.files("bicentennial.web").joinpath("templates")))
templates.env.autoescape = True


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    _ = gettext_for(lang)
    base: dict[str, Any] = {
        "lang": lang,
        "_": _,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "pillars": pillars.PILLARS,
        "version": __version__,
        "path": request.url.path,
        "sources": [],
        "roles": policy.roles(),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths, so sign-in cannot redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
