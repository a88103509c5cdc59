"""Trace records in the database: import (whole, or partial on request), read, analyse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import Agency, User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput, PermissionDenied
from bicentennial.core.i18n import N_
from bicentennial.core.uploads import file_sha256
from bicentennial.firearms.models import Trace
from bicentennial.firearms.rows import TraceRow

Progress = Callable[[int, int], None]
CHUNK = 20_000
FIELDS = (
    "serial",
    "serial_normalized",
    "serial_obliterated",
    "firearm_type",
    "manufacturer",
    "model",
    "caliber",
    "recovery_date",
    "recovery_state",
    "recovery_area",
    "country_of_origin",
    "importer",
    "crime_code",
    "case_number",
    "possessor_id",
    "trace_status",
    "not_traced_reason",
    "dealer_ffl",
    "dealer_name",
    "dealer_state",
    "purchaser_id",
    "purchase_date",
    "multiple_sale",
)


@dataclass
class ImportReport:
    file: str
    imported: int
    written: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[list[int]] = field(default_factory=list)
    already_stored: int = 0
    duplicate_file: bool = False


def _require_writer(actor: User) -> None:
    if not policy.can(actor, "records.write"):
        raise PermissionDenied(N_("You are not allowed to do this."))


def store_rows(
    *,
    session: Session,
    actor: User | None,
    owner: Agency,
    rows: Iterable[TraceRow],
    batch: str,
    synthetic: bool = False,
    handling_code: str = "H2",
    sensitivity: str = "restricted",
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """Bulk-insert rows as one agency's records (the caller's transaction makes it all or nothing)."""
    records.validate_marking(handling_code, sensitivity)
    base = {
        "owner_agency_id": owner.id,
        "created_by_id": actor.id if actor else None,
        "batch": batch,
        "synthetic": synthetic,
        "handling_code": handling_code,
        "sensitivity": sensitivity,
    }
    chunk: list[dict[str, Any]] = []
    written = 0
    for row in rows:
        chunk.append({**base, **{name: getattr(row, name) for name in FIELDS}})
        if len(chunk) >= CHUNK:
            written += _flush(session, chunk)
            if progress:
                progress(written, total or written)
    written += _flush(session, chunk)
    if progress:
        progress(written, total or written)
    return written


def _flush(session: Session, chunk: list[dict[str, Any]]) -> int:
    if chunk:
        session.execute(insert(Trace), chunk)
    n = len(chunk)
    chunk.clear()
    return n


def import_file(
    *,
    session: Session,
    actor: User,
    path: Path,
    partial: bool = False,
    handling_code: str = "H2",
    sensitivity: str = "restricted",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a trace file: whole, or with ``partial`` only its valid rows; errors always reported by line."""
    from bicentennial.firearms.importer import parse_traces

    _require_writer(actor)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    digest = file_sha256(path)
    if session.scalar(
        select(func.count()).select_from(Trace).where(Trace.owner_agency_id == actor.agency_id, Trace.batch == digest)
    ):
        return ImportReport(path.name, 0, False, duplicate_file=True)
    parsed = parse_traces(path)
    errors = [{"line": e.line, "column": e.column, "message": e.message} for e in parsed.errors]
    report = ImportReport(path.name, 0, False, errors, [list(d) for d in parsed.duplicates])
    if errors and not partial:
        return report  # nothing written; the caller shows every error and exits non-zero
    known = _existing_keys(session, actor.agency_id)
    fresh = [r for r in parsed.rows if (r.serial_normalized, r.manufacturer, r.recovery_date) not in known]
    report.already_stored = len(parsed.rows) - len(fresh)
    report.imported = store_rows(
        session=session,
        actor=actor,
        owner=actor.agency,
        rows=fresh,
        batch=digest,
        handling_code=handling_code,
        sensitivity=sensitivity,
        progress=progress,
        total=len(fresh),
    )
    report.written = True
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor),
            target=f"trace_batch:{digest[:16]}",
            owner=actor.agency.code,
            fields={"file": path.name, "rows": report.imported},
        ),
    )
    return report


def _existing_keys(session: Session, agency_id: int) -> set[tuple[str, str, Any]]:
    query = select(Trace.serial_normalized, Trace.manufacturer, Trace.recovery_date).where(
        Trace.owner_agency_id == agency_id, Trace.serial_normalized != ""
    )
    return {tuple(r) for r in session.execute(query)}  # type: ignore[misc]


def visible_rows(*, session: Session, actor: User, purpose: str) -> list[TraceRow]:
    """Every trace the actor may see, as plain rows; other agencies' records are audited per owner."""
    columns = [getattr(Trace, name) for name in FIELDS]
    query = select(Trace.owner_agency_id, *columns).where(records.visible_clause(actor, Trace))
    rows, owners = [], Counter[int]()
    for owner_id, *values in session.execute(query):
        rows.append(TraceRow(0, *values))  # FIELDS follow TraceRow's own field order
        if owner_id != actor.agency_id:
            owners[owner_id] += 1
    for agency in session.scalars(select(Agency).where(Agency.id.in_(owners))):
        audit.record(
            session,
            events.RecordsAnalysed(
                **events.by(actor),
                owner=agency.code,
                record_type="trace",
                count=owners[agency.id],
                purpose=purpose,
                cross_border=agency.country != actor.agency.country,
            ),
        )
    return rows


def synthetic_count(*, session: Session, actor: User) -> int:
    query = select(func.count()).select_from(Trace).where(records.visible_clause(actor, Trace), Trace.synthetic)
    return session.scalar(query) or 0


def list_traces(
    *,
    session: Session,
    actor: User,
    state: str | None = None,
    serial: str | None = None,
    purchaser: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Trace]]:
    query = select(Trace).where(records.visible_clause(actor, Trace))
    if state:
        query = query.where(Trace.recovery_state == state)
    if serial:
        query = query.where(Trace.serial_normalized == serial.strip().upper().replace("-", "").replace(" ", ""))
    if purchaser:
        query = query.where(Trace.purchaser_id == purchaser)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(
        session.scalars(query.order_by(Trace.recovery_date.desc(), Trace.id.desc()).limit(limit).offset(offset))
    )
    records.note_reads(session, actor, [(t, records.via_for_visible(actor, t)) for t in found])
    return total, found


def get_trace(*, session: Session, actor: User, trace_id: int) -> Trace:
    return records.read(session, actor, Trace, trace_id)


def gun_history(*, session: Session, actor: User, trace: Trace) -> list[Trace]:
    """Every visible trace of the same gun (same normalised serial and maker)."""
    if not trace.serial_normalized or trace.serial_obliterated:
        return [trace]
    query = (
        select(Trace)
        .where(
            records.visible_clause(actor, Trace),
            Trace.serial_normalized == trace.serial_normalized,
            Trace.manufacturer == trace.manufacturer,
        )
        .order_by(Trace.recovery_date)
    )
    found = list(session.scalars(query))
    records.note_reads(session, actor, [(t, records.via_for_visible(actor, t)) for t in found if t.id != trace.id])
    return found


def load_demo(*, session: Session, owner: Agency, count: int, seed: int = 1) -> int:
    """Synthetic traces with planted straw-purchase rings, owned by ``owner`` and marked synthetic."""
    from bicentennial.firearms.demo import generate_traces

    if session.scalar(select(func.count()).select_from(Trace).where(Trace.synthetic.is_(True))):
        return 0
    rows, _rings = generate_traces(count, seed=seed)
    written = store_rows(session=session, actor=None, owner=owner, rows=rows, batch="synthetic", synthetic=True)
    audit.record(
        session,
        events.RecordCreated(
            target="trace:synthetic", owner=owner.code, fields={"synthetic_traces": written, "seed": seed}
        ),
    )
    return written


def dealer_names(*, session: Session, actor: User, limit: int = 5000) -> list[tuple[str, str]]:
    """Distinct (FFL, dealer name) of the traces the actor may see: parties other pillars screen."""
    query = (
        select(Trace.dealer_ffl, Trace.dealer_name)
        .where(records.visible_clause(actor, Trace), Trace.dealer_name != "")
        .distinct()
        .limit(limit)
    )
    return [(ffl, name) for ffl, name in session.execute(query)]
