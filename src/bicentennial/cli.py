"""The ``bicentennial`` command. Each command parses input, calls a service, prints."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bicentennial import __version__
from bicentennial.core.config import get_settings
from bicentennial.core.db import Database
from bicentennial.core.errors import BicentennialError, InvalidInput

app = typer.Typer(
    help="Bicentennial: outcomes and analytic work of the US–Mexico Bicentennial Framework.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log: verify and export.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")

out = Console()
err = Console(stderr=True, soft_wrap=True)
DEMO_TRACES = 5000
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _version(value: bool) -> None:
    if value:
        print(f"bicentennial {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Run `bicentennial COMMAND --help` for each command's options."""


def database(*, check_schema: bool = True) -> Database:
    from bicentennial.core.migrate import ensure_current

    db = Database.from_url(get_settings().resolved_database_url)
    if check_schema:
        ensure_current(db.engine)
    return db


@contextmanager
def unit_of_work(*, check_schema: bool = True) -> Iterator[Session]:
    with database(check_schema=check_schema).session() as session:
        yield session


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on stderr; ``total=None`` when the end is not known (a streamed file)."""
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextmanager
def rows_progress(label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar for a streamed file whose length is unknown: ``advance(n)`` after each chunk."""
    with progress_bar(label) as tick:
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            tick(done[0], None)

        yield advance


def emit(rows: list[dict[str, Any]], as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=title)
    for column in rows[0] if rows else ["(none)"]:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    out.print(table)


# --- set-up ------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply database migrations (creates the schema on an empty database)."""
    from bicentennial.core.migrate import current_revision, upgrade

    db = database(check_schema=False)
    upgrade(db.engine, revision)
    err.print(f"Database at revision {current_revision(db.engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the code's."""
    from bicentennial.core.migrate import current_revision, head_revision

    db = database(check_schema=False)
    print(f"database: {current_revision(db.engine) or '(empty)'}  code: {head_revision()}")


@app.command()
def seed(as_json: JsonFlag = False) -> None:
    """Load the bundled reference data: countries, agencies, areas. Safe to repeat."""
    from bicentennial.bootstrap import seed_reference_data

    with unit_of_work() as session, progress_bar("Loading areas") as progress:
        report = seed_reference_data(session=session, progress=progress)
    if as_json:
        print(
            json.dumps(
                {
                    "agencies_added": report.agencies,
                    "areas_added": report.areas,
                    "observations_added": report.observations,
                }
            )
        )
    else:
        err.print(
            f"Reference data: {report.agencies} agencies, {report.areas} areas and "
            f"{report.observations} observations added."
        )


@app.command()
def setup() -> None:
    """Migrate, seed, and create the first administrator if none exists (what `make run` does)."""
    from bicentennial.access import service as access
    from bicentennial.bootstrap import seed_reference_data
    from bicentennial.core.migrate import upgrade
    from bicentennial.finance.list_service import load_bundled
    from bicentennial.firearms import service as firearms
    from bicentennial.hotspots import service as hotspots
    from bicentennial.precursors.demo import load_demo_notifications

    settings = get_settings()
    db = database(check_schema=False)
    upgrade(db.engine)
    with db.session() as session, progress_bar("Loading areas") as progress:
        report = seed_reference_data(session=session, progress=progress)
        created = access.ensure_first_admin(session=session, agency=settings.first_admin_agency)
        # Synthetic traces (labelled so) let a first look at Firearms show something real-shaped.
        traces = firearms.load_demo(
            session=session,
            owner=access.get_agency(session=session, code=settings.first_admin_agency),
            count=DEMO_TRACES,
        )
        demo_panel = hotspots.load_demo(
            session=session, owner=access.get_agency(session=session, code=settings.first_admin_agency)
        )
        notifications = load_demo_notifications(session)
        sdn = load_bundled(
            session=session, agency_id=access.get_agency(session=session, code=settings.first_admin_agency).id
        )
    err.print(
        f"Database ready ({settings.resolved_database_url.split('@')[-1]}); "
        f"{report.agencies} agencies, {report.areas} areas, {report.observations} observations and "
        f"{traces:,} synthetic firearm traces"
        + (f", a synthetic hotspot dataset of {demo_panel.areas:,} municipalities" if demo_panel else "")
        + (f", {notifications} synthetic pre-export notifications" if notifications else "")
        + (f" and the bundled OFAC SDN 2021 snapshot ({sdn.entities:,} entities; not current)" if sdn else "")
        + " added."
    )
    if created:
        username, password = created
        err.print(
            f"\n[bold]First administrator created.[/bold] Username: [bold]{username}[/bold]  "
            f"Password (shown once, store it now): [bold]{password}[/bold]\n",
            highlight=False,
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes (use several on a shared server).")] = 1,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    from bicentennial.web.app import create_app

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    _check_port_free(host, port)
    db = database()  # fail here, with one clear line, if the database is unreachable or behind the code
    settings.signing_key()  # create the key file once, before worker processes read it
    from bicentennial.hotspots.runs import fail_interrupted

    interrupted = fail_interrupted(db)
    if interrupted:
        err.print(f"{interrupted} hotspot run(s) left unfinished by the last server were marked failed.")
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104  only picks the URL to print
    err.print(f"Bicentennial is serving on [bold]http://{shown}:{port}[/bold] (Ctrl+C to stop)", highlight=False)
    if workers > 1:
        uvicorn.run(
            "bicentennial.web.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning"
        )
    else:
        uvicorn.run(create_app(settings, db), host=host, port=port, log_level="warning")


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InvalidInput(
                f"Cannot serve on {host}:{port}: {exc.strerror or exc} (is another server running? use --port)"
            ) from None


def main() -> None:
    try:
        app()
    except BicentennialError as exc:
        _fail(exc.message)
    except SQLAlchemyError as exc:
        _fail(f"Database error: {str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]}")
    except KeyboardInterrupt:
        _fail("Interrupted.", code=130)


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    sys.exit(code)


def read_text_file(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8") as fh:
            yield from fh
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}") from None


from bicentennial import cli_accounts  # noqa: E402,F401  registers the users/tokens/audit commands
from bicentennial.ballistics import cli as ballistics_cli  # noqa: E402,F401  registers the ballistics commands
from bicentennial.cooperation import cli as cooperation_cli  # noqa: E402,F401  registers requests/grants/digest
from bicentennial.evaluation import cli as evaluation_cli  # noqa: E402,F401  registers the evaluate commands
from bicentennial.finance import cli as finance_cli  # noqa: E402,F401  registers the finance commands
from bicentennial.firearms import cli as firearms_cli  # noqa: E402,F401  registers the firearms commands
from bicentennial.hotspots import cli as hotspots_cli  # noqa: E402,F401  registers the hotspots commands
from bicentennial.outcomes import cli as outcomes_cli  # noqa: E402,F401  registers the outcomes commands
from bicentennial.precursors import cli as precursors_cli  # noqa: E402,F401  registers the precursors commands
