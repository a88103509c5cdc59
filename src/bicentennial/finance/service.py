"""The finance pillar's service API: screening against the lists in use, for this pillar and others.

Other pillars (firearms dealers, precursor exporters and importers, request subjects) call
:func:`screen_names` to show hits on their own pages; they never touch the index directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from bicentennial.finance import list_service
from bicentennial.finance.screener import Party, Result, Screener

_SCREENERS: dict[tuple[tuple[str, str], ...], Screener] = {}


def screener(*, session: Session) -> Screener | None:
    """A screener over the lists in use (the latest version of each), built once per set of versions."""
    lists = list_service.active_lists(session=session)
    if not lists:
        return None
    key = tuple((r.name, r.version) for r in lists)
    found = _SCREENERS.get(key)
    if found is None:
        entities = [e for r in lists for e in list_service.entities_of(r)]
        names = {e.list: r.name for r in lists for e in list_service.entities_of(r)[:1]}
        _SCREENERS.clear()  # one set of lists is in use at a time
        found = _SCREENERS[key] = Screener(entities, list_names=names)
    return found


def lists_in_use(*, session: Session) -> list[str]:
    return [f"{r.name} {r.version}" for r in list_service.active_lists(session=session)]


def screen_party(
    *,
    session: Session,
    name: str,
    dob: date | None = None,
    curp: str = "",
    rfc: str = "",
    country: str = "",
    kind: str | None = None,
) -> Result | None:
    """None when no list has been imported yet."""
    found = screener(session=session)
    if found is None:
        return None
    return found.screen(Party(name, dob, curp, rfc, country, kind))


def screen_names(*, session: Session, parties: Iterable[tuple[str, str, str | None]]) -> list[tuple[str, str, Result]]:
    """``(label, name, kind)`` of platform parties -> those whose screening is a match or possible."""
    found = screener(session=session)
    if found is None:
        return []
    hits = []
    for label, name, kind in parties:
        if name and name.strip():
            result = found.screen(Party(name, kind=kind))
            if result.decision != "no-match":
                hits.append((label, name, result))
    return hits
