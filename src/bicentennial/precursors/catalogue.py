"""The registry as people browse it: a table of substances and a page per substance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from bicentennial.precursors.listings import JURISDICTION_LABELS, LISTS
from bicentennial.precursors.registry import Registry, Substance


def list_label(code: str, gettext: Callable[[str], str]) -> str:
    known = LISTS.get(code)
    return gettext(known[1]) if known else code


def substances_table(
    registry: Registry, *, lang: str, on: date, jurisdiction: str | None = None
) -> list[dict[str, Any]]:
    rows = []
    for s in registry.substances:
        in_force = s.listings_on(on)
        if jurisdiction and not any(item.jurisdiction == jurisdiction for item in in_force):
            continue
        rows.append(
            {
                "id": s.id,
                "name": s.name(lang),
                "other_name": s.name("en" if lang == "es" else "es"),
                "cas": s.cas or "",
                "lists": [item.code for item in in_force],
                "hs": s.hs_code,
                "drug": s.drug,
            }
        )
    return rows


@lru_cache(maxsize=256)
def structure_svg(smiles: str) -> str:
    from bicentennial.precursors.chemistry import draw_svg

    try:
        return draw_svg(smiles, width=360, height=260)
    except Exception:  # a drawing failure must not take the page down; the SMILES is shown anyway
        return ""


def substance_view(s: Substance, *, lang: str, gettext: Callable[[str], str]) -> dict[str, Any]:
    listings = [
        {
            "code": item.code,
            "label": list_label(item.code, gettext),
            "jurisdiction": gettext(JURISDICTION_LABELS.get(item.jurisdiction, item.jurisdiction)),
            "since": ""
            if item.since is None
            else (str(item.since.year) if item.precision == "year" else item.since.isoformat()),
            "until": "" if item.until is None else str(item.until.year),
            "binding": item.binding,
        }
        for item in s.listings
    ]
    return {
        "id": s.id,
        "name": s.name(lang),
        "name_en": s.name_en,
        "name_es": s.name_es,
        "synonyms": s.synonyms,
        "cas": s.cas or "",
        "formula": s.formula,
        "smiles": s.smiles,
        "inchikey": s.inchikey,
        "svg": structure_svg(s.smiles),
        "listings": listings,
        "derivatives": s.derivatives,
        "covers": {j: ", ".join(kinds) for j, kinds in s.covers.items()},
        "hs_code": s.hs_code,
        "us_threshold": s.us_threshold,
        "threshold_kg": s.threshold_kg,
        "drug": s.drug,
        "notes": s.notes,
        "statuses": s.statuses,
    }
