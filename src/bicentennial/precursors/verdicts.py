"""From the fields' answers to one verdict: agreement, conflict, lists in force, designer analogues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bicentennial.precursors.identify import Hit
from bicentennial.precursors.reasons import Reason, reason

if TYPE_CHECKING:
    from bicentennial.precursors.screening import Screener

# Which derivative kinds a listing's wording must cover for an analogue to be controlled by it
# (the US lists "esters" of phenylacetic and anthranilic acid, "acetals, amides, carbamates" of 4-piperidone).
_COVERED_BY = {"ester": {"ester"}, "protected form": {"acetal", "amide", "carbamate"}}
_PRIORITY = ("cas", "smiles", "inchi", "inchikey", "molfile", "name")


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str  # "controlled" | "review" | "clear" | "error"
    substance: str | None
    lists: tuple[str, ...]
    reasons: tuple[Reason, ...]
    score: float | None
    conflict: bool = False
    relation: str | None = None  # for a possible designer precursor: how it relates to `substance`
    others: tuple[str, ...] = ()  # further substances the row fits (stereoisomers sharing a key, conflicts)


def decide(screener: Screener, hits: list[Hit], errors: list[Reason], hs: str) -> Verdict:
    strong = sorted((h for h in hits if h.ids and not h.weak), key=lambda h: _PRIORITY.index(h.field))
    said = tuple(r for h in hits for r in h.reasons)
    if strong:
        verdict = _identified(screener, strong, said, hs)
    elif analogue := _analogue(screener, hits, said):
        verdict = analogue
    elif weak := [h for h in hits if h.ids]:
        ids = sorted(weak[0].ids)
        verdict = Verdict("review", ids[0], (), said, weak[0].score, relation="name", others=tuple(ids[1:]))
    else:
        verdict = Verdict("clear", None, (), (*said, reason("no-match", "row")), None)
    if errors:
        return Verdict("error", verdict.substance, verdict.lists, (*errors, *verdict.reasons), None, verdict.conflict)
    return verdict


def _identified(screener: Screener, strong: list[Hit], said: tuple[Reason, ...], hs: str) -> Verdict:
    common = frozenset.intersection(*(h.ids for h in strong))
    conflict = not common
    chosen = sorted(common or frozenset.union(*(h.ids for h in strong)), key=lambda sid: _rank(screener, strong, sid))
    notes: list[Reason] = []
    if conflict:
        other = next(h for h in strong[1:] if not h.ids & strong[0].ids)
        first, second = ", ".join(sorted(strong[0].ids)), ", ".join(sorted(other.ids))
        notes.append(reason("conflict", "row", first=strong[0].field, a=first, second=other.field, b=second))
    only = () if any(not h.only for h in strong) else tuple(sorted({j for h in strong for j in h.only}))
    primary = chosen[0]
    binding, reported = screener.lists_of(screener.substances[primary], only)
    notes += _hs_check(screener, primary, hs)
    score = min(h.score for h in strong)
    if binding:
        listed = reason("listed", "row", substance=primary, lists=", ".join(binding))
        return Verdict(
            "controlled", primary, tuple(binding), (*said, *notes, listed), score, conflict, others=tuple(chosen[1:])
        )
    if reported:
        why = reason("reported-only", "row", substance=primary, list=", ".join(reported))
        return Verdict(
            "review", primary, tuple(reported), (*said, *notes, why), score, conflict, "reported", tuple(chosen[1:])
        )
    why = reason("not-in-force", "row", substance=primary, date=screener.as_of.isoformat())
    return Verdict("clear", primary, (), (*said, *notes, why), None, conflict, others=tuple(chosen[1:]))


def _rank(screener: Screener, strong: list[Hit], sid: str) -> tuple[bool, bool, str]:
    """The first field's substance first; among stereoisomers sharing a key, the one whose full InChIKey
    (stereo included) the structure has."""
    keys = {h.structure.inchikey for h in strong if h.structure is not None}
    return sid not in strong[0].ids, screener.substances[sid].inchikey not in keys, sid


def _hs_check(screener: Screener, sid: str, hs: str) -> list[Reason]:
    expected = screener.substances[sid].hs_code
    if not hs or not expected:
        return []
    digits = "".join(c for c in hs if c.isdigit())[:6]
    rule = "hs-agrees" if digits == expected.replace(".", "") else "hs-differs"
    return [reason(rule, "hs_code", hs=hs, substance=sid, expected=expected)]


def _analogue(screener: Screener, hits: list[Hit], said: tuple[Reason, ...]) -> Verdict | None:
    for hit in hits:
        if hit.structure is None or hit.ids:
            continue
        found = screener.structures.analogues(hit.structure)
        if not found:
            continue
        best = found[0]
        substance = screener.substances[best.substance_id]
        why = reason(
            "analogue",
            hit.field,
            relation=best.relation,
            substance=best.substance_id,
            score=f"{best.score:.2f}",
            detail=best.detail,
        )
        kinds = _COVERED_BY.get(best.relation, set())
        covering = tuple(j for j, covered in substance.covers.items() if kinds & set(covered))
        lists = screener.lists_of(substance, covering)[0] if covering else ()
        if lists:
            extra = [
                reason("analogue-covered", hit.field, jurisdiction=j, substance=substance.id, relation=best.relation)
                for j in covering
            ]
            return Verdict("controlled", substance.id, lists, (*said, why, *extra), best.score, relation=best.relation)
        others = tuple(a.substance_id for a in found[1:])
        return Verdict("review", substance.id, (), (*said, why), best.score, relation=best.relation, others=others)
    return None
