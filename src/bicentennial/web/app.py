"""Application factory: routers, error mapping, cookies and security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import Signer
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from bicentennial import __version__
from bicentennial.core.config import Settings, get_settings
from bicentennial.core.db import Database, check_connection
from bicentennial.core.errors import BicentennialError
from bicentennial.core.migrate import current_revision, head_revision
from bicentennial.web import account_pages, admin_pages, api, charts, pages
from bicentennial.web.auth import SessionExpired, SignInRequired, write_rejections
from bicentennial.web.context import CSRF_COOKIE, SESSION_COOKIE, AppState, state
from bicentennial.web.render import render
from bicentennial.web.retry import RetryConflictingReads

MAX_BODY_BYTES = 512 * 2**20  # official data files (a full SESNSP municipal file is ~300 MB); attachments cap lower

SECURITY_HEADERS = {
    # Plotly sets inline styles on the SVG it draws, hence 'unsafe-inline' for styles (never for scripts).
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = database or Database.from_url(settings.resolved_database_url)
    app = FastAPI(
        title="Bicentennial",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.bicentennial = AppState(settings, database, Signer(settings.signing_key(), salt="bicentennial.cookie"))
    static = resources.files("bicentennial.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(pages.router)
    app.include_router(admin_pages.router)
    app.include_router(account_pages.router)
    app.include_router(api.router)
    app.include_router(charts.router)
    for pillar_router in pillar_routers():
        app.include_router(pillar_router)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["system"])
    _install_error_handlers(app)
    app.middleware("http")(_cookies_and_headers)
    app.add_middleware(RetryConflictingReads)
    return app


def pillar_routers() -> list[APIRouter]:
    """Each built pillar contributes its pages and its API."""
    from bicentennial.ballistics import api as ballistics_api
    from bicentennial.ballistics import pages as ballistics_pages
    from bicentennial.cooperation import api as cooperation_api
    from bicentennial.cooperation import pages as cooperation_pages
    from bicentennial.evaluation import api as evaluation_api
    from bicentennial.evaluation import pages as evaluation_pages
    from bicentennial.finance import analysis_pages as finance_analysis_pages
    from bicentennial.finance import api as finance_api
    from bicentennial.finance import pages as finance_pages
    from bicentennial.firearms import api as firearms_api
    from bicentennial.firearms import pages as firearms_pages
    from bicentennial.hotspots import api as hotspots_api
    from bicentennial.hotspots import pages as hotspots_pages
    from bicentennial.outcomes import api as outcomes_api
    from bicentennial.outcomes import pages as outcomes_pages
    from bicentennial.precursors import api as precursors_api
    from bicentennial.precursors import notifications_web as pen_web
    from bicentennial.precursors import pages as precursors_pages

    return [
        cooperation_pages.router,
        cooperation_api.router,
        outcomes_pages.router,
        outcomes_api.router,
        firearms_pages.router,
        firearms_api.router,
        hotspots_pages.router,
        hotspots_api.router,
        evaluation_pages.router,
        evaluation_api.router,
        precursors_pages.router,
        precursors_api.router,
        pen_web.pages_router,
        pen_web.api_router,
        finance_pages.router,
        finance_analysis_pages.router,
        finance_api.router,
        ballistics_pages.router,
        ballistics_api.router,
    ]


def healthz(request: Request) -> JSONResponse:
    db = state(request).db
    try:
        check_connection(db.engine)
        current = current_revision(db.engine) == head_revision()
    except (BicentennialError, SQLAlchemyError):
        return JSONResponse({"status": "error", "database": "unreachable", "version": __version__}, status_code=503)
    body = {
        "status": "ok" if current else "degraded",
        "database": "ok",
        "schema": "current" if current else "out_of_date",
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if current else 503)


async def _cookies_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:  # refused before any upload is spooled to disk
        return _json_error(413, "too_large", f"Request body over {MAX_BODY_BYTES // 2**20} MB")
    response: Response = await call_next(request)
    await run_in_threadpool(write_rejections, request)
    token = getattr(request.state, "csrf_token", None)
    if token is not None and request.cookies.get(CSRF_COOKIE) is None:
        app_state = state(request)
        response.set_cookie(
            CSRF_COOKIE,
            app_state.sign(token),
            httponly=True,
            samesite="strict",
            secure=app_state.settings.secure_cookies,
        )
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _json_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BicentennialError)
    async def domain_error(request: Request, exc: BicentennialError) -> Response:
        if _is_api(request):
            return _json_error(exc.status, exc.code, exc.message)
        if isinstance(exc, SignInRequired):
            return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)
        if isinstance(exc, SessionExpired):
            response = render(request, "login.html", status_code=401, next=request.url.path, error=exc.message)
            response.delete_cookie(SESSION_COOKIE)
            return response
        return render(request, "error.html", status_code=exc.status, message=exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        if _is_api(request):
            return _json_error(exc.status_code, code, str(exc.detail))
        return render(request, "error.html", status_code=exc.status_code, message=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
        if _is_api(request):
            return _json_error(422, "invalid_input", message)
        return render(request, "error.html", status_code=422, message=message)
