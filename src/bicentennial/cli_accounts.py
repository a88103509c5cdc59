"""CLI commands for users, tokens and the audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bicentennial.access import credentials
from bicentennial.access import service as access
from bicentennial.audit import chain, events
from bicentennial.audit import service as audit
from bicentennial.cli import JsonFlag, audit_app, emit, err, read_text_file, tokens_app, unit_of_work, users_app
from bicentennial.core.errors import InvalidInput


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput("--password-stdin: no password on standard input")
        return line
    if not sys.stdin.isatty():
        raise InvalidInput("No terminal to ask for a password: use --password-stdin")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name (lower case).")],
    agency: Annotated[str, typer.Option(help="Agency code, e.g. SSPC or DEA.")],
    role: Annotated[str, typer.Option(help="viewer, analyst, agency_admin or system_admin.")] = "viewer",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    clearance: Annotated[
        str, typer.Option(help="Highest sensitivity the user may read: basic, restricted or confidential.")
    ] = "restricted",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user account."""
    password = _password(password_stdin)
    with unit_of_work() as session:
        user = access.create_user(
            session=session, spec=access.NewUser(username, agency, role, name, clearance), password=password, actor=None
        )
        err.print(f"Created {user.username} ({user.agency.code}, {user.role}).")


@users_app.command("list")
def users_list(
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None, as_json: JsonFlag = False
) -> None:
    """List user accounts."""
    with unit_of_work() as session:
        rows = [
            {
                "username": u.username,
                "name": u.display_name,
                "agency": u.agency.code,
                "country": u.agency.country,
                "role": u.role,
                "active": u.is_active,
                "last_login": u.last_login_at,
            }
            for u in access.list_users(session=session, actor=None, agency=agency)
        ]
    emit(rows, as_json, "Users")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account (its sessions and tokens stop working at once)."""
    with unit_of_work() as session:
        access.set_active(session=session, username=username, active=False, actor=None)
    err.print(f"Disabled {username}.")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Enable an account and clear its lock-out."""
    with unit_of_work() as session:
        access.set_active(session=session, username=username, active=True, actor=None)
    err.print(f"Enabled {username}.")


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Option(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Issue an API token; prints only the token (shown once)."""
    with unit_of_work() as session:
        _, plaintext = credentials.create_token(session=session, username=username, name=name, days=days)
    print(plaintext)


@tokens_app.command("list")
def tokens_list(
    username: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None, as_json: JsonFlag = False
) -> None:
    """List tokens (never their secret)."""
    with unit_of_work() as session:
        rows = [
            {
                "id": t.id,
                "user": t.user.username,
                "prefix": t.prefix,
                "name": t.name,
                "created": t.created_at,
                "expires": t.expires_at,
                "revoked": t.revoked_at,
                "last_used": t.last_used_at,
            }
            for t in credentials.list_tokens(session=session, username=username)
        ]
    emit(rows, as_json, "API tokens")


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="Token id, from `tokens list`.")]) -> None:
    """Revoke a token."""
    with unit_of_work() as session:
        token = credentials.revoke_token(session=session, token_id=token_id)
        err.print(f"Revoked token {token.id} ({token.prefix}…).")


@audit_app.command("verify")
def audit_verify(
    file: Annotated[Path | None, typer.Argument(help="An exported JSONL file; default: the database.")] = None,
    expect_head: Annotated[str | None, typer.Option(help="Hash the last entry must have (detects truncation).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check the hash chain; exit 0 when intact, 1 naming the first bad entry."""
    if file is not None:
        entries = chain.parse_jsonl(read_text_file(file), source=str(file))
        verdict = chain.verify(entries, expect_head=expect_head)
        where = (
            f"line {entries[verdict.bad_index - 1]['_line']}"
            if verdict.bad_index and verdict.bad_index <= len(entries)
            else ""
        )
    else:
        with unit_of_work() as session:
            verdict = audit.verify_database(session, expect_head=expect_head)
        where = ""
    if as_json:
        print(
            json.dumps(
                {
                    "ok": verdict.ok,
                    "entries": verdict.entries,
                    "head": verdict.head,
                    "bad_index": verdict.bad_index,
                    "bad_seq": verdict.bad_seq,
                    "reason": verdict.reason,
                }
            )
        )
    else:
        text = verdict.describe()
        print(text.replace(f"entry {verdict.bad_index}", where, 1) if where else text)
    raise typer.Exit(0 if verdict.ok else 1)


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default: standard output.")
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(help="Only this agency's entries in full (as actor or record owner); others as hash stubs."),
    ] = None,
) -> None:
    """Write the audit chain as JSON Lines, verifiable offline with `audit verify FILE`.

    With --agency the file can be handed to that agency (or the other country): its
    entries are complete, the rest keep only their hashes, and the chain still verifies.
    """
    with unit_of_work() as session:
        if agency:
            code = access.get_agency(session=session, code=agency).code
            entries = audit.iter_for_agency(session, code)
        else:
            entries = audit.iter_entries(session)
        lines = list(audit.to_jsonl(entries))
        audit.record(session, events.AuditExported(entries=len(lines), owner=agency.upper() if agency else None))
    if output is None:
        sys.stdout.writelines(lines)
    else:
        output.write_text("".join(lines), encoding="utf-8")
        err.print(f"Wrote {len(lines)} entries to {output}.")
