"""The fast screening index over every name of a list (primary names and aliases).

Brute force compares each query with all ~20,000 SDN names. Here a query only meets the names that
share a blocking key with it: each unit's spelling and abbreviation/nickname readings, its Spanish
phonetic key, and its one-deletion neighbourhood (SymSpell: two words one edit apart share a
deletion, so one typo never hides a name). Person names are found through their *paternal surname*
only, since a candidate whose paternal surname is not in the query scores at most half
(``matching.PATERNAL_FACTOR``); the most common keys (GARCIA, JOSE) thus never fan out to every
name that merely contains them. Candidates are then filtered by ``matching.score_upper_bound`` on
how many query units can pair with them, and only the survivors are scored with the full matcher.
Nothing reachable above the floor is skipped: the bound is exact about what the scorer allows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from bicentennial.core.errors import InvalidInput
from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.matching import (
    HOW_EQUIVALENT,
    HOW_EXACT,
    HOW_INITIAL,
    HOW_PHONETIC,
    HOW_TYPO,
    PATERNAL_FACTOR,
    POSSIBLE_THRESHOLD,
    best_reading,
    decide,
    score_names,
    score_upper_bound,
)
from bicentennial.finance.names import COMPANY, KINDS, OTHER, PATERNAL, PERSON, ParsedName, Unit, parse_name

KIND_ALIASES = {
    "individual": PERSON, "person": PERSON, "persona": PERSON,
    "entity": COMPANY, "company": COMPANY, "organization": COMPANY, "legalentity": COMPANY, "-0-": COMPANY,
    "": COMPANY, "empresa": COMPANY, "vessel": OTHER, "aircraft": OTHER, "airplane": OTHER, "other": OTHER,
}  # fmt: skip
REASON_ALIAS = N_("matched an alias of the entity")
REASON_PAIR = "{query} = {listed} ({how})"
# REASON_PAIR with each way two units agree written out, so that the "how" is translated with the sentence.
REASON_PAIRS = {
    HOW_EXACT: N_("{query} = {listed} (exact)"),
    HOW_EQUIVALENT: N_("{query} = {listed} (abbreviation or nickname)"),
    HOW_PHONETIC: N_("{query} = {listed} (sounds alike)"),
    HOW_TYPO: N_("{query} = {listed} (one typo)"),
    HOW_INITIAL: N_("{query} = {listed} (initial)"),
}
REASON_MISSING = N_("not in the screened name: {units}")
REASON_EXTRA = N_("not in the list name: {units}")
_RESULT_CACHE_LIMIT = 500_000


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One name of a list entity: its primary name or one alias."""

    entity_id: str
    name: str
    kind: str
    is_alias: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """A list entity found for a screened name, through its best-scoring name; ``explanation`` in
    English and as translatable ``explanations`` (one per line, same order)."""

    entity_id: str
    matched_name: str
    is_alias: bool
    score: float
    explanation: tuple[str, ...]
    kind: str
    explanations: tuple[Explanation, ...] = ()

    @property
    def decision(self) -> str:
        return decide(self.score)


def normalise_kind(kind: str | None) -> str:
    """Map list vocabularies (SDN 'individual', FollowTheMoney 'Person'/'Company', 'vessel') to ours."""
    key = (kind or "").strip().lower()
    if key not in KIND_ALIASES:
        raise InvalidInput(f"Unknown name kind {kind!r}: use one of {', '.join(KINDS)}.")
    return KIND_ALIASES[key]


@lru_cache(maxsize=4096)
def _needed_hits(n: int, initials: int, floor: float, person: bool, longest: int) -> tuple[int, ...]:
    """For each list-name size m, the fewest key hits (besides initials) that let the bound reach the floor."""
    return tuple(
        next((k - initials for k in range(1, n + 1) if score_upper_bound(k, n, m, person) >= floor), n + 1)
        for m in range(longest + 1)
    )


def unit_keys(unit: Unit, query: bool) -> list[str]:
    """Blocking keys of a unit: spellings, '#' phonetic keys, '~' one-deletion neighbourhood (a query
    also probes its own deletions as spellings and its core as a deletion, which covers insertions)."""
    keys = [*unit.alts, *("#" + key for key in unit.keys)]
    core = unit.core
    if len(core) >= 3:
        deletions = {core[:i] + core[i + 1 :] for i in range(len(core))}
        keys += ["~" + d for d in deletions]
        if query:
            keys += [*deletions, "~" + core]
    return keys


class _Blocks:
    """Posting lists ``key -> name ids``, with the union per query unit memoised."""

    def __init__(self) -> None:
        self.postings: dict[str, list[int]] = defaultdict(list)
        self._memo: dict[str, frozenset[int]] = {}

    def add(self, unit: Unit, name_id: int) -> None:
        for key in unit_keys(unit, query=False):
            self.postings[key].append(name_id)

    def lookup(self, unit: Unit) -> frozenset[int]:
        hit = self._memo.get(unit.sig)
        if hit is None:
            if len(self._memo) > _RESULT_CACHE_LIMIT:
                self._memo.clear()
            ids = (self.postings.get(key, ()) for key in unit_keys(unit, query=True))
            hit = self._memo[unit.sig] = frozenset().union(*ids)
        return hit

    def __getstate__(self) -> dict[str, Any]:
        return {"postings": dict(self.postings), "_memo": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.postings = defaultdict(list, state["postings"])
        self._memo = {}


class ScreeningIndex:
    """All names of a list, searchable by name. Picklable: send it to worker processes."""

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self.entries: list[IndexEntry] = []
        self._parsed: list[ParsedName] = []
        self._size: list[int] = []
        self._initials: list[int] = []
        self._longest = 0
        self._person_any, self._person_paternal, self._others = _Blocks(), _Blocks(), _Blocks()
        self._results: dict[tuple[str, str | None, int, float], tuple[Candidate, ...]] = {}
        for entry in entries:
            self._add(entry)

    @classmethod
    def from_records(cls, records: Iterable[Sequence[Any]]) -> ScreeningIndex:
        """Build from ``(entity_id, name, kind, *aliases)`` tuples (aliases also as one list)."""
        entries = []
        for entity_id, name, kind, *rest in records:
            aliases = rest[0] if len(rest) == 1 and not isinstance(rest[0], str) else rest
            entries.append(IndexEntry(str(entity_id), name, kind))
            entries += [IndexEntry(str(entity_id), alias, kind, True) for alias in aliases if alias]
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def _add(self, entry: IndexEntry) -> None:
        kind = normalise_kind(entry.kind)
        parsed = parse_name(entry.name, kind)
        if not parsed.units:
            return
        name_id = len(self.entries)
        self.entries.append(IndexEntry(entry.entity_id, entry.name, kind, entry.is_alias))
        self._parsed.append(parsed)
        self._size.append(len(parsed.units))
        self._initials.append(sum(u.initial for u in parsed.units))
        self._longest = max(self._longest, len(parsed.units))
        paternals = {roles.index(PATERNAL) for roles in parsed.roles if PATERNAL in roles}
        if kind != PERSON or not paternals:
            for unit in parsed.units:
                self._others.add(unit, name_id)
            return
        for j, unit in enumerate(parsed.units):
            self._person_any.add(unit, name_id)
            if j in paternals:
                self._person_paternal.add(unit, name_id)

    def __getstate__(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k != "_results"}, "_results": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def search(
        self, name: str, *, kind: str | None = None, limit: int = 5, min_score: float = POSSIBLE_THRESHOLD
    ) -> list[Candidate]:
        """The best ``limit`` entities whose best name scores at least ``min_score``, best first."""
        if limit < 1:
            raise InvalidInput(f"limit must be at least 1, got {limit}.")
        if not 0.0 <= min_score <= 1.0:
            raise InvalidInput(f"min_score must be between 0 and 1, got {min_score}.")
        wanted = normalise_kind(kind) if kind is not None else None
        key = (name, wanted, limit, min_score)
        hit = self._results.get(key)
        if hit is None:
            if len(self._results) > _RESULT_CACHE_LIMIT:
                self._results.clear()
            # Tuples, and one shared empty tuple: most names find nothing, and a cache of a million
            # lists would keep the garbage collector busy rescanning them.
            hit = self._results[key] = tuple(self._search(name, wanted, limit, min_score))
        return list(hit)

    def search_many(
        self, names: Iterable[str], *, kind: str | None = None, limit: int = 5, min_score: float = POSSIBLE_THRESHOLD
    ) -> list[list[Candidate]]:
        """``search`` for each name, in order; repeated names (common in customer files) cost one search."""
        return [self.search(name, kind=kind, limit=limit, min_score=min_score) for name in names]

    def _search(self, name: str, kind: str | None, limit: int, floor: float) -> list[Candidate]:
        query = parse_name(name, kind)
        if not query.units:
            return []
        best: dict[str, tuple[float, int]] = {}
        for name_id in self._candidate_ids(query, kind, floor):
            score = round(best_reading(query, self._parsed[name_id])[0], 4)
            entity = self.entries[name_id].entity_id
            held = best.get(entity)
            if score >= floor and (held is None or (-score, name_id) < (-held[0], held[1])):
                best[entity] = (score, name_id)
        ranked = sorted(best.values(), key=lambda hit: (-hit[0], hit[1]))[:limit]
        return [self._candidate(query, name_id) for _, name_id in ranked]

    def _candidate_ids(self, query: ParsedName, kind: str | None, floor: float) -> list[int]:
        units = [u for u in query.units if not u.initial]
        n, initials = len(query.units), len(query.units) - len(units)
        found: list[int] = []
        if kind in (None, PERSON):
            anys = [self._person_any.lookup(u) for u in units]
            gates = [self._person_paternal.lookup(u) for u in units] if floor > PATERNAL_FACTOR else anys
            found += self._bounded(frozenset().union(*gates), anys, n, initials, floor, person=True)
        others = sorted((self._others.lookup(u) for u in units), key=len)
        need = next((k for k in range(1, n + 1) if score_upper_bound(k, n, k, False) >= floor), n + 1)
        prefix = others[: max(1, len(others) - (need - initials) + 1)] if need > initials else others
        pool = self._bounded(frozenset().union(*prefix), others, n, initials, floor, person=False)
        return found + [i for i in pool if kind is None or self.entries[i].kind == kind]

    def _bounded(
        self, pool: frozenset[int], sets: list[frozenset[int]], n: int, initials: int, floor: float, *, person: bool
    ) -> list[int]:
        """Names of ``pool`` that enough query units reach for ``score_upper_bound`` to clear the floor."""
        need = _needed_hits(n, initials, floor, person, self._longest)
        size, own = self._size, self._initials
        if len(sets) == 1:
            return [i for i in pool if need[size[i]] <= 1 + own[i]]
        hits = Counter(chain.from_iterable(sets))
        return [i for i in pool if need[size[i]] <= hits[i] + own[i]]

    def _candidate(self, query: ParsedName, name_id: int) -> Candidate:
        """Only the candidates returned are explained (the scoring loop builds no text)."""
        entry, parsed = self.entries[name_id], self._parsed[name_id]
        detail = score_names(query, parsed)
        reasons = [_pair(q, c, how) for q, c, how in detail.matched_tokens]
        if detail.missing_tokens:
            reasons.append(Explanation.of(REASON_MISSING, units=", ".join(detail.missing_tokens)))
        if detail.extra_tokens:
            reasons.append(Explanation.of(REASON_EXTRA, units=", ".join(detail.extra_tokens)))
        reasons += detail.explanations
        if entry.is_alias:
            reasons.append(Explanation(REASON_ALIAS))
        english = tuple(r.text() for r in reasons)
        return Candidate(entry.entity_id, entry.name, entry.is_alias, detail.score, english, entry.kind, tuple(reasons))


def _pair(query: str, listed: str, how: str) -> Explanation:
    template = REASON_PAIRS.get(how)
    if template is None:  # a way of agreeing without its own sentence: the English word as a figure
        return Explanation(REASON_PAIR, (("query", query), ("listed", listed), ("how", how)))
    return Explanation(template, (("query", query), ("listed", listed)))
