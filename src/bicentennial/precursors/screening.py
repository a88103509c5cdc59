"""The screening engine: one verdict per manifest row, explained rule by rule.

Each identifying field (CAS, name, structure, InChIKey) is read on its own; their answers are then
combined. Fields that agree confirm each other; fields that point to different substances are a
*conflict*, flagged and never silently resolved (the strictest reading wins the verdict). The HS
code only supports or questions an identification, and alone can at most send a row to review.

Verdicts: ``controlled`` (with every list in force on the screening date), ``review`` (a possible
designer precursor, a misspelt name, a substance only on a reported list, an HS code alone),
``clear``, or ``error`` (a malformed field or row; what the other fields showed is still reported).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors import chemistry
from bicentennial.precursors.identify import CasIndex, Hit, NameIndex
from bicentennial.precursors.reasons import Reason, reason
from bicentennial.precursors.registry import Registry, Substance
from bicentennial.precursors.verdicts import Verdict, decide

STRUCTURE_FIELDS = ("smiles", "inchi", "inchikey", "molfile")
IDENTITY_FIELDS = ("cas", "name", *STRUCTURE_FIELDS)
_CACHE_SIZE = 200_000


class Screener:
    """Screens rows against one registry as of one date. Picklable: shipped once to each worker."""

    def __init__(self, registry: Registry, *, as_of: date | None = None) -> None:
        self.registry = registry
        self.as_of = as_of or date.today()
        self.substances = registry.by_id
        self.cas = CasIndex(registry)
        self.names = NameIndex(registry)
        self.structures = chemistry.StructureIndex((s.id, s.smiles) for s in registry.substances)
        self.known_smiles = {s.smiles: s.id for s in registry.substances}
        self._cache: OrderedDict[tuple[str | None, ...], Verdict] = OrderedDict()

    def __reduce__(self) -> tuple[Any, ...]:
        # Shipped with every chunk to a worker: only the registry travels, and the worker keeps one
        # screener per list version and date, so its caches outlive the chunk.
        return (_restore, (self.registry, self.as_of))

    def screen(self, fields: Mapping[str, str], problem: str | None = None) -> Verdict:
        get = fields.get
        key: tuple[str | None, ...] = (problem, get("hs_code"), get("cas"), get("name"))
        key += (get("smiles"), get("inchi"), get("inchikey"), get("molfile"))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._screen(fields, problem)
            self._cache[key] = cached
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return cached

    def _screen(self, fields: Mapping[str, str], problem: str | None) -> Verdict:
        errors: list[Reason] = [reason("row-shape", "row", problem=problem)] if problem else []
        if not any(fields.get(f) for f in IDENTITY_FIELDS):
            if fields.get("hs_code") and not errors:
                return self._hs_only(fields["hs_code"])
            return Verdict("error", None, (), (*errors, reason("empty-row", "row")), None)
        hits = self._hits(fields, errors)
        return decide(self, hits, errors, fields.get("hs_code", ""))

    def _hits(self, fields: Mapping[str, str], errors: list[Reason]) -> list[Hit]:
        hits: list[Hit] = []
        if fields.get("cas"):
            try:
                hits.append(self.cas.identify(fields["cas"]))
            except InvalidInput as exc:
                errors.append(reason("cas-invalid", "cas", error=exc.message))
        if fields.get("name"):
            hits.append(self.names.identify(fields["name"]))
        settled = {sid for hit in hits if not hit.weak for sid in hit.ids}
        for field in STRUCTURE_FIELDS:
            if text := fields.get(field):
                if field == "smiles" and self.known_smiles.get(text.strip()) in settled:
                    continue  # the listed SMILES of a substance the CAS or name already found: nothing to learn
                hit = self._structure(field, text, errors)
                if hit is not None:
                    hits.append(hit)
        return hits

    def _structure(self, field: str, text: str, errors: list[Reason]) -> Hit | None:
        try:
            structure = _parse(text, None if field == "smiles" else field)
        except InvalidInput as exc:
            errors.append(
                reason(
                    "structure-invalid",
                    field,
                    what=field.upper() if field != "inchikey" else "InChIKey",
                    error=exc.message,
                )
            )
            return None
        ids = frozenset(self.structures.exact(structure))
        if not ids:
            return Hit(
                field, ids, (reason("structure-unlisted", field, kind=structure.kind),), 0.0, structure=structure
            )
        why = [
            reason(
                "structure-exact",
                field,
                kind=structure.kind,
                key=structure.connectivity,
                substance=", ".join(sorted(ids)),
            )
        ]
        if structure.removed or structure.has_stereo:
            removed = " ".join(structure.removed) or "—"
            why.append(reason("structure-parent", field, removed=removed, substance=", ".join(sorted(ids))))
        return Hit(field, ids, tuple(why), structure=structure)

    def _hs_only(self, hs: str) -> Verdict:
        digits = _hs_digits(hs)
        for substance in self.registry.substances:
            if substance.hs_specific and _hs_digits(substance.hs_code) == digits:
                why = reason("hs-only", "hs_code", hs=hs, substance=substance.id)
                return Verdict("review", substance.id, (), (why,), 0.5, relation="hs")
        return Verdict("clear", None, (), (reason("no-match", "row"),), None)

    def lists_of(self, substance: Substance, only: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(binding lists, reported lists) of ``substance`` in force on the screening date."""
        binding: list[str] = []
        reported: list[str] = []
        for item in substance.listings_on(self.as_of):
            if only and item.jurisdiction not in only:
                continue
            (binding if item.binding else reported).append(item.code)
        return tuple(binding), tuple(reported)


def _parse(text: str, kind: str | None) -> chemistry.Structure:
    return _parse_cached(text.strip(), kind)


def _hs_digits(hs: str) -> str:
    return "".join(c for c in hs if c.isdigit())[:6]


_parse_cached = lru_cache(maxsize=65536)(chemistry.parse_structure)


_SCREENERS: OrderedDict[tuple[str, str, date], Screener] = OrderedDict()


def _restore(registry: Registry, as_of: date) -> Screener:
    key = (registry.label, registry.version, as_of)
    screener = _SCREENERS.get(key)
    if screener is None:
        screener = _SCREENERS[key] = Screener(registry, as_of=as_of)
        while len(_SCREENERS) > 4:
            _SCREENERS.popitem(last=False)
    return screener
