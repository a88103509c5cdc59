"""National lists imported by a regulator, laid over the bundled reference list by date.

Lists are law, not case records: every signed-in user reads them; importing one takes the
``precursors.lists.import`` permission and is audited. An import lands whole or not at all.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.models import ControlledList
from bicentennial.precursors.registry import Registry, bundled, overlay, read_list

MAX_BYTES = 5_000_000


def import_list(
    *, session: Session, actor: User, name: str, effective: date, file_name: str, raw: bytes
) -> ControlledList:
    policy.require(actor, "precursors.lists.import")
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("name: required, at most 120 characters")
    if len(raw) > MAX_BYTES:
        raise InvalidInput(f"{file_name}: larger than {MAX_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    substances = read_list(text, file_name=file_name, source=name)
    codes = sorted({item.code for s in substances for item in s.listings})
    if not codes:
        raise InvalidInput(f"{file_name}: no row names a list in its 'lists' column")
    record = ControlledList(
        name=name,
        effective=effective,
        file_name=file_name[:255],
        sha256=hashlib.sha256(raw).hexdigest(),
        substances=len(substances),
        list_codes=codes,
        content=text,
        imported_by_id=actor.id,
        agency_id=actor.agency_id,
    )
    session.add(record)
    session.flush()
    fields = {"name": name, "effective": effective.isoformat(), "sha256": record.sha256, "lists": codes}
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor), target=f"precursor_list:{record.id}", owner=actor.agency.code, fields=fields
        ),
    )
    return record


def imported(*, session: Session, as_of: date | None = None) -> list[ControlledList]:
    """The latest version of each imported list in force on ``as_of`` (default today), oldest first."""
    day = as_of or date.today()
    rows = session.scalars(
        select(ControlledList)
        .where(ControlledList.effective <= day)
        .order_by(ControlledList.effective, ControlledList.id)
    )
    latest: dict[str, ControlledList] = {}
    for row in rows:
        latest[row.name] = row
    return sorted(latest.values(), key=lambda r: (r.effective, r.id))


def registry(*, session: Session, as_of: date | None = None) -> Registry:
    """The bundled list with the imported lists in force on ``as_of`` laid over it."""
    layers = [
        (r.name, r.sha256[:12], read_list(r.content, file_name=r.file_name, source=r.name))
        for r in imported(session=session, as_of=as_of)
    ]
    return overlay(bundled(), layers) if layers else bundled()


def describe(*, session: Session) -> list[dict[str, Any]]:
    base = bundled()
    rows: list[dict[str, Any]] = [
        {
            "name": "bundled reference list",
            "effective": "",
            "substances": len(base.substances),
            "lists": "",
            "version": base.version,
            "file": "controlled.csv",
        }
    ]
    for r in session.scalars(select(ControlledList).order_by(ControlledList.effective, ControlledList.id)):
        rows.append(
            {
                "name": r.name,
                "effective": r.effective.isoformat(),
                "substances": r.substances,
                "lists": ", ".join(r.list_codes),
                "version": r.sha256[:12],
                "file": r.file_name,
            }
        )
    return rows
