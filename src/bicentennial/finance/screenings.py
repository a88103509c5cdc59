"""Customer and counterpart files screened against the lists: streamed, in parallel, stored.

Headers in English or Spanish (``name``/``nombre``/``razon social``, ``dob``/``fecha_nacimiento``,
``curp``, ``rfc``, ``country``/``pais``, ``kind``/``tipo``). A row with an unreadable date or no
name is reported as that row's error; the rest of the file is still screened.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput, PermissionDenied
from bicentennial.core.i18n import N_
from bicentennial.core.jobs import stream_with
from bicentennial.core.tables import TableRow, chunks, open_table
from bicentennial.core.uploads import file_sha256
from bicentennial.finance import service
from bicentennial.finance.models import NameScreening
from bicentennial.finance.partial_dates import parse_partial_date
from bicentennial.finance.screener import Party, Result, Screener

HEADERS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "nombre",
        "fullname",
        "nombrecompleto",
        "razonsocial",
        "cliente",
        "customer",
        "party",
        "beneficiario",
    ),
    "dob": ("dob", "dateofbirth", "birthdate", "fechanacimiento", "fechadenacimiento", "fnac"),
    "curp": ("curp",),
    "rfc": ("rfc", "taxid", "rfcconhomoclave"),
    "country": ("country", "pais", "nationality", "nacionalidad"),
    "kind": ("kind", "type", "tipo", "tipopersona", "personatype"),
    "reference": ("reference", "referencia", "id", "customerid", "numerocliente"),
}
_PERSON_WORDS = ("person", "persona", "fisica", "personafisica", "individual")
_COMPANY_WORDS = ("company", "empresa", "moral", "personamoral", "entity")
KINDS = dict.fromkeys(_PERSON_WORDS, "person") | dict.fromkeys(_COMPANY_WORDS, "company")
CHUNK_ROWS = 5000
MAX_STORED_ROWS = 500_000


@dataclass(frozen=True)
class Screened:
    row: int
    line: int
    fields: dict[str, str]
    result: Result | None  # None: the row could not be screened (see error)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        if self.result is None:
            return {"row": self.row, "decision": "error", "entity": None, "list": None, "name": None, "score": None,
                    "reasons": [self.error]}  # fmt: skip
        return self.result.as_json(self.row)


def party_of(row: TableRow) -> Party | str:
    """The row as a party, or the row's error message."""
    fields = row.fields
    if row.problem:
        return row.problem
    name = fields.get("name", "")
    if not name and not fields.get("curp") and not fields.get("rfc"):
        return f"line {row.line}: field 'name' is empty (and no CURP or RFC)"
    dob = None
    if text := fields.get("dob"):
        parsed = parse_partial_date(text)
        if parsed is None or not parsed.is_exact:
            return f"line {row.line}: field 'dob': {text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)"
        dob = parsed.earliest
    kind = KINDS.get("".join(ch for ch in fields.get("kind", "").lower() if ch.isalpha()))
    return Party(name, dob, fields.get("curp", ""), fields.get("rfc", ""), fields.get("country", ""), kind)


def _screen_chunk(screener: Screener, rows: list[tuple[int, TableRow]]) -> list[Screened]:
    out = []
    for position, row in rows:
        party = party_of(row)
        if isinstance(party, str):
            out.append(Screened(position, row.line, row.fields, None, party))
        else:
            out.append(Screened(position, row.line, row.fields, screener.screen(party)))
    return out


def screen_rows(
    rows: Iterator[TableRow],
    screener: Screener,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Screened]:
    numbered = ((i, row) for i, row in enumerate(rows, start=1))
    batches = chunks(numbered, CHUNK_ROWS)
    for batch in stream_with(_screen_chunk, screener, batches, workers=workers, scheduler=scheduler):
        yield from batch
        if progress:
            progress(len(batch))


def open_file(path: Path, display_name: str | None = None) -> Any:
    return open_table(
        path, HEADERS, required_any=("name", "curp", "rfc"), what="names the party", display_name=display_name
    )


def summary_of(counts: Counter[str], entities: Counter[str]) -> dict[str, Any]:
    return {k: counts.get(k, 0) for k in ("match", "possible", "no-match", "error")} | {
        "rows": sum(counts.values()), "entities": dict(entities.most_common(50))}  # fmt: skip


def screen_file(
    *, session: Session, actor: User, path: Path, file_name: str, workers: int = 0, scheduler: str | None = None
) -> NameScreening:
    policy.require(actor, "records.write")
    found = service.screener(session=session)
    if found is None:
        raise InvalidInput(N_("No sanctions list has been imported yet: import one first (finance lists import)."))
    counts: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    lines = []
    for item in screen_rows(open_file(path, file_name).rows, found, workers=workers, scheduler=scheduler):
        if item.row > MAX_STORED_ROWS:
            raise InvalidInput(f"{file_name}: more than {MAX_STORED_ROWS:,} rows; screen it with the CLI")
        body = item.as_json() | {"fields": item.fields}
        counts[body["decision"]] += 1
        if item.result and item.result.entity and item.result.decision != "no-match":
            entities[item.result.entity] += 1
        lines.append(json.dumps(body, ensure_ascii=False).encode())
    if not lines:
        raise InvalidInput(f"{file_name}: no data rows under the header")
    record = NameScreening(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        file_name=file_name[:255],
        sha256=file_sha256(path),
        lists=service.lists_in_use(session=session),
        rows=len(lines),
        summary=summary_of(counts, entities),
        payload=gzip.compress(b"\n".join(lines)),
    )
    session.add(record)
    session.flush()
    fields = {"file": record.file_name, "sha256": record.sha256, "rows": record.rows, "lists": record.lists}
    audit.record(
        session, events.RecordCreated(**events.by(actor), target=record.ref, owner=actor.agency.code, fields=fields)
    )
    return record


def get_screening(*, session: Session, actor: User, screening_id: int) -> NameScreening:
    return records.read(session, actor, NameScreening, screening_id)


def list_screenings(*, session: Session, actor: User, limit: int = 50) -> list[NameScreening]:
    query = select(NameScreening).where(records.visible_clause(actor, NameScreening))
    found = list(session.scalars(query.order_by(NameScreening.id.desc()).limit(limit)))
    records.note_reads(session, actor, [(s, records.via_for_visible(actor, s)) for s in found])
    return found


def stored_rows(screening: NameScreening) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(screening.payload).splitlines()]


def export_rows(
    *, session: Session, actor: User, screening_id: int, fmt: str
) -> tuple[NameScreening, list[dict[str, Any]]]:
    screening = get_screening(session=session, actor=actor, screening_id=screening_id)
    if not records.may_share_onward(session, actor, screening):
        raise PermissionDenied(N_("The owning agency has not allowed this record to be shared onward."))
    rows = stored_rows(screening)
    audit.record(
        session,
        events.RecordsExported(**events.by(actor), record_type=NameScreening.RECORD_TYPE, count=len(rows), format=fmt),
    )
    return screening, rows
