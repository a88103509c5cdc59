"""Administration pages: users, agencies, audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bicentennial.access import policy, records
from bicentennial.access import service as access
from bicentennial.audit import service as audit
from bicentennial.core.errors import BicentennialError
from bicentennial.web.auth import DbSession, PageUser, check_csrf
from bicentennial.web.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _users_page(request: Request, session: DbSession, user: PageUser, status: int = 200, **extra: object) -> Response:
    policy.require(user, "users.read")
    agencies = access.list_agencies(session=session)
    if not policy.can(user, "users.manage_any_agency"):
        agencies = [a for a in agencies if a.id == user.agency_id]
    return render(
        request,
        "admin_users.html",
        status_code=status,
        users=access.list_users(session=session, actor=user),
        agencies=agencies,
        roles=policy.roles(),
        sensitivity=records.vocabulary()["sensitivity"],
        **extra,
    )


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: DbSession, user: PageUser) -> Response:
    return _users_page(request, session, user)


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    session: DbSession,
    user: PageUser,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    agency: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    clearance: Annotated[str, Form()] = "restricted",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            access.create_user(
                session=session,
                spec=access.NewUser(username, agency, role, display_name, clearance),
                password=password,
                actor=user,
            )
    except BicentennialError as exc:
        return _users_page(
            request,
            session,
            user,
            status=exc.status,
            error=exc.message,
            form={
                "username": username,
                "display_name": display_name,
                "agency": agency,
                "role": role,
                "clearance": clearance,
            },
        )
    return RedirectResponse("/admin/users?created=" + username.strip().lower(), status_code=303)


@router.post("/users/{username}/active")
def set_active(
    request: Request,
    username: str,
    session: DbSession,
    user: PageUser,
    active: Annotated[str, Form()] = "0",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    access.set_active(session=session, username=username, active=active == "1", actor=user)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/agencies", response_class=HTMLResponse)
def agencies(request: Request, session: DbSession, user: PageUser) -> Response:
    policy.require(user, "agencies.read")
    return render(request, "admin_agencies.html", agencies=access.list_agencies(session=session))


@router.post("/agencies", response_class=HTMLResponse)
def create_agency(
    request: Request,
    session: DbSession,
    user: PageUser,
    code: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    name_es: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            access.create_agency(
                session=session, actor=user, code=code, country=country, name_en=name_en, name_es=name_es
            )
    except BicentennialError as exc:
        return render(
            request,
            "admin_agencies.html",
            status_code=exc.status,
            error=exc.message,
            agencies=access.list_agencies(session=session),
            form={"code": code, "country": country, "name_en": name_en, "name_es": name_es},
        )
    return RedirectResponse("/admin/agencies", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, session: DbSession, user: PageUser, page: int = 1, verify: bool = False) -> Response:
    policy.require(user, "audit.read")
    scope = None if policy.can(user, "audit.read_all") else user.agency.code
    size = 50
    entries = audit.recent(session, agency=scope, limit=size, offset=(max(page, 1) - 1) * size)
    verdict = audit.verify_database(session) if verify and policy.can(user, "audit.verify") else None
    return render(
        request, "admin_audit.html", entries=entries, page=max(page, 1), size=size, verdict=verdict, scope=scope
    )
