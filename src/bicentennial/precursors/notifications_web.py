"""Pre-export notifications on the web: the JSON API (`api_router`) here, the pages (`pages_router`) in
:mod:`bicentennial.precursors.notification_pages`, re-exported so the app mounts both from one module.

Both only parse input and call :mod:`bicentennial.precursors.notifications`; the request's unit of
work commits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from bicentennial.precursors import notifications as pen
from bicentennial.precursors.notification_pages import pages_router
from bicentennial.precursors.notification_schemas import (
    CancelBody,
    IncidentBody,
    NotificationCreate,
    NotificationPage,
    NotificationRead,
    ResponseBody,
    SubmitBody,
    filter_of,
    view_of,
)
from bicentennial.web.auth import ApiUser, DbSession

Lang = Annotated[str, Query(pattern="^(en|es)$", description="Language of the flags' text.")]
api_router = APIRouter(prefix="/api/v1/precursors/notifications", tags=["precursors"])
Direction = Literal["sent", "received"]

__all__ = ["api_router", "pages_router"]


# --- API ------------------------------------------------------------------------------------------


@api_router.get("", response_model=NotificationPage)
def list_notifications(
    user: ApiUser,
    session: DbSession,
    direction: Direction | None = None,
    status: str | None = None,
    substance: str | None = None,
    overdue: bool = False,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    lang: Lang = "en",
) -> NotificationPage:
    where = filter_of(direction, status, substance, overdue, q)
    total, rows = pen.list_notifications(session=session, actor=user, where=where, limit=limit, offset=offset)
    late = pen.overdue_count(session=session, actor=user, direction=direction)
    items = [view_of(n, user, detail=False, lang=lang) for n in rows]
    return NotificationPage(total=total, limit=limit, offset=offset, overdue=late, items=items)


@api_router.post("", response_model=NotificationRead, status_code=201)
def create_notification(body: NotificationCreate, user: ApiUser, session: DbSession) -> NotificationRead:
    return view_of(pen.file_notification(session=session, actor=user, draft=body.draft()), user)


@api_router.get("/{notification_id}", response_model=NotificationRead)
def get_notification(notification_id: int, user: ApiUser, session: DbSession, lang: Lang = "en") -> NotificationRead:
    """One notification; ``lang=es`` gives the flags' text in Spanish."""
    return view_of(pen.get_notification(session=session, actor=user, notification_id=notification_id), user, lang=lang)


@api_router.post("/{notification_id}/submit", response_model=NotificationRead)
def submit(notification_id: int, user: ApiUser, session: DbSession, body: SubmitBody | None = None) -> NotificationRead:
    body = body or SubmitBody()
    n = pen.submit(
        session=session,
        actor=user,
        notification_id=notification_id,
        response_days=body.response_days,
        expected_version=body.expected_version,
    )
    return view_of(n, user)


@api_router.post("/{notification_id}/respond", response_model=NotificationRead)
def respond(notification_id: int, body: ResponseBody, user: ApiUser, session: DbSession) -> NotificationRead:
    n = pen.respond(
        session=session,
        actor=user,
        notification_id=notification_id,
        decision=body.decision,
        note=body.note,
        expected_version=body.expected_version,
    )
    return view_of(n, user)


@api_router.post("/{notification_id}/cancel", response_model=NotificationRead)
def cancel(notification_id: int, user: ApiUser, session: DbSession, body: CancelBody | None = None) -> NotificationRead:
    body = body or CancelBody()
    n = pen.cancel(
        session=session,
        actor=user,
        notification_id=notification_id,
        note=body.note,
        expected_version=body.expected_version,
    )
    return view_of(n, user)


@api_router.post("/{notification_id}/incidents", response_model=NotificationRead, status_code=201)
def record_incident(notification_id: int, body: IncidentBody, user: ApiUser, session: DbSession) -> NotificationRead:
    n = pen.record_incident(
        session=session,
        actor=user,
        notification_id=notification_id,
        kind=body.kind,
        place=body.place,
        quantity=body.quantity,
        note=body.note,
        expected_version=body.expected_version,
    )
    return view_of(n, user)
