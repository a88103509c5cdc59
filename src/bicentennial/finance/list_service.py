"""Designation lists in the database: import (all or nothing, audited), the versions in use, loading.

The latest import of each list name is the one screenings use; older versions stay for the record
(a screening names the versions it ran against).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import InvalidInput
from bicentennial.finance.list_model import ListEntity, ListFile
from bicentennial.finance.list_store import dump_entities, load_entities
from bicentennial.finance.lists import read_csv_list, read_ftm, read_ofac_sdn
from bicentennial.finance.models import SanctionsList

FORMATS = ("ofac-sdn", "ftm", "csv")
DEFAULT_NAMES = {"ofac-sdn": "OFAC SDN", "ftm": "OpenSanctions"}
MAX_PROBLEMS_KEPT = 500


def read_list_file(path: Path, fmt: str, name: str | None) -> ListFile:
    if fmt not in FORMATS:
        raise InvalidInput(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "ofac-sdn":
        return read_ofac_sdn(path)
    if fmt == "ftm":
        return read_ftm(path)
    if not name:
        raise InvalidInput("name: a national CSV list needs a name (e.g. 'MX UIF personas bloqueadas')")
    return read_csv_list(path, name=name)


def import_list(*, session: Session, actor: User, path: Path, fmt: str, name: str | None = None) -> SanctionsList:
    policy.require(actor, "finance.lists.import")
    parsed = read_list_file(path, fmt, name)
    if not parsed.entities:
        raise InvalidInput(f"{path.name}: the list has no entities")
    list_name = (name or DEFAULT_NAMES.get(fmt) or path.stem).strip()[:120]
    record = SanctionsList(
        name=list_name,
        format=fmt,
        version=parsed.version,
        published=parsed.published,
        file_name=path.name[:255],
        entities=len(parsed.entities),
        names=sum(len(e.names()) for e in parsed.entities),
        problems=list(parsed.problems[:MAX_PROBLEMS_KEPT]),
        payload=dump_entities(parsed.entities),
        imported_by_id=actor.id,
        agency_id=actor.agency_id,
    )
    session.add(record)
    session.flush()
    fields = {
        "name": list_name,
        "format": fmt,
        "version": parsed.version,
        "entities": record.entities,
        "problems": len(parsed.problems),
    }
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor), target=f"sanctions_list:{record.id}", owner=actor.agency.code, fields=fields
        ),
    )
    return record


def active_lists(*, session: Session) -> list[SanctionsList]:
    """The latest version of each list name."""
    latest: dict[str, SanctionsList] = {}
    for record in session.scalars(select(SanctionsList).order_by(SanctionsList.id)):
        latest[record.name] = record
    return sorted(latest.values(), key=lambda r: r.name)


_LOADED: dict[tuple[int, str], tuple[ListEntity, ...]] = {}


def entities_of(record: SanctionsList) -> tuple[ListEntity, ...]:
    """The list's entities, decoded once per process and version."""
    key = (record.id, record.version)
    if key not in _LOADED:
        if len(_LOADED) >= 8:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = load_entities(record.payload)
    return _LOADED[key]


def describe(*, session: Session) -> list[dict[str, Any]]:
    active = {r.id for r in active_lists(session=session)}
    rows = session.scalars(select(SanctionsList).order_by(SanctionsList.name, SanctionsList.id.desc()))
    return [
        {
            "id": r.id,
            "name": r.name,
            "format": r.format,
            "version": r.version,
            "published": r.published.isoformat() if r.published else "",
            "entities": r.entities,
            "names": r.names,
            "problems": len(r.problems),
            "imported": r.imported_at.strftime("%Y-%m-%d %H:%M"),
            "in_use": r.id in active,
        }
        for r in rows
    ]


BUNDLED_NAME = "OFAC SDN"


def load_bundled(*, session: Session, agency_id: int) -> SanctionsList | None:
    """The bundled 2021 SDN snapshot, imported once when no list is there yet (``bicentennial setup``)."""
    import gzip
    import tempfile
    from importlib import resources

    if session.scalar(select(SanctionsList.id).limit(1)) is not None:
        return None
    folder = resources.files("bicentennial.finance").joinpath("data", "ofac_sdn_2021")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("sdn", "alt", "add", "sdn_comments"):
            (Path(tmp) / f"{name}.csv").write_bytes(gzip.decompress(folder.joinpath(f"{name}.csv.gz").read_bytes()))
        parsed = read_ofac_sdn(Path(tmp))
    record = SanctionsList(
        name=BUNDLED_NAME,
        format="ofac-sdn",
        version=parsed.version,
        published=parsed.published,
        file_name="bundled 2021 snapshot (not current)",
        entities=len(parsed.entities),
        names=sum(len(e.names()) for e in parsed.entities),
        problems=list(parsed.problems[:MAX_PROBLEMS_KEPT]),
        payload=dump_entities(parsed.entities),
        agency_id=agency_id,
    )
    session.add(record)
    session.flush()
    return record
