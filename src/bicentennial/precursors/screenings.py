"""Stored screenings: a manifest screened once, kept with its file hash, list version and date.

Each row is stored as data (verdict, substance, lists, the reasons' rule codes and parameters,
and the row's recognised fields), so the table reads in English or Spanish later and exports
the same as when it was screened. Screenings are records of the uploading agency.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
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
from bicentennial.core.uploads import file_sha256
from bicentennial.precursors import lists
from bicentennial.precursors.batch import ScreenedRow, Summary, screen_rows
from bicentennial.precursors.manifest import open_manifest
from bicentennial.precursors.manifest_flags import flag_rows
from bicentennial.precursors.models import ManifestScreening
from bicentennial.precursors.reasons import Reason
from bicentennial.precursors.screening import Screener
from bicentennial.precursors.suspicious import Order

MAX_STORED_ROWS = 250_000
VERDICTS = ("controlled", "review", "clear", "error")
SORTS = ("row", "verdict", "substance", "score")


def _stored(item: ScreenedRow) -> dict[str, Any]:
    v = item.verdict
    return {
        "row": item.row,
        "line": item.source.line,
        "verdict": v.verdict,
        "substance": v.substance,
        "lists": list(v.lists),
        "score": v.score,
        "conflict": v.conflict,
        "relation": v.relation,
        "others": list(v.others),
        "reasons": [[r.rule, r.field, dict(r.params)] for r in v.reasons],
        "fields": item.source.fields,
    }


def screen_file(
    *,
    session: Session,
    actor: User,
    path: Path,
    file_name: str,
    as_of: date | None = None,
    workers: int = 0,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ManifestScreening:
    """Screen a manifest against the lists in force on ``as_of`` (imported national lists included) and store it."""
    policy.require(actor, "records.write")
    day = as_of or date.today()
    registry = lists.registry(session=session, as_of=day)
    manifest = open_manifest(path, display_name=file_name)
    summary = Summary()
    stored: list[dict[str, Any]] = []
    for item in screen_rows(
        manifest.rows,
        Screener(registry, as_of=day),
        workers=workers,
        scheduler=scheduler,
        summary=summary,
        progress=progress,
    ):
        if item.row > MAX_STORED_ROWS:
            raise InvalidInput(
                f"{file_name}: more than {MAX_STORED_ROWS:,} rows; "
                "screen it with the CLI (bicentennial precursors screen)"
            )
        stored.append(_stored(item))
    if not stored:
        raise InvalidInput(f"{file_name}: no data rows under the header")
    flags = flag_rows(stored, registry=registry, history=_history(session, actor, stored))
    for row in stored:
        row["flags"] = flags.get(str(row["row"]), [])
    lines = [json.dumps(row, ensure_ascii=False, default=str).encode() for row in stored]
    columns = {field: manifest.headers[index] for field, index in manifest.columns.items()}
    record = ManifestScreening(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        file_name=file_name[:255],
        sha256=file_sha256(path),
        as_of=day,
        registry_version=f"{registry.label} {registry.version}"[:64],
        rows=summary.rows,
        summary=summary.as_dict() | {"flagged": _suspicious(flags)},
        columns=columns,
        payload=gzip.compress(b"\n".join(lines), compresslevel=6),
    )
    session.add(record)
    session.flush()
    fields = {"file": record.file_name, "sha256": record.sha256, "rows": record.rows, "as_of": day.isoformat()}
    audit.record(
        session, events.RecordCreated(**events.by(actor), target=record.ref, owner=actor.agency.code, fields=fields)
    )
    return record


SUSPICIOUS_SCORE = 0.5  # below it a flag is a note (e.g. a first order from a new importer), not a warning


def _suspicious(flags: dict[str, list[dict[str, Any]]]) -> int:
    return sum(1 for found in flags.values() if any(f["score"] >= SUSPICIOUS_SCORE for f in found))


def _history(session: Session, actor: User, rows: list[dict[str, Any]]) -> list[Order]:
    """Earlier pre-export notifications of the manifest's substances that the actor may see."""
    from bicentennial.precursors.notification_queries import NotificationFilter, all_visible, as_order

    wanted = {r["substance"] for r in rows if r["substance"] and r["fields"].get("importer")}
    if not wanted:
        return []
    found = [
        n
        for n in all_visible(session=session, actor=actor, where=NotificationFilter())
        if n.substance_id in wanted and n.submitted_at
    ]
    return [replace(as_order(n), ref=f"notification {n.id}") for n in found]


def get_screening(*, session: Session, actor: User, screening_id: int) -> ManifestScreening:
    return records.read(session, actor, ManifestScreening, screening_id)


def list_screenings(*, session: Session, actor: User, limit: int = 50) -> list[ManifestScreening]:
    query = select(ManifestScreening).where(records.visible_clause(actor, ManifestScreening))
    found = list(session.scalars(query.order_by(ManifestScreening.id.desc()).limit(limit)))
    records.note_reads(session, actor, [(s, records.via_for_visible(actor, s)) for s in found])
    return found


def stored_rows(screening: ManifestScreening) -> Iterator[dict[str, Any]]:
    for line in gzip.decompress(screening.payload).splitlines():
        yield json.loads(line)


def reasons_of(row: dict[str, Any]) -> list[Reason]:
    return [Reason(rule, field, tuple(params.items())) for rule, field, params in row["reasons"]]


def select_rows(
    screening: ManifestScreening,
    *,
    verdict: str | None = None,
    q: str | None = None,
    sort: str = "row",
    descending: bool = False,
) -> list[dict[str, Any]]:
    """Rows filtered by verdict and free text (substance, list or any field), sorted by one column."""
    if verdict and verdict not in VERDICTS:
        raise InvalidInput(f"verdict: {verdict!r} is not one of {', '.join(VERDICTS)}")
    if sort not in SORTS:
        raise InvalidInput(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
    needle = (q or "").strip().casefold()
    rows = [
        r
        for r in stored_rows(screening)
        if (not verdict or r["verdict"] == verdict)
        and (
            not needle or needle in json.dumps([r["substance"], r["lists"], r["fields"]], ensure_ascii=False).casefold()
        )
    ]
    order = {
        "verdict": lambda r: VERDICTS.index(r["verdict"]),
        "substance": lambda r: r["substance"] or "~",
        "score": lambda r: r["score"] or 0.0,
    }
    if sort != "row":
        rows.sort(key=order[sort], reverse=descending)
    elif descending:
        rows.reverse()
    return rows


def export_rows(
    *, session: Session, actor: User, screening_id: int, fmt: str, lang_text: Callable[[dict[str, Any]], dict[str, Any]]
) -> tuple[ManifestScreening, list[dict[str, Any]]]:
    screening = get_screening(session=session, actor=actor, screening_id=screening_id)
    if not records.may_share_onward(session, actor, screening):
        raise PermissionDenied(N_("The owning agency has not allowed this record to be shared onward."))
    rows = [lang_text(r) for r in stored_rows(screening)]
    audit.record(
        session,
        events.RecordsExported(
            **events.by(actor), record_type=ManifestScreening.RECORD_TYPE, count=len(rows), format=fmt
        ),
    )
    return screening, rows
