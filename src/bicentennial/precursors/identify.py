"""Field by field identification: which listed substances a CAS number or a name points to.

Each identifier answers with a :class:`Hit` (the substance ids, how they were found, and the
reason in words); the screener combines the hits of a row's fields. Structures are identified by
:mod:`bicentennial.precursors.chemistry`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from bicentennial.precursors.cas import parse_cas
from bicentennial.precursors.names import (
    HYDRATE_WORDS,
    SALT_WORDS,
    STEREO_WORDS,
    STOP_WORDS,
    name_key,
    plain_key,
    tokens,
)
from bicentennial.precursors.reasons import Reason, reason
from bicentennial.precursors.registry import Derivative, Registry

# Name similarity (rapidfuzz ratio, 0–100) from which a misspelt name identifies a substance, and from
# which it only sends the row to review. Tuned on the bundled names: one typo in a name of eight or
# more letters scores ≥ 87; unrelated solvents ("butanol" vs "butanone") score ≤ 82.
FUZZY_IDENTIFY = 87.0
FUZZY_REVIEW = 80.0
FUZZY_MIN_LENGTH = 6
_NOISE = SALT_WORDS | HYDRATE_WORDS | STEREO_WORDS | STOP_WORDS


@dataclass(frozen=True, slots=True)
class Hit:
    field: str
    ids: frozenset[str]
    reasons: tuple[Reason, ...]
    score: float = 1.0
    only: tuple[str, ...] = ()  # non-empty: only these jurisdictions' listings cover what was declared
    weak: bool = False  # a possible match (review), not an identification
    structure: Any = None  # the parsed structure, for structure fields


def _ids(values: set[tuple[str, Derivative | None]]) -> frozenset[str]:
    return frozenset(sid for sid, _ in values)


class CasIndex:
    def __init__(self, registry: Registry) -> None:
        self.index: dict[str, tuple[str, Derivative | None]] = {}
        for substance in registry.substances:
            if substance.cas:
                self.index[substance.cas] = (substance.id, None)
            for derivative in substance.derivatives:
                self.index.setdefault(derivative.cas, (substance.id, derivative))

    def identify(self, text: str) -> Hit:
        """Raises :class:`~bicentennial.precursors.cas.CasError` for a malformed number."""
        cas = parse_cas(text)
        found = self.index.get(cas)
        if found is None:
            return Hit("cas", frozenset(), (reason("cas-unlisted", "cas", cas=cas),))
        sid, derivative = found
        if derivative is None:
            return Hit("cas", frozenset({sid}), (reason("cas-exact", "cas", cas=cas, substance=sid),))
        why = reason(
            "cas-derivative", "cas", cas=cas, label=derivative.label, substance=sid, relation=derivative.relation
        )
        return Hit("cas", frozenset({sid}), (why,), only=derivative.jurisdictions)


class NameIndex:
    """Names, Spanish names, synonyms and derivative labels of every substance, by key."""

    def __init__(self, registry: Registry) -> None:
        self.plain: dict[str, set[tuple[str, Derivative | None]]] = {}
        self.stripped: dict[str, set[tuple[str, Derivative | None]]] = {}
        self.display: dict[str, str] = {}
        for substance in registry.substances:
            names = [substance.name_en, substance.name_es, *substance.synonyms]
            if substance.formula and "C" not in substance.formula.replace("Cl", "") and len(substance.formula) > 1:
                names.append(_written_formula(substance.formula))  # "HCl", "KMnO4", "H2SO4" are written as names
            for name in names:
                self._add(name, substance.id, None)
            for derivative in substance.derivatives:
                if any(word not in _NOISE for word in tokens(derivative.label)):
                    self._add(derivative.label, substance.id, derivative)
        self.choices = sorted(k for k in self.stripped if len(k) >= FUZZY_MIN_LENGTH)

    def _add(self, name: str, sid: str, derivative: Derivative | None) -> None:
        for index, key in ((self.plain, plain_key(name)), (self.stripped, name_key(name).key)):
            if key:
                index.setdefault(key, set()).add((sid, derivative))
                self.display.setdefault(key, name)

    def identify(self, text: str) -> Hit:
        return _identify_name(self, text)


@lru_cache(maxsize=65536)
def _fuzzy(index: NameIndex, key: str) -> tuple[str, float] | None:
    # Locants are not typos: "ethyl methylphenylglycidate" (a strawberry flavour) must not meet
    # "ethyl 2-methyl-3-phenylglycidate" (BMK ethyl glycidate), so candidates must carry the same numbers.
    digits = _digits(key)
    for choice, score, _ in process.extract(key, index.choices, scorer=fuzz.ratio, score_cutoff=FUZZY_REVIEW, limit=5):
        if _digits(choice) == digits:
            return choice, float(score)
    return None


def _digits(key: str) -> list[str]:
    return sorted(re.findall(r"\d+", key))


def _identify_name(index: NameIndex, text: str) -> Hit:
    parsed = name_key(text)
    if found := index.plain.get(plain_key(text)):
        return _name_hit(text, found, ())
    if found := index.stripped.get(parsed.key):
        return _name_hit(text, found, parsed.salt + parsed.hydrate + parsed.stereo)
    if len(parsed.key) >= FUZZY_MIN_LENGTH and (near := _fuzzy(index, parsed.key)):
        matched, score = near
        ids = _ids(index.stripped[matched])
        rule = "name-fuzzy" if score >= FUZZY_IDENTIFY else "name-possible"
        why = reason(
            rule,
            "name",
            value=text,
            matched=index.display[matched],
            substance=", ".join(sorted(ids)),
            score=f"{score:.0f}",
        )
        return Hit("name", ids, (why,), score / 100, weak=score < FUZZY_IDENTIFY)
    return Hit("name", frozenset(), (reason("name-unknown", "name", value=text),), 0.0)


def _name_hit(text: str, found: set[tuple[str, Derivative | None]], words: tuple[str, ...]) -> Hit:
    ids = _ids(found)
    substances = ", ".join(sorted(ids))
    derivatives = [d for _, d in found if d is not None]
    if derivatives and len(derivatives) == len(found):
        d = derivatives[0]
        why = reason("name-derivative", "name", value=text, label=d.label, substance=substances, relation=d.relation)
        return Hit("name", ids, (why,), only=d.jurisdictions)
    if words:
        why = reason("name-salt", "name", value=text, words=" ".join(words), substance=substances)
    else:
        why = reason("name-exact", "name", value=text, substance=substances)
    return Hit("name", ids, (why,))


def _written_formula(formula: str) -> str:
    """Hill formulas of inorganics as people write them: hydrogen first, then the rest (H2O4S -> H2SO4)."""
    return {"H2O4S": "H2SO4", "KMnO4": "KMnO4", "MnNaO4": "NaMnO4", "H3N": "NH3", "H3O2P": "H3PO2"}.get(
        formula, formula
    )
