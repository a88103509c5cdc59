"""Recording, reading, exporting and verifying the audit log.

``record`` only queues an event on the session; the entries are written by a
``before_commit`` hook inside the same transaction, so an event exists if and
only if the change it describes was committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from bicentennial.audit import chain
from bicentennial.audit.events import Event
from bicentennial.audit.models import AuditEntry
from bicentennial.core.db import utcnow

_PENDING = "audit_pending"
_LOCK_KEY = 0x42C0A0D17  # PostgreSQL advisory lock serialising appends to the chain


def record(session: Session, event_: Event) -> None:
    session.info.setdefault(_PENDING, []).append((utcnow(), event_))


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    # Also fired when a savepoint rolls back; the outer transaction's events must survive that.
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


def _append(session: Session, pending: list[tuple[datetime, Event]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0], last[1]) if last else (0, chain.GENESIS)
    for ts, ev in pending:
        seq += 1
        entry = {
            "seq": seq,
            "ts": ts.isoformat(),
            "kind": ev.kind,
            "actor": ev.actor,
            "agency": ev.agency,
            "target": ev.target,
            "owner": ev.owner,
            "data": json.loads(chain.canonical(ev.payload())),
            "prev_hash": prev,
        }
        prev = chain.entry_hash(entry)
        session.add(
            AuditEntry(
                seq=seq,
                ts=ts,
                kind=ev.kind,
                actor=ev.actor,
                agency=ev.agency,
                target=ev.target,
                owner=ev.owner,
                data=chain.canonical(entry["data"]),
                prev_hash=entry["prev_hash"],
                hash=prev,
            )
        )
    session.flush()


def as_dict(row: AuditEntry) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "ts": row.ts.isoformat(),
        "kind": row.kind,
        "actor": row.actor,
        "agency": row.agency,
        "target": row.target,
        "owner": row.owner,
        "data": json.loads(row.data),
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def iter_entries(session: Session, *, batch: int = 2000) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield as_dict(row)
        after = rows[-1].seq


def iter_for_agency(session: Session, agency: str, *, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """The whole chain, with entries that neither involve ``agency`` as actor nor as owner redacted."""
    for entry in iter_entries(session, batch=batch):
        if agency in (entry["agency"], entry["owner"]):
            yield entry
        else:
            yield {"seq": entry["seq"], "prev_hash": entry["prev_hash"], "hash": entry["hash"], "redacted": True}


def verify_database(session: Session, *, expect_head: str | None = None) -> chain.Verdict:
    return chain.verify(iter_entries(session), expect_head=expect_head)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def recent(session: Session, *, agency: str | None = None, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)
    if agency is not None:
        query = query.where(AuditEntry.agency == agency)
    return list(session.scalars(query))


def to_jsonl(entries: Iterator[dict[str, Any]]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
