"""Transaction analyses: a file read (bad rows reported, the rest kept), the typology detectors run,
designated parties linked through the screening lists, the network ranked — and all of it stored.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput
from bicentennial.core.uploads import file_sha256
from bicentennial.finance.models import TransactionAnalysis
from bicentennial.finance.network import build_graph, to_json
from bicentennial.finance.transactions import RowProblem, Transaction, read_transactions, to_frame
from bicentennial.finance.typologies import Alert, detect_all

MAX_TRANSACTIONS = 2_000_000
TOP_COMPONENTS = 25
MAX_PROBLEMS_KEPT = 500


def analyse(
    transactions: list[Transaction], *, designated: Callable[[str], float] | None = None
) -> tuple[list[Alert], dict[str, Any]]:
    """Alerts (strongest first) and the network of the top components, as JSON-ready data."""
    frame = to_frame(transactions)
    alerts = detect_all(frame, designated=designated)
    named = {a for alert in alerts if alert.typology == "designated" for a in alert.accounts}
    network = build_graph(frame, alerts, designated=named)
    return alerts, to_json(network, top=TOP_COMPONENTS)


def alert_json(alert: Alert) -> dict[str, Any]:
    """The stored alert: its English ``rule`` plus ``template``/``params`` to show it in the reader's language."""
    data = {k: v for k, v in asdict(alert).items() if k != "explanation"}
    data["period"] = [alert.period[0].isoformat(), alert.period[1].isoformat()]
    return data | (alert.explanation.as_dict() if alert.explanation is not None else {})


def read_file(path: Path, display_name: str) -> tuple[list[Transaction], list[RowProblem]]:
    problems: list[RowProblem] = []
    transactions = []
    for item in read_transactions(path, problems=problems):
        transactions.append(item)
        if len(transactions) > MAX_TRANSACTIONS:
            raise InvalidInput(f"{display_name}: more than {MAX_TRANSACTIONS:,} transactions; split the file")
    if not transactions:
        detail = f" ({problems[0].message})" if problems else ""
        raise InvalidInput(f"{display_name}: no readable transaction{detail}")
    return transactions, problems


def analyse_file(
    *, session: Session, actor: User, path: Path, file_name: str, designated: Callable[[str], float] | None = None
) -> TransactionAnalysis:
    policy.require(actor, "records.write")
    transactions, problems = read_file(path, file_name)
    alerts, network = analyse(transactions, designated=designated)
    payload = {"alerts": [alert_json(a) for a in alerts], "network": network}
    counts = Counter(a.typology for a in alerts)
    record = TransactionAnalysis(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        file_name=file_name[:255],
        sha256=file_sha256(path),
        transactions=len(transactions),
        problems=[f"line {p.line}, field {p.field!r}: {p.message}" for p in problems[:MAX_PROBLEMS_KEPT]],
        summary={
            "alerts": len(alerts),
            "by_typology": dict(counts.most_common()),
            "bad_rows": len(problems),
            "components": len(network["components"]),
            "synthetic": all(t.synthetic for t in transactions),
        },
        payload=gzip.compress(json.dumps(payload, ensure_ascii=False, default=str).encode()),
    )
    session.add(record)
    session.flush()
    fields = {
        "file": record.file_name,
        "sha256": record.sha256,
        "transactions": record.transactions,
        "alerts": len(alerts),
    }
    audit.record(
        session, events.RecordCreated(**events.by(actor), target=record.ref, owner=actor.agency.code, fields=fields)
    )
    return record


def payload_of(record: TransactionAnalysis) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(record.payload))
    return data


def get_analysis(*, session: Session, actor: User, analysis_id: int) -> TransactionAnalysis:
    return records.read(session, actor, TransactionAnalysis, analysis_id)


def list_analyses(*, session: Session, actor: User, limit: int = 50) -> list[TransactionAnalysis]:
    query = select(TransactionAnalysis).where(records.visible_clause(actor, TransactionAnalysis))
    found = list(session.scalars(query.order_by(TransactionAnalysis.id.desc()).limit(limit)))
    records.note_reads(session, actor, [(a, records.via_for_visible(actor, a)) for a in found])
    return found
