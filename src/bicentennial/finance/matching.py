"""Scoring one query name against one list name, with the reasons for the score.

The score is a weighted Dice coefficient over name units: units are paired one-to-one (order does
not matter, the best pairs first), a pair counts with the similarity of its units (exact 1.0,
abbreviation/nickname or same Spanish phonetic key 0.95, one typo 0.88, an initial 0.8), and
surnames weigh more than given names (they identify the family; given names are shared by
millions). Then the Mexican rules:

* a maternal surname absent from one side costs a small penalty, not a mismatch (lists and forms
  often carry one surname only);
* a candidate whose paternal surname is not found is heavily penalised (x0.5): two people who share
  given names, or a given name and a maternal surname, are different people;
* a match resting only on common given names (JOSE, MARIA...) is capped below "possible";
* company names are compared without legal forms, with generic words (GRUPO, COMERCIALIZADORA)
  counting half.

Thresholds: ``MATCH`` >= 0.90, ``POSSIBLE`` >= 0.75, tuned on the variant test set built from real
SDN entries (tests/finance/variants.py): every variant kind (order, dropped maternal surname,
accents, particles, one typo, abbreviation, nickname, alias) scores >= 0.75 while three-part common
Mexican names that are not on the list stay below 0.90.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.name_tables import COMMON_GIVEN, COMMON_NAMES, GENERIC_COMPANY_WORDS
from bicentennial.finance.names import MATERNAL, PATERNAL, PERSON, ParsedName, Unit

MATCH_THRESHOLD = 0.90
POSSIBLE_THRESHOLD = 0.75
MATCH, POSSIBLE, NO_MATCH = "match", "possible", "no-match"

SURNAME_WEIGHT, GIVEN_WEIGHT, EXTRA_WEIGHT, GENERIC_WEIGHT = 1.2, 1.0, 1.1, 0.5
MIN_PERSON_WEIGHT, MIN_WEIGHT, MAX_WEIGHT = 1.0, 0.5, 1.2
PAIR_FLOOR = 0.8
SIM_EQUIVALENT, SIM_PHONETIC, SIM_TYPO, SIM_INITIAL, SIM_SAME_INITIAL = 0.95, 0.95, 0.88, 0.8, 0.9
ONE_SURNAME_PENALTY, COMMON_ONE_SURNAME_PENALTY = 0.05, 0.12
PATERNAL_FACTOR = 0.5
COMMON_GIVEN_CAP = 0.6
TYPO_MIN_LENGTH = 4

HOW_EXACT = "exact"
HOW_EQUIVALENT = "abbreviation or nickname"
HOW_PHONETIC = "sounds alike"
HOW_TYPO = "one typo"
HOW_INITIAL = "initial"
NOTE_MATERNAL_MISSING = N_("maternal surname {unit} not given (small penalty)")
NOTE_SURNAME_EXTRA = N_("surname {unit} not on the list name (small penalty)")
NOTE_PATERNAL_MISSING = N_("paternal surname {unit} not found (heavy penalty)")
NOTE_COMMON_ONLY = N_("only common given names agree")
NOTE_COMMON_SURNAME = N_("one surname given and all agreeing names are common (larger penalty)")

_COMMON_GIVEN = frozenset(COMMON_GIVEN)
_SIM_CACHE: dict[tuple[str, str], tuple[float, str]] = {}
_SIM_CACHE_LIMIT = 2_000_000


@dataclass(frozen=True, slots=True)
class NameScore:
    """A score in 0..1 with its reasons: unit pairs (query, list, how), list units not found in the
    query (``missing_tokens``), query units not on the list name (``extra_tokens``), rule notes in
    English (``notes``) and as translatable ``explanations`` (one per note, same order)."""

    score: float
    matched_tokens: tuple[tuple[str, str, str], ...]
    missing_tokens: tuple[str, ...]
    extra_tokens: tuple[str, ...]
    notes: tuple[str, ...]
    explanations: tuple[Explanation, ...] = ()

    @property
    def decision(self) -> str:
        return decide(self.score)


def decide(score: float) -> str:
    """``match`` at or above MATCH_THRESHOLD, ``possible`` at or above POSSIBLE_THRESHOLD."""
    return MATCH if score >= MATCH_THRESHOLD else POSSIBLE if score >= POSSIBLE_THRESHOLD else NO_MATCH


def _initial_similarity(q: Unit, c: Unit) -> tuple[float, str]:
    if q.initial and c.initial:
        return (SIM_SAME_INITIAL, HOW_INITIAL) if q.core == c.core else (0.0, "")
    letter, other = (q.core, c) if q.initial else (c.core, q)
    return (SIM_INITIAL, HOW_INITIAL) if any(alt.startswith(letter) for alt in other.alts) else (0.0, "")


def _similarity(q: Unit, c: Unit) -> tuple[float, str]:
    if q.initial or c.initial:
        return _initial_similarity(q, c)
    if q.core == c.core:
        return 1.0, HOW_EXACT
    if q.alts & c.alts:
        return SIM_EQUIVALENT, HOW_EQUIVALENT
    if q.keys & c.keys:
        return SIM_PHONETIC, HOW_PHONETIC
    if min(len(q.core), len(c.core)) >= TYPO_MIN_LENGTH and OSA.distance(q.core, c.core, score_cutoff=1) <= 1:
        return SIM_TYPO, HOW_TYPO
    return 0.0, ""


def unit_similarity(q: Unit, c: Unit) -> tuple[float, str]:
    """Similarity of two units and how they agree; memoised (names repeat a great deal)."""
    key = (q.sig, c.sig)
    hit = _SIM_CACHE.get(key)
    if hit is None:
        if len(_SIM_CACHE) > _SIM_CACHE_LIMIT:
            _SIM_CACHE.clear()
        hit = _SIM_CACHE[key] = _similarity(q, c)
    return hit


def pair_units(query: ParsedName, candidate: ParsedName) -> dict[int, tuple[int, float, str]]:
    """One-to-one pairing, best similarity first: candidate unit index -> (query index, sim, how)."""
    pairs = []
    for i, q in enumerate(query.units):
        for j, c in enumerate(candidate.units):
            sim, how = unit_similarity(q, c)
            if sim >= PAIR_FLOOR:
                pairs.append((sim, -i, -j, how))
    pairs.sort(reverse=True)
    taken_q: set[int] = set()
    paired: dict[int, tuple[int, float, str]] = {}
    for sim, i, j, how in pairs:
        if -i not in taken_q and -j not in paired:
            taken_q.add(-i)
            paired[-j] = (-i, sim, how)
    return paired


def _weights(candidate: ParsedName, roles: tuple[str, ...] | None) -> list[float]:
    if roles is not None:
        return [GIVEN_WEIGHT if role == "given" else SURNAME_WEIGHT for role in roles]
    return [GENERIC_WEIGHT if u.core in GENERIC_COMPANY_WORDS else 1.0 for u in candidate.units]


def _query_weight(unit: Unit, person: bool) -> float:
    return EXTRA_WEIGHT if person else GENERIC_WEIGHT if unit.core in GENERIC_COMPANY_WORDS else 1.0


def _one_surname_penalty(query: ParsedName, candidate: ParsedName, paired: dict[int, tuple[int, float, str]]) -> float:
    common = all(candidate.units[j].core in COMMON_NAMES for j in paired)
    return COMMON_ONE_SURNAME_PENALTY if common else ONE_SURNAME_PENALTY


Note = tuple[str, str]  # (template, unit): an Explanation is made only for the candidates shown


def _score_reading(
    query: ParsedName, candidate: ParsedName, paired: dict[int, tuple[int, float, str]], roles: tuple[str, ...] | None
) -> tuple[float, list[int], list[int], list[Note]]:
    """Score under one reading of the candidate: (score, unpaired candidate units, unpaired query units, notes)."""
    person = roles is not None
    weights = _weights(candidate, roles)
    missing = [j for j in range(len(candidate.units)) if j not in paired]
    used = {i for i, _, _ in paired.values()}
    extra = [i for i in range(len(query.units)) if i not in used]
    notes: list[Note] = []
    penalty, excused = 0.0, -1
    if person and roles:
        maternal = [j for j in missing if roles[j] == MATERNAL]
        if maternal and not extra and paired:
            excused = maternal[0]
            penalty = _one_surname_penalty(query, candidate, paired)
            notes.append((NOTE_MATERNAL_MISSING, candidate.units[maternal[0]].text))
        elif (
            not missing
            and len(extra) == 1
            and extra[0] == len(query.units) - 1
            and MATERNAL not in roles
            and PATERNAL in roles  # the list name has a surname: the query's extra one is its maternal surname
            and len(candidate.units) >= 2
        ):
            penalty = _one_surname_penalty(query, candidate, paired)
            notes.append((NOTE_SURNAME_EXTRA, query.units[extra.pop()].text))
    top = sum(2 * sim * weights[j] for j, (_, sim, _) in paired.items())
    bottom = sum(2 * weights[j] for j in paired) + sum(weights[j] for j in missing if j != excused)
    bottom += sum(_query_weight(query.units[i], person) for i in extra)
    score = top / bottom - penalty if bottom else 0.0
    if person and roles and PATERNAL in roles and roles.index(PATERNAL) not in paired:
        score *= PATERNAL_FACTOR
        notes.append((NOTE_PATERNAL_MISSING, candidate.units[roles.index(PATERNAL)].text))
    if paired and all(candidate.units[j].core in _COMMON_GIVEN for j in paired) and score > COMMON_GIVEN_CAP:
        score = COMMON_GIVEN_CAP
        notes.append((NOTE_COMMON_ONLY, ""))
    return max(score, 0.0), missing, extra, notes


Pairing = dict[int, tuple[int, float, str]]
ReadingScore = tuple[float, list[int], list[int], list[Note]]


def best_reading(query: ParsedName, candidate: ParsedName) -> tuple[float, Pairing, ReadingScore]:
    """The score under the candidate's most favourable reading (a natural-order list name may be read
    several ways; the list is given the benefit of the doubt), with the pairing and that reading's details."""
    paired = pair_units(query, candidate)
    readings: list[tuple[str, ...] | None] = list(candidate.roles) if candidate.kind == PERSON else [None]
    best = max((_score_reading(query, candidate, paired, roles) for roles in readings or [None]), key=lambda r: r[0])
    return best[0], paired, best


def score_names(query: ParsedName, candidate: ParsedName) -> NameScore:
    """Score ``query`` against ``candidate`` (both from ``names.parse_name``) and explain the score."""
    score, paired, (_, missing, extra, notes) = best_reading(query, candidate)
    matched = tuple((query.units[i].text, candidate.units[j].text, how) for j, (i, _, how) in sorted(paired.items()))
    explained = tuple(Explanation(t, (("unit", u),) if u else ()) for t, u in notes) + candidate.explanations
    return NameScore(
        round(score, 4),
        matched,
        tuple(candidate.units[j].text for j in missing),
        tuple(query.units[i].text for i in extra),
        tuple(e.text() for e in explained),
        explained,
    )


def score_upper_bound(k: int, n: int, m: int, person: bool) -> float:
    """Highest score a candidate of ``m`` units can reach when at most ``k`` of the query's ``n`` units
    can pair with it; the screening index skips candidates whose bound is below the floor."""
    k = min(k, n, m)
    if k <= 0:
        return 0.0
    left_c, left_q = m - k, n - k
    if left_q == 0 and left_c:
        left_c -= 1
    elif left_c == 0 and left_q == 1:
        left_q = 0
    top = 2 * MAX_WEIGHT * k
    return top / (top + (MIN_PERSON_WEIGHT if person else MIN_WEIGHT) * (left_c + left_q))
