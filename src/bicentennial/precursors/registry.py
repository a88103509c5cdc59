"""The registry of controlled chemicals: the bundled reference list, typed and indexed.

``data/controlled.csv`` (see ``data/SOURCES.md`` for every source and its confidence) becomes one
:class:`Substance` per row, with its dated listings, names in English and Spanish, synonyms,
CAS numbers of its salts and derivatives, HS code and thresholds. A national list in the same
CSV layout can be laid over it (:func:`overlay`): its lists then replace the bundled
memberships of the same list codes, which is how a new Mexican or US listing reaches the
screener before the bundled file is updated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import resources

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.cas import CasError, parse_cas
from bicentennial.precursors.listings import Listing, listings_of

REQUIRED_COLUMNS = ("id", "preferred_name_en", "name_es", "synonyms", "cas", "smiles", "lists")
# What a derivative label in ``cas_related`` says about its relation to the listed parent.
_RELATIONS = (("ester", "ester"), ("isomer", "isomer"), ("(-)", "isomer"), ("(+)", "isomer"))
# Listings that extend to derivatives beyond salts and isomers, as the status text words them.
_COVERAGE_WORDS = ("esters", "acetals", "amides", "carbamates", "halides")
_HS = re.compile(r"\d{4}\.?\d{2}")


@dataclass(frozen=True)
class Derivative:
    cas: str
    label: str  # "HCl", "methyl anthranilate", ...
    relation: str  # "salt" | "isomer" | "ester"
    jurisdictions: tuple[str, ...] = ()  # non-empty: only these countries' listings cover it


@dataclass(frozen=True)
class Substance:
    id: str
    name_en: str
    name_es: str
    synonyms: tuple[str, ...]
    cas: str | None
    smiles: str
    formula: str
    inchikey: str
    listings: tuple[Listing, ...]
    derivatives: tuple[Derivative, ...] = ()
    covers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # jurisdiction -> extra derivative kinds
    hs_code: str = ""
    hs_specific: bool = False  # the HS subheading names this chemical (not a residual "other" heading)
    us_threshold: str = ""
    threshold_kg: float | None = None  # import/export threshold, when the reference gives one in kg or g
    drug: str = ""
    notes: str = ""
    statuses: Mapping[str, str] = field(default_factory=dict)  # jurisdiction -> status text from the sources
    source: str = "bundled"

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" and self.name_es else self.name_en

    def listings_on(self, on: date | None) -> tuple[Listing, ...]:
        return tuple(item for item in self.listings if item.in_force(on))


@dataclass(frozen=True)
class Registry:
    substances: tuple[Substance, ...]
    version: str  # short SHA-256 of the source files
    label: str

    @property
    def by_id(self) -> dict[str, Substance]:
        return {s.id: s for s in self.substances}

    def get(self, substance_id: str) -> Substance | None:
        return self.by_id.get(substance_id)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _derivatives(text: str, row_label: str) -> tuple[Derivative, ...]:
    out = []
    for part in _split(text):
        found = re.search(r"\b\d{2,7}-\d{2}-\d\b", part)
        if not found:
            continue
        try:
            cas = parse_cas(found.group())
        except CasError:
            continue  # the reference marks such numbers "(CAS unverified)"; a failed check is not usable
        label = part[: found.start()].strip()
        lower = part.lower()
        relation = next((rel for word, rel in _RELATIONS if word in lower), "salt")
        only = ("US",) if "us list" in lower else ()
        out.append(Derivative(cas, label or row_label, relation, only))
    return tuple(out)


def _coverage(row: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    us_text = (row.get("us_status", "") + " " + row.get("salts_isomers_note", "")).lower()
    kinds = tuple(word[:-1] for word in _COVERAGE_WORDS if word in us_text and "us" in us_text)
    return {"US": kinds} if kinds else {}


def _threshold_kg(text: str) -> float | None:
    """The import/export (else the only) threshold in kg; None when the sources give none."""
    text = text.replace(",", "")
    if text.startswith(("0 -", "no threshold")):
        return 0.0
    found = re.findall(r"(\d+(?:\.\d+)?)\s*(kg|g)\b", text)
    if not found:
        return None
    value, unit = found[-1]
    return float(value) / (1000 if unit == "g" else 1)


def substance_from_row(row: Mapping[str, str], *, where: str, source: str = "bundled") -> Substance:
    missing = [c for c in REQUIRED_COLUMNS if not (row.get(c) or "").strip() and c not in ("cas", "synonyms")]
    if missing:
        raise InvalidInput(f"{where}: field {missing[0]!r} is empty")
    cas = (row.get("cas") or "").strip()
    try:
        cas = parse_cas(cas) if cas else ""
    except CasError as exc:
        raise InvalidInput(f"{where}: field 'cas': {exc.message}") from None
    hs = _HS.search(row.get("hs_code", "") or "")
    return Substance(
        id=row["id"].strip(),
        name_en=row["preferred_name_en"].strip(),
        name_es=row["name_es"].strip(),
        synonyms=_split(row.get("synonyms", "")),
        cas=cas or None,
        smiles=row["smiles"].strip(),
        formula=(row.get("formula") or "").strip(),
        inchikey=(row.get("inchikey") or "").strip(),
        listings=listings_of(
            row["lists"], row.get("un_status", ""), row.get("us_status", ""), row.get("mx_status", "")
        ),
        derivatives=_derivatives(row.get("cas_related", "") or "", row["preferred_name_en"].strip()),
        covers=_coverage(row),
        hs_code=hs.group() if hs else "",
        hs_specific="specific" in (row.get("hs_note", "") or "") or "new subheading" in (row.get("hs_note", "") or ""),
        us_threshold=(row.get("us_threshold") or "").strip(),
        threshold_kg=_threshold_kg(row.get("us_threshold", "") or ""),
        drug=(row.get("drug") or "").strip(),
        notes=(row.get("salts_isomers_note") or "").strip(),
        statuses={k: (row.get(f"{k.lower()}_status") or "").strip() for k in ("UN", "US", "MX")},
        source=source,
    )


def read_list(text: str, *, file_name: str, source: str) -> tuple[Substance, ...]:
    """Substances of a list file in the reference CSV layout; errors name the file, line and field."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    absent = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if absent:
        raise InvalidInput(f"{file_name}: column {absent[0]!r} is missing (expected the controlled.csv layout)")
    substances, seen = [], set()
    for line, row in enumerate(reader, start=2):
        substance = substance_from_row(row, where=f"{file_name}, line {line}", source=source)
        if substance.id in seen:
            raise InvalidInput(f"{file_name}, line {line}: field 'id': {substance.id!r} appears twice")
        seen.add(substance.id)
        substances.append(substance)
    if not substances:
        raise InvalidInput(f"{file_name}: no substances")
    return tuple(substances)


def _digest(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
    return digest.hexdigest()[:12]


@cache
def bundled() -> Registry:
    """The reference list shipped with the package."""
    text = resources.files("bicentennial.precursors").joinpath("data", "controlled.csv").read_text("utf-8")
    substances = read_list(text, file_name="controlled.csv", source="bundled")
    return Registry(substances, _digest(text), "bundled")


def overlay(base: Registry, lists: Iterable[tuple[str, str, tuple[Substance, ...]]]) -> Registry:
    """``base`` with national lists laid over it: each ``(name, version, substances)``.

    For the list codes an overlay uses, its memberships replace the base's. Its substances join
    base substances with the same CAS (else the same id); others are added under their own id.
    """
    by_id = {s.id: s for s in base.substances}
    by_cas = {s.cas: s.id for s in base.substances if s.cas}
    versions = [base.version]
    for name, version, substances in lists:
        versions.append(version)
        codes = {item.code for s in substances for item in s.listings}
        for sid, current in list(by_id.items()):
            kept = tuple(item for item in current.listings if item.code not in codes)
            by_id[sid] = replace(current, listings=kept)
        for incoming in substances:
            target = by_cas.get(incoming.cas or "") or (incoming.id if incoming.id in by_id else None)
            if target:
                current = by_id[target]
                by_id[target] = replace(current, listings=current.listings + incoming.listings)
            else:
                by_id[incoming.id] = replace(incoming, source=name)
    label = " + ".join([base.label, *(name for name, _, _ in lists)])
    return Registry(tuple(by_id.values()), _digest(*versions), label)
