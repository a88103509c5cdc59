"""Why a row got its verdict: each rule that fired, on which field, in words a customs officer reads.

A reason is data (rule code, field, parameters) so that the same verdict reads in English on the
CLI, in Spanish on a page, and stays machine-readable in JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bicentennial.core.i18n import N_

RULES: dict[str, str] = {
    "cas-exact": N_("CAS {cas} is the CAS number of {substance}."),
    "cas-derivative": N_("CAS {cas} ({label}): {relation} of {substance}."),
    "cas-unlisted": N_("CAS {cas} is valid but belongs to no listed substance."),
    "cas-invalid": N_("{error}"),
    "name-exact": N_("Name “{value}” is a name of {substance}."),
    "name-salt": N_("Name “{value}” declares a salt, hydrate or isomer ({words}) of {substance}, controlled with it."),
    "name-derivative": N_("Name “{value}” ({label}): {relation} of {substance}."),
    "name-fuzzy": N_("Name “{value}” is close to “{matched}”, a name of {substance} (similarity {score})."),
    "name-possible": N_(
        "Name “{value}” resembles “{matched}”, a name of {substance} (similarity {score}); check the spelling."
    ),
    "name-unknown": N_("Name “{value}” is not a name of any listed substance."),
    "structure-exact": N_("The structure ({kind}) has the InChIKey connectivity {key} of {substance}."),
    "structure-parent": N_(
        "The structure is a salt, hydrate or stereoisomer of {substance}: {removed} removed, parent compared."
    ),
    "structure-invalid": N_("{error}"),
    "structure-unlisted": N_("The structure ({kind}) matches no listed substance exactly."),
    "analogue": N_("Possible designer precursor: {relation} of {substance} (score {score}). {detail}"),
    "analogue-covered": N_("The {jurisdiction} listing of {substance} also covers its {relation}s."),
    "hs-agrees": N_("HS code {hs} agrees with {substance} ({expected})."),
    "hs-differs": N_("HS code {hs} differs from the subheading of {substance} ({expected})."),
    "hs-only": N_("HS code {hs} is the subheading of {substance}; no name, CAS or structure was given to confirm it."),
    "conflict": N_("Fields disagree: {first} identifies {a}, {second} identifies {b}."),
    "not-in-force": N_("{substance} was on no list in force on {date}."),
    "reported-only": N_("{substance} is only on {list}: a reported listing, sent to review, not called controlled."),
    "listed": N_("{substance} is controlled under {lists}."),
    "no-match": N_("No field identifies a listed chemical."),
    "empty-row": N_("The row has no name, CAS, SMILES, InChI, InChIKey or molfile."),
    "row-shape": N_("{problem}."),
}

RELATIONS: dict[str, str] = {
    "salt": N_("salt"),
    "isomer": N_("stereoisomer"),
    "ester": N_("ester"),
    "acid": N_("acid"),
    "protected form": N_("protected form"),
    "homologue": N_("homologue"),
    "ring-halogenated": N_("ring-halogenated analogue"),
    "salt-forming derivative": N_("salt-forming derivative"),
    "similar structure": N_("similar structure"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    field: str  # manifest field the rule read ("cas", "name", "smiles", ...) or "row"
    params: tuple[tuple[str, str], ...] = ()

    def text(self, gettext: Callable[[str], str] = str, names: Callable[[str], str] | None = None) -> str:
        """The reason in words; ``names`` turns substance ids into names in the reader's language."""
        params = dict(self.params)
        if names:
            for key in _SUBSTANCE_PARAMS.intersection(params):
                params[key] = ", ".join(names(sid) for sid in params[key].split(", "))
        if "relation" in params:
            params["relation"] = gettext(RELATIONS.get(params["relation"], params["relation"]))
        return gettext(RULES[self.rule]).format(**params)

    def as_json(self, gettext: Callable[[str], str] = str, names: Callable[[str], str] | None = None) -> dict[str, str]:
        return {"rule": self.rule, "field": self.field, "text": self.text(gettext, names)}


# Parameters that hold substance ids (one, or several joined by ", ").
_SUBSTANCE_PARAMS = frozenset({"substance", "a", "b", "substances"})


def reason(rule: str, field: str, **params: object) -> Reason:
    return Reason(rule, field, tuple((k, str(v)) for k, v in params.items()))
