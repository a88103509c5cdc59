"""`bicentennial requests ...`, `bicentennial grants ...`, `bicentennial digest`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from bicentennial.access import grants
from bicentennial.access import service as access
from bicentennial.cli import JsonFlag, app, emit, err, progress_bar, unit_of_work
from bicentennial.cooperation import analytics, demo, notifications
from bicentennial.cooperation import service as coop
from bicentennial.cooperation.schemas import GrantRead, RequestRead
from bicentennial.core import exports
from bicentennial.core.errors import InvalidInput

requests_app = typer.Typer(help="Bilateral requests: create, move, list, delays, demo data.", no_args_is_help=True)
grants_app = typer.Typer(help="Grants: let another agency see one of your agency's records.", no_args_is_help=True)
app.add_typer(requests_app, name="requests")
app.add_typer(grants_app, name="grants")

AsUser = Annotated[
    str, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user (their agency and role).")
]


def _row(r: RequestRead) -> dict[str, object]:
    return {
        "id": r.id,
        "type": r.type,
        "from": r.requesting_agency,
        "to": r.receiving_agency,
        "status": r.status,
        "subject": r.subject,
        "sent": r.sent_at.date() if r.sent_at else None,
        "handling": r.handling_code,
        "synthetic": r.synthetic,
    }


@requests_app.command("list")
def list_requests(
    as_user: AsUser,
    type: Annotated[str | None, typer.Option(help="Request type.")] = None,
    status: Annotated[str | None, typer.Option(help="Status.")] = None,
    direction: Annotated[str | None, typer.Option(help="sent or received.")] = None,
    limit: int = 50,
    as_json: JsonFlag = False,
) -> None:
    """Requests you may see, newest first."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        where = coop.RequestFilter(type=type, status=status, direction=direction)
        total, rows = coop.list_requests(session=session, actor=actor, where=where, limit=limit)
        out = [_row(RequestRead.of(r)) for r in rows]
    emit(out, as_json, f"Requests ({len(out)} of {total})")


@requests_app.command("show")
def show_request(request_id: int, as_user: AsUser) -> None:
    """One request with its history, as JSON."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        r = coop.get_request(session=session, actor=actor, request_id=request_id)
        print(RequestRead.of(r, detail=True, moves=coop.allowed_moves(actor, r)).model_dump_json(indent=2))


@requests_app.command("create")
def create_request(
    as_user: AsUser,
    type: Annotated[str, typer.Option(help="extradition, mutual_legal_assistance, ...")],
    to: Annotated[str, typer.Option(help="Receiving agency code.")],
    subject: Annotated[str, typer.Option(help="What is asked.")],
    handling: Annotated[str, typer.Option(help="H0, H1 or H2.")] = "H2",
    sensitivity: str = "restricted",
    priority: str = "normal",
    legal_basis: str = "",
    description: str = "",
    send: Annotated[bool, typer.Option(help="Send at once.")] = False,
) -> None:
    """Create a request (a draft unless --send); prints its id."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        draft = coop.RequestDraft(type, to, subject, handling, sensitivity, description, legal_basis, priority)
        request = coop.create_request(session=session, actor=actor, draft=draft)
        if send:
            coop.transition(session=session, actor=actor, request_id=request.id, to="sent")
        print(request.id)


@requests_app.command("transition")
def transition(
    request_id: int,
    to: Annotated[str, typer.Argument(help="New status, e.g. acknowledged.")],
    as_user: AsUser,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Move a request to a new status."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        r = coop.transition(
            session=session, actor=actor, request_id=request_id, to=to, note=note, expected_version=expected_version
        )
        err.print(f"Request {r.id} is now {r.status} (version {r.version}).")


@requests_app.command("delays")
def delays(
    as_user: AsUser,
    table: Annotated[str, typer.Option(help="by_type, by_stage, by_agency, overdue, trend, cohorts.")] = "by_type",
    type: str | None = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Delay figures over the requests you may see."""
    if table not in analytics.TABLES:
        raise InvalidInput(f"--table: one of {', '.join(analytics.TABLES)}")
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        board = analytics.dashboard(session=session, actor=actor, where=coop.RequestFilter(type=type))
    rows = exports.rows_of(getattr(board, table))
    if csv:
        print(exports.to_csv(rows), end="")
    else:
        emit(rows, as_json, f"Delays — {table} ({board.count} requests, {board.synthetic} synthetic)")


@requests_app.command("demo")
def generate_demo(
    count: Annotated[int, typer.Option(help="How many synthetic requests.")] = 400,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 1,
    months: Annotated[int, typer.Option(help="Spread over this many past months.")] = 24,
) -> None:
    """Add synthetic requests with realistic delays, marked synthetic everywhere."""
    with unit_of_work() as session, progress_bar("Generating") as progress:
        progress(0, count)
        made = demo.generate(session=session, count=count, seed=seed, months=months)
        progress(made, count)
    err.print(f"Added {made} synthetic requests.")


@grants_app.command("create")
def create_grant(
    as_user: AsUser,
    record: Annotated[str, typer.Option(help="e.g. request:12")],
    agency: Annotated[str, typer.Option(help="Agency that may read it.")],
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD); default 30 days.")] = None,
    purpose: str = "",
    court_use: bool = False,
    onward: bool = False,
) -> None:
    """Grant another agency read access to one of your records; prints the grant id."""
    expires = grants.end_of_day(until, "--until") if until else datetime.now(UTC) + timedelta(days=30)
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        g = grants.create_grant(
            session=session,
            actor=actor,
            ref=record,
            terms=grants.GrantTerms(agency, expires, purpose, court_use, onward),
        )
        print(g.id)


@grants_app.command("revoke")
def revoke_grant(grant_id: int, as_user: AsUser) -> None:
    """Revoke a grant at once."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        grants.revoke_grant(session=session, actor=actor, grant_id=grant_id)
    err.print(f"Revoked grant {grant_id}.")


@grants_app.command("list")
def list_grants(
    as_user: AsUser,
    direction: Annotated[str, typer.Option(help="given or received.")] = "given",
    as_json: JsonFlag = False,
) -> None:
    """Grants your agency gave or holds."""
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=as_user)
        rows = [
            GrantRead.of(g).model_dump() for g in grants.list_grants(session=session, actor=actor, direction=direction)
        ]
    emit(rows, as_json, f"Grants {direction}")


@app.command()
def digest(
    folder: Annotated[Path | None, typer.Option("--out", help="Also write one text file per user here.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Queue today's digest for every user with something awaiting (the outbox; a mailer drains it)."""
    with unit_of_work() as session:
        sent = notifications.send_digests(session=session, folder=folder)
    if as_json:
        print(json.dumps({"digests": sent}))
    else:
        err.print(f"{sent} digest(s) queued in the outbox{f' and written to {folder}' if folder else ''}.")
