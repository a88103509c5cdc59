"""`bicentennial precursors notifications ...`: pre-export notifications from the command line.

A Typer sub-app; the precursors CLI mounts it. Commands act as a named user (``--as``), so the same
access rules as on the web decide what they may see and do.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from bicentennial.access import service as access
from bicentennial.cli import JsonFlag, emit, err, unit_of_work
from bicentennial.core.db import utcnow
from bicentennial.precursors import notifications as pen
from bicentennial.precursors.notification_schemas import NotificationRead, filter_of

notifications_app = typer.Typer(
    help="Pre-export notifications (INCB PEN Online style): file, submit, answer, record incidents.",
    no_args_is_help=True,
)

AsUser = Annotated[
    str, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user (their agency and role).")
]
Version = Annotated[int | None, typer.Option(help="Refuse if the notification changed since this version.")]


def _row(r: NotificationRead) -> dict[str, object]:
    return {
        "id": r.id,
        "status": r.status,
        "substance": r.substance_id,
        "quantity": f"{r.quantity:g} {r.unit}",
        "from": r.exporting_agency,
        "to": r.importing_agency,
        "importer": r.importer,
        "deadline": r.deadline,
        "overdue": r.overdue,
        "flags": len(r.flags),
        "synthetic": r.synthetic,
    }


@notifications_app.command("list")
def list_notifications(
    as_user: AsUser,
    direction: Annotated[str | None, typer.Option(help="sent or received.")] = None,
    status: Annotated[str | None, typer.Option(help="Status, e.g. submitted.")] = None,
    substance: Annotated[str | None, typer.Option(help="Substance id, e.g. C001.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those past their deadline unanswered.")] = False,
    limit: int = 50,
    as_json: JsonFlag = False,
) -> None:
    """Notifications you may see, newest first."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        where = filter_of(direction, status, substance, overdue)
        total, rows = pen.list_notifications(session=session, actor=actor, where=where, limit=limit)
        today = utcnow().date()
        out = [_row(NotificationRead.of(n, today=today)) for n in rows]
    emit(out, as_json, f"Pre-export notifications ({len(out)} of {total})")


@notifications_app.command("show")
def show(notification_id: int, as_user: AsUser) -> None:
    """One notification with its events and flags, as JSON."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        n = pen.get_notification(session=session, actor=actor, notification_id=notification_id)
        print(NotificationRead.of(n, today=utcnow().date(), actor=actor, detail=True).model_dump_json(indent=2))


@notifications_app.command("file")
def file_notification(
    as_user: AsUser,
    to: Annotated[str, typer.Option("--to", help="Importing authority's agency code, e.g. DEA.")],
    exporter: Annotated[str, typer.Option(help="Exporting company.")],
    importer: Annotated[str, typer.Option(help="Importing company.")],
    importer_country: Annotated[str, typer.Option(help="ISO two-letter code.")],
    substance: Annotated[str, typer.Option(help="Registry id (C001) or name.")],
    quantity: Annotated[str, typer.Option(help="Quantity, e.g. 1500 or 1,500.5.")],
    unit: Annotated[str, typer.Option(help="kg, g, t, lb, L, mL, gal or units.")] = "kg",
    exporter_country: Annotated[str | None, typer.Option(help="Default: your agency's country.")] = None,
    transit: Annotated[list[str] | None, typer.Option(help="Transit country, in route order (repeat).")] = None,
    transport: str = "",
    shipment_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    invoice: str = "",
    handling: Annotated[str, typer.Option(help="H0, H1 or H2.")] = "H2",
    submit: Annotated[bool, typer.Option("--submit", help="Submit at once.")] = False,
) -> None:
    """File a notification (a draft unless --submit); prints its id."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        draft = pen.NotificationDraft(
            importing_agency=to,
            exporter=exporter,
            exporter_country=exporter_country or actor.agency.country,
            importer=importer,
            importer_country=importer_country,
            substance=substance,
            quantity=quantity,
            unit=unit,
            transit=tuple(transit or ()),
            transport=transport,
            shipment_date=_day(shipment_date),
            invoice=invoice,
            handling_code=handling,
        )
        n = pen.file_notification(session=session, actor=actor, draft=draft)
        if submit:
            pen.submit(session=session, actor=actor, notification_id=n.id)
        print(n.id)


def _day(raw: str | None) -> date | None:
    from bicentennial.precursors.notification_schemas import form_day

    return form_day(raw or "", "--shipment-date")


@notifications_app.command("submit")
def submit(
    notification_id: int,
    as_user: AsUser,
    response_days: Annotated[int, typer.Option(help="Days the importing authority has to answer.")] = pen.RESPONSE_DAYS,
    expected_version: Version = None,
) -> None:
    """Submit a draft to the importing authority."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        n = pen.submit(
            session=session,
            actor=actor,
            notification_id=notification_id,
            response_days=response_days,
            expected_version=expected_version,
        )
        err.print(f"Notification {n.id} submitted; answer due by {n.deadline}.")


@notifications_app.command("respond")
def respond(
    notification_id: int,
    as_user: AsUser,
    decision: Annotated[str, typer.Option(help="confirmed or objected.")],
    note: str = "",
    expected_version: Version = None,
) -> None:
    """Answer as the importing authority (a late answer is accepted and marked late)."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        n = pen.respond(
            session=session,
            actor=actor,
            notification_id=notification_id,
            decision=decision,
            note=note,
            expected_version=expected_version,
        )
        err.print(f"Notification {n.id} is now {n.status}{' (late)' if pen.responded_late(n) else ''}.")


@notifications_app.command("cancel")
def cancel(notification_id: int, as_user: AsUser, note: str = "", expected_version: Version = None) -> None:
    """Cancel a notification of your agency."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        pen.cancel(
            session=session, actor=actor, notification_id=notification_id, note=note, expected_version=expected_version
        )
        err.print(f"Notification {notification_id} cancelled.")


@notifications_app.command("incident")
def incident(
    notification_id: int,
    as_user: AsUser,
    kind: Annotated[str, typer.Option(help="stopped or seized.")],
    place: str = "",
    quantity: Annotated[float | None, typer.Option(help="In the notification's declared unit.")] = None,
    note: str = "",
    expected_version: Version = None,
) -> None:
    """Record that the shipment was stopped or seized (either authority)."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        n = pen.record_incident(
            session=session,
            actor=actor,
            notification_id=notification_id,
            kind=kind,
            place=place,
            quantity=quantity,
            note=note,
            expected_version=expected_version,
        )
        err.print(f"Notification {n.id} is now {n.status}.")
