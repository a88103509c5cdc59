"""Screening one party against the designation lists: names through the index, identifiers exactly,
date of birth and nationality as supporting evidence — and every result says why.

* A CURP or RFC equal to a listed party's is a **match** whatever the name says (people change how
  they write their names; they do not change their CURP).
* Otherwise the best name candidates are adjusted by the evidence: a date of birth that agrees with
  a listed one raises the score, one that contradicts every listed date lowers it; a CURP of the
  query that differs from the listed one is strong evidence of a different person. The date of
  birth inside a CURP (positions 5–10) counts as a date of birth.
* Decisions at the documented thresholds of :mod:`bicentennial.finance.matching`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation, Gettext, as_dicts, localised
from bicentennial.finance.identifiers import normalise_curp, normalise_rfc, validate_curp
from bicentennial.finance.list_model import ListEntity
from bicentennial.finance.matching import decide
from bicentennial.finance.screening_index import Candidate, IndexEntry, ScreeningIndex

WEAK_ALIAS_CAP = 0.85
DOB_AGREES, DOB_CONFLICTS, COUNTRY_AGREES, COUNTRY_CONFLICTS, CURP_CONFLICTS = 0.05, -0.15, 0.02, -0.05, -0.35
REASON_CURP = N_("CURP {value} is the CURP of {name} on the list")
REASON_RFC = N_("RFC {value} is the RFC of {name} on the list")
REASON_NAME_SCREENED = N_("name screened: {name}")
REASON_CURP_DIFFERS = N_("the CURP given ({given}) differs from the listed CURP ({listed}): likely another person")
REASON_DOB_AGREES = N_("date of birth {given} agrees with the listed {listed}")
REASON_DOB_CONFLICTS = N_("date of birth {given} contradicts every listed date ({listed})")
REASON_COUNTRY_AGREES = N_("nationality {given} agrees")
REASON_COUNTRY_CONFLICTS = N_("nationality {given} differs from the listed {listed}")
REASON_WEAK_ALIAS = N_(
    "found through a weak alias (a nickname the list gives as a lead only): at most a possible match"
)
REASON_NO_MATCH = N_("no listed name is close enough")
_COUNTRIES = {"MX": "MEXICO", "US": "UNITED STATES", "USA": "UNITED STATES", "MEX": "MEXICO", "CO": "COLOMBIA"}


@dataclass(frozen=True)
class Party:
    """What a customer file says about a person or company."""

    name: str
    dob: date | None = None
    curp: str = ""
    rfc: str = ""
    country: str = ""
    kind: str | None = None  # "person" | "company" | None (unknown)


@dataclass(frozen=True)
class Result:
    """One party's screening; ``reasons`` in English (scripts read them) and as translatable
    ``explanations`` (one per reason, same order)."""

    decision: str  # "match" | "possible" | "no-match"
    entity: str | None
    list: str | None
    name: str | None  # the listed name (or alias) that matched
    score: float
    reasons: tuple[str, ...]
    others: tuple[tuple[str, float], ...] = ()  # further candidates (entity id, score)
    explanations: tuple[Explanation, ...] = ()

    @classmethod
    def explained(
        cls, decision: str, entity: str | None, list_name: str | None, name: str | None, score: float,
        explanations: tuple[Explanation, ...], others: tuple[tuple[str, float], ...] = (),
    ) -> Result:  # fmt: skip
        """A result whose English reasons are its explanations' texts."""
        reasons = tuple(e.text() for e in explanations)
        return cls(decision, entity, list_name, name, score, reasons, others, explanations)

    def texts(self, gettext: Gettext = str) -> tuple[str, ...]:
        """The reasons in gettext's language (the English ones where a reason has no explanation)."""
        return tuple(localised(self.explanations, self.reasons, gettext))

    def as_json(self, row: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {} if row is None else {"row": row}
        return body | {
            "decision": self.decision,
            "entity": self.entity,
            "list": self.list,
            "name": self.name,
            "score": round(self.score, 3),
            "reasons": list(self.reasons),
            "others": [{"entity": e, "score": round(s, 3)} for e, s in self.others],
            "explanations": as_dicts(self.explanations),
        }


NO_MATCH = Result.explained("no-match", None, None, None, 0.0, (Explanation(REASON_NO_MATCH),))


def _country(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    key = re.sub(r"[^A-Z ]", "", folded.upper()).strip()
    return _COUNTRIES.get(key, key)


class Screener:
    """Screens parties against the entities of one or more lists (picklable: shipped to workers)."""

    def __init__(self, entities: Iterable[ListEntity], *, list_names: Mapping[str, str] | None = None) -> None:
        self.entities = {e.id: e for e in entities}
        self.list_names = dict(list_names or {})
        entries = []
        self.weak: set[tuple[str, str]] = set()
        for e in self.entities.values():
            entries.append(IndexEntry(e.id, e.name, e.kind, False))
            for alias in e.aliases:
                entries.append(IndexEntry(e.id, alias.name, e.kind, True))
                if alias.quality == "weak":
                    self.weak.add((e.id, alias.name))
        self.index = ScreeningIndex(entries)
        self.by_identifier: dict[tuple[str, str], list[str]] = {}
        for e in self.entities.values():
            for ident in e.identifiers:
                if ident.kind in ("curp", "rfc") and ident.value:
                    self.by_identifier.setdefault((ident.kind, ident.value), []).append(e.id)

    def list_of(self, entity_id: str) -> str:
        entity = self.entities[entity_id]
        return self.list_names.get(entity.list, entity.list)

    def screen(self, party: Party) -> Result:
        exact = self._by_identifiers(party)
        if exact is not None:
            return exact
        kind = party.kind if party.kind in ("person", "company") else None
        candidates = self.index.search(party.name, kind=kind, limit=5, min_score=0.6) if party.name.strip() else []
        # Ties after the evidence (e.g. two nicknames capped alike) go to the better name score.
        weighed = sorted(((self._weigh(party, c), c) for c in candidates), key=lambda wc: (-wc[0][0], -wc[1].score))
        if not weighed or decide(weighed[0][0][0]) == "no-match":
            return NO_MATCH
        (score, evidence), best = weighed[0]
        others = tuple((c.entity_id, s) for (s, _), c in weighed[1:] if decide(s) != "no-match")
        # Only the result returned is written out: its reasons in English and as explanations.
        english = best.explanation + tuple(e.text() for e in evidence)
        listed, explained = self.list_of(best.entity_id), best.explanations + evidence
        return Result(decide(score), best.entity_id, listed, best.matched_name, score, english, others, explained)

    def designated_score(self, name: str) -> float:
        """For the typology detectors: how strongly a counterparty name matches a listed party (0 if not)."""
        result = self.screen(Party(name))
        return result.score if result.decision != "no-match" else 0.0

    def _by_identifiers(self, party: Party) -> Result | None:
        for kind, value in (("curp", normalise_curp(party.curp)), ("rfc", normalise_rfc(party.rfc))):
            if value and (found := self.by_identifier.get((kind, value))):
                entity = self.entities[found[0]]
                template = REASON_CURP if kind == "curp" else REASON_RFC
                reasons = [Explanation.of(template, value=value, name=entity.name)]
                if party.name and party.name.strip():
                    reasons.append(Explanation.of(REASON_NAME_SCREENED, name=party.name))
                return Result.explained("match", entity.id, self.list_of(entity.id), entity.name, 1.0, tuple(reasons))
        return None

    def _weigh(self, party: Party, candidate: Candidate) -> tuple[float, tuple[Explanation, ...]]:
        """The candidate's score after the evidence, and the evidence's reasons (after the name's own)."""
        entity = self.entities[candidate.entity_id]
        score = candidate.score
        reasons: list[Explanation] = []
        if (entity.id, candidate.matched_name) in self.weak:
            score = min(score, WEAK_ALIAS_CAP)  # a nickname given as a lead is not an identification
            reasons.append(Explanation(REASON_WEAK_ALIAS))
        listed_curps = [i.value for i in entity.identifiers if i.kind == "curp" and i.value]
        given_curp = normalise_curp(party.curp) if party.curp else ""
        if given_curp and listed_curps and given_curp not in listed_curps:
            score += CURP_CONFLICTS
            reasons.append(Explanation.of(REASON_CURP_DIFFERS, given=given_curp, listed=", ".join(listed_curps)))
        dob = party.dob or (validate_curp(given_curp).birth_date if given_curp else None)
        score += self._dob(dob, entity, reasons)
        score += self._nationality(party.country, entity, reasons)
        return max(0.0, min(1.0, score)), tuple(reasons)

    @staticmethod
    def _dob(dob: date | None, entity: ListEntity, reasons: list[Explanation]) -> float:
        if dob is None or not entity.dobs:
            return 0.0
        agreeing = [d for d in entity.dobs if d.contains(dob)]
        if agreeing:
            reasons.append(Explanation.of(REASON_DOB_AGREES, given=dob.isoformat(), listed=agreeing[0].text))
            return DOB_AGREES
        listed = "; ".join(d.text for d in entity.dobs)
        reasons.append(Explanation.of(REASON_DOB_CONFLICTS, given=dob.isoformat(), listed=listed))
        return DOB_CONFLICTS

    @staticmethod
    def _nationality(country: str, entity: ListEntity, reasons: list[Explanation]) -> float:
        listed = {_country(n) for n in entity.nationalities}
        if not country or not listed:
            return 0.0
        given = _country(country)
        if given in listed:
            reasons.append(Explanation.of(REASON_COUNTRY_AGREES, given=country))
            return COUNTRY_AGREES
        listed_text = ", ".join(sorted(listed))
        reasons.append(Explanation.of(REASON_COUNTRY_CONFLICTS, given=country, listed=listed_text))
        return COUNTRY_CONFLICTS
