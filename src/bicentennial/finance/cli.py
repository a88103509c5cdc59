"""`bicentennial finance ...`: designation lists, name screening, laundering typologies."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from bicentennial.cli import JsonFlag, app, emit, err, out, rows_progress, unit_of_work
from bicentennial.core.config import get_settings
from bicentennial.core.errors import InvalidInput, optional_date

finance_app = typer.Typer(
    help="Illicit finance: screen names against designation lists; detect laundering typologies.", no_args_is_help=True
)
app.add_typer(finance_app, name="finance")
lists_app = typer.Typer(
    help="Designation lists: OFAC SDN, OpenSanctions (FollowTheMoney), national CSV lists.", no_args_is_help=True
)
finance_app.add_typer(lists_app, name="lists")

AsUser = Annotated[str | None, typer.Option("--as", envvar="BICENTENNIAL_USER", help="Act as this user.")]


def _user(as_user: str | None) -> str:
    if not as_user:
        raise InvalidInput("--as USER (or BICENTENNIAL_USER) is required")
    return as_user


def _day(text: str | None, field: str) -> date | None:
    return optional_date(text, field)


@lists_app.command("import")
def lists_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="sdn.csv (alt.csv, add.csv, sdn_comments.csv read from its folder), an FtM .json file, or a CSV list."
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="ofac-sdn | ftm | csv")],
    name: Annotated[
        str | None, typer.Option("--name", help="List name (required for csv; default 'OFAC SDN' / 'OpenSanctions').")
    ] = None,
    as_user: AsUser = None,
) -> None:
    """Import a list, all or nothing; the latest import of a list name is the one screenings use."""
    from bicentennial.access import service as access
    from bicentennial.finance import list_service

    if not file.exists():
        raise InvalidInput(f"{file}: no such file")
    with unit_of_work() as session:
        actor = access.get_user(session=session, username=_user(as_user))
        record = list_service.import_list(session=session, actor=actor, path=file, fmt=fmt, name=name)
        out.print(
            f"Imported {record.name!r} version {record.version}: {record.entities:,} entities, "
            f"{record.names:,} names, {len(record.problems):,} problems reported."
        )
        for problem in record.problems[:10]:
            err.print(f"  {problem}", highlight=False)


@lists_app.command("show")
def lists_show(as_json: JsonFlag = False) -> None:
    """Imported lists and their versions (the latest of each name is in use)."""
    from bicentennial.finance import list_service

    with unit_of_work() as session:
        emit(list_service.describe(session=session), as_json, "Designation lists")


@finance_app.command("screen")
def screen(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX with name/nombre, optional dob/fecha_nacimiento, curp, rfc, country/pais, kind/tipo."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row (JSON Lines), in order.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (default: settings).")] = None,
) -> None:
    """Screen every row of a customer or counterpart file against the lists in use."""
    from bicentennial.finance import screenings, service

    if not file.exists():
        raise InvalidInput(f"{file}: no such file")
    with unit_of_work() as session:
        found = service.screener(session=session)
        lists = service.lists_in_use(session=session)
    if found is None:
        raise InvalidInput(
            "No sanctions list has been imported yet: bicentennial finance lists import FILE --format ..."
        )
    settings = get_settings()
    table = screenings.open_file(file)
    counts: dict[str, int] = {}
    shown: list[dict[str, Any]] = []
    with rows_progress(f"screening {file.name}") as advance:
        for item in screenings.screen_rows(
            table.rows,
            found,
            workers=settings.job_workers if workers is None else workers,
            scheduler=settings.dask_scheduler,
            progress=advance,
        ):
            body = item.as_json()
            counts[body["decision"]] = counts.get(body["decision"], 0) + 1
            if as_json:
                sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
            elif body["decision"] != "no-match" and len(shown) < 200:
                shown.append(
                    {
                        "row": item.row,
                        "screened": item.fields.get("name", ""),
                        "decision": body["decision"],
                        "entity": body["entity"] or "",
                        "listed name": body["name"] or "",
                        "score": body["score"],
                        "why": "; ".join(body["reasons"][:4]),
                    }
                )
    if not as_json:
        emit(shown, False, "Matches and possible matches")
    total = sum(counts.values())
    err.print(
        f"{file.name}: {total:,} rows — match {counts.get('match', 0):,}, possible {counts.get('possible', 0):,}, "
        f"no match {counts.get('no-match', 0):,}, errors {counts.get('error', 0):,} (lists: {', '.join(lists)})",
        highlight=False,
    )


@finance_app.command("search")
def search(
    name: Annotated[str, typer.Argument(help="A person's or company's name, as written.")],
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth, YYYY-MM-DD.")] = None,
    curp: Annotated[str, typer.Option("--curp")] = "",
    rfc: Annotated[str, typer.Option("--rfc")] = "",
    country: Annotated[str, typer.Option("--country", help="Nationality or country.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Screen one name (with optional identifiers) and explain the result."""
    from bicentennial.finance import service

    with unit_of_work() as session:
        result = service.screen_party(
            session=session, name=name, dob=_day(dob, "--dob"), curp=curp, rfc=rfc, country=country
        )
    if result is None:
        raise InvalidInput(
            "No sanctions list has been imported yet: bicentennial finance lists import FILE --format ..."
        )
    body = result.as_json()
    if as_json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return
    out.print(
        f"[bold]{result.decision}[/bold] {result.name or ''} "
        f"{f'({result.entity}, {result.list})' if result.entity else ''} score {result.score:.2f}"
    )
    for reason in result.reasons:
        out.print(f" • {reason}", highlight=False)


@finance_app.command("typologies")
def typologies(
    file: Annotated[
        Path,
        typer.Argument(
            help="Transactions CSV: account, counterparty, amount, currency, channel, direction, place, country, "
            "time (English or Spanish headers)."
        ),
    ],
    as_json: JsonFlag = False,
    designated: Annotated[
        bool, typer.Option("--designated/--no-designated", help="Link counterparties to the designation lists in use.")
    ] = True,
) -> None:
    """Detect structuring, funnel accounts, pass-through, round-tripping, trade mispricing, designated parties."""
    from bicentennial.finance import analyses, service

    if not file.exists():
        raise InvalidInput(f"{file}: no such file")
    transactions, problems = analyses.read_file(file, file.name)
    scorer = None
    if designated:
        with unit_of_work() as session:
            found = service.screener(session=session)
        if found is not None:
            scorer = found.designated_score
    alerts, network = analyses.analyse(transactions, designated=scorer)
    if as_json:
        body = {
            "transactions": len(transactions),
            "problems": [{"line": p.line, "field": p.field, "message": p.message} for p in problems],
            "alerts": [analyses.alert_json(a) for a in alerts],
            "components": network["components"],
        }
        print(json.dumps(body, ensure_ascii=False, indent=2, default=str))
        return
    rows = [
        {"typology": a.typology, "score": round(a.score, 2), "accounts": ", ".join(a.accounts[:4]), "rule": a.rule}
        for a in alerts[:100]
    ]
    emit(rows, False, f"Alerts ({len(alerts):,})")
    err.print(
        f"{file.name}: {len(transactions):,} transactions, {len(problems):,} bad rows, {len(alerts):,} alerts, "
        f"{len(network['components']):,} networks",
        highlight=False,
    )


@finance_app.command("generate")
def generate(
    out_file: Annotated[Path, typer.Argument(help="CSV to write.")],
    accounts: Annotated[int, typer.Option("--accounts")] = 2000,
    days: Annotated[int, typer.Option("--days")] = 90,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    planted: Annotated[
        int | None,
        typer.Option("--planted", help="Planted instances of each typology (default 1 % of accounts, at least 3)."),
    ] = None,
) -> None:
    """Write SYNTHETIC transactions with planted typologies (ids start with SYN-), for trying the detectors."""
    from bicentennial.finance.synthetic import generate as make
    from bicentennial.finance.synthetic import write_csv

    if accounts < 10 or days < 7:
        raise InvalidInput("--accounts must be at least 10 and --days at least 7")
    from bicentennial.finance.labels import TYPOLOGIES

    each = max(3, accounts // 100) if planted is None else planted
    transactions, truth = make(accounts, days, seed, dict.fromkeys(TYPOLOGIES, each))
    write_csv(out_file, transactions)
    err.print(
        f"{out_file}: {len(transactions):,} synthetic transactions, {len(truth.patterns):,} planted patterns",
        highlight=False,
    )
