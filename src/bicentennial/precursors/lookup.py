"""One free-text query (name, CAS, SMILES, InChI or InChIKey), read as the field it most likely is.

A short all-letter query is ambiguous ("NPP" is a name, "CCO" a SMILES): it is read as a name
first, and as a structure only when no name matches and it parses.
"""

from __future__ import annotations

import re

from bicentennial.precursors.screening import Screener
from bicentennial.precursors.verdicts import Verdict

_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_SMILES_MARKS = re.compile(r"[=#@\[\]()]|\d")


def lookup_fields(query: str) -> dict[str, str]:
    text = query.strip()
    if _CAS.match(text):
        return {"cas": text}
    if _INCHIKEY.match(text):
        return {"inchikey": text}
    if text.startswith("InChI="):
        return {"inchi": text}
    if " " not in text and _SMILES_MARKS.search(text) and not re.search(r"[a-z]{3,}", text):
        return {"smiles": text}
    return {"name": text}


def lookup(screener: Screener, query: str) -> Verdict:
    fields = lookup_fields(query)
    verdict = screener.screen(fields)
    if "name" in fields and verdict.substance is None and " " not in query.strip():
        as_structure = screener.screen({"smiles": query.strip()})
        if as_structure.verdict != "error":
            return as_structure
    return verdict
