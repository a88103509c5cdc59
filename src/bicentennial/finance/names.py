"""Name analysis the way Mexican names really look: two surnames, particles, compound given names,
abbreviations, nicknames, accents, company legal forms, and a Spanish phonetic key.

A name becomes a sequence of *units*: a token with the particles that precede it ("DE LA ROSA"),
compared by its *core* ("ROSA") so that a changed or dropped particle does not matter. Person names
keep every plausible reading of which units are given names and which are surnames: SDN style
"PATERNAL MATERNAL, Given" is unambiguous, natural order "Given Paternal Maternal" is not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.name_tables import (
    ABBREVIATIONS,
    AMBIGUOUS_FORMS,
    COMPANY_MARKERS,
    COMPANY_STOPWORDS,
    COMPOUND_GIVEN,
    LEGAL_FORMS,
    NICKNAMES,
    PARTICLES,
    SUFFIXES,
)

PERSON = "person"
COMPANY = "company"
OTHER = "other"
KINDS = (PERSON, COMPANY, OTHER)
GIVEN, PATERNAL, MATERNAL, SURNAME = "given", "paternal", "maternal", "surname"

NOTE_ABBREVIATION = N_("{token} read as {expansion} (abbreviation)")
NOTE_NICKNAME = N_("{token} read as {expansion} (nickname)")
NOTE_LEGAL_FORM = N_("legal form {form} set aside")
OR_SEPARATOR = N_(" or ")

_ACCENTS = str.maketrans("ÁÉÍÓÚÜÀÈÌÒÙÂÊÎÔÛÄËÏÖÇÑ", "AEIOUUAEIOUAEIOUAEIOCN")
_NOT_WORD = re.compile(r"[^A-Z0-9]+")

# Spanish phonetic key, applied in this order to a folded token (the rules a Mexican clerk's ear
# follows when writing a name down): H is silent except in CH; CH is one sound; QU = K; GE/GI = JE/JI
# and GUE/GUI = GE/GI; CE/CI = SE/SI (seseo) and other C = K; Z = S (so final Z/S agree); X = J as in
# XIMENA/JIMENA and MEXICO; LL = Y (yeismo); V = B; W = U; N before B/P = M; Y before a consonant or at
# the end is the vowel I; doubled letters count once.
_PHONETIC_RULES = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"(?<!C)H", ""),
        (r"CH", "1"),
        (r"QU", "K"),
        (r"G(?=[EI])", "J"),
        (r"GU(?=[EI])", "G"),
        (r"C(?=[EI])", "S"),
        (r"C", "K"),
        (r"Z", "S"),
        (r"X", "J"),
        (r"LL", "Y"),
        (r"V", "B"),
        (r"W", "U"),
        (r"N(?=[BP])", "M"),
        (r"Y(?=[^AEIOU]|$)", "I"),
        (r"(.)\1+", r"\1"),
    )
)


def fold(text: str) -> str:
    """Upper case, accents removed, Ñ read as N, punctuation to spaces, apostrophes dropped.

    Lists and customers write the same name with and without accents (RAMÍREZ/RAMIREZ) and with
    any punctuation; matching must not depend on either. Ñ is kept as N here: ``enye_tokens`` says
    which tokens had it, for the explanation.
    """
    upper = text.upper().translate(_ACCENTS).replace("'", "").replace("’", "")
    if not upper.isascii():
        upper = "".join(ch for ch in unicodedata.normalize("NFKD", upper) if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", upper).split())


def enye_tokens(text: str) -> tuple[str, ...]:
    """Folded tokens written with Ñ (PEÑA, MUÑOZ): folded they read PENA, MUNOZ."""
    return tuple(fold(word) for word in text.upper().split() if "Ñ" in word)


@lru_cache(maxsize=200_000)
def phonetic_key(token: str) -> str:
    """The Spanish phonetic key of one folded token (rules above, in order)."""
    key = token
    for pattern, repl in _PHONETIC_RULES:
        key = pattern.sub(repl, key)
    return key


@dataclass(frozen=True, slots=True)
class Unit:
    """One name unit: ``text`` with its particles, compared by ``core``, ``alts`` (the core plus what an
    abbreviation or nickname stands for) and ``keys`` (phonetic keys of the alts)."""

    text: str
    core: str
    alts: frozenset[str]
    keys: frozenset[str]
    initial: bool
    sig: str


@dataclass(frozen=True, slots=True)
class NameParts:
    """One reading of a person's name: given names and surnames (paternal first)."""

    given: tuple[Unit, ...]
    surnames: tuple[Unit, ...]

    @property
    def paternal(self) -> Unit | None:
        return self.surnames[0] if self.surnames else None

    @property
    def maternal(self) -> Unit | None:
        return self.surnames[-1] if len(self.surnames) > 1 else None


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name ready to compare. ``roles[r][j]`` is the role of ``units[j]`` in ``readings[r]``; ``notes`` are
    the English texts of ``explanations`` (how the name was read)."""

    original: str
    kind: str
    units: tuple[Unit, ...]
    readings: tuple[NameParts, ...]
    roles: tuple[tuple[str, ...], ...]
    legal_forms: tuple[str, ...]
    enye: tuple[str, ...]
    notes: tuple[str, ...]
    explanations: tuple[Explanation, ...] = ()


def _form_pattern(form: str) -> re.Pattern[str]:
    words = [r"\.?\s*".join(re.escape(ch) for ch in word.replace(".", "")) + r"\.?" for word in form.split()]
    return re.compile(r"(^|,|\s)\s*(" + r"[\s,]+".join(words) + r")[\s.,]*$")


_FORM_PATTERNS = tuple((form, _form_pattern(form)) for form in LEGAL_FORMS)
# Last word of every legal form, dotless, and its last letter ("C. V." ends in "V"): a name whose last
# token is none of these carries no legal form, and most names are screened without a regex.
_FORM_TAILS = frozenset(
    w for form in LEGAL_FORMS for w in (form.split()[-1].replace(".", ""), form.replace(".", "")[-1])
)


def strip_legal_forms(text: str, *, company: bool = False) -> tuple[str, tuple[str, ...]]:
    """Remove trailing legal forms (S.A. DE C.V., S. DE R.L., LLC...) written with or without dots.

    The legal form says how a company is incorporated, not which company it is: the same firm is
    listed as "VALPARK, S.A. DE C.V." and invoiced as "Valpark SA de CV". Forms that are also words
    (CO, SA) are stripped only when dotted, after a comma, or when the name is known to be a company.
    """
    found: list[str] = []
    upper = text.upper().translate(_ACCENTS).strip()
    if upper.rsplit(None, 1)[-1:] and upper.rsplit(None, 1)[-1].replace(".", "").replace(",", "") not in _FORM_TAILS:
        return upper, ()
    changed = True
    while changed:
        changed = False
        for form, pattern in _FORM_PATTERNS:
            hit = pattern.search(upper)
            if hit is None or hit.start(2) == 0:
                continue
            written = hit.group(2)
            if form.replace(".", "").replace(" ", "") in AMBIGUOUS_FORMS and not (
                company or "." in written or hit.group(1) == ","
            ):
                continue
            found.append(form)
            upper = upper[: hit.start(2)].rstrip(" ,")
            changed = True
            break
    return upper, tuple(reversed(found))


@lru_cache(maxsize=100_000)
def _unit(text: str, expand: bool) -> tuple[Unit, ...]:
    """The unit(s) for one token with its particles; a two-word nickname (CHEMA) gives two units."""
    core = text.rsplit(" ", 1)[-1]
    alts = {core}
    if expand:
        for expansion in ABBREVIATIONS.get(core, ()) + NICKNAMES.get(core, ()):
            if " " in expansion:
                return tuple(u for word in expansion.split() for u in _unit(word, False))
            alts.add(expansion)
    initial = expand and len(core) == 1 and core.isalpha()
    keys = frozenset(phonetic_key(alt) for alt in alts)
    return (Unit(text, core, frozenset(alts), keys, initial, f"{text}|{int(expand)}"),)


def _expansion(template: str, token: str, expansions: tuple[str, ...]) -> Explanation:
    """``{expansion}`` lists the readings ("JOSE or JESUS"); the word between them is translated too."""
    return Explanation.of(template, token=token).with_part("expansion", expansions, OR_SEPARATOR)


def _expansion_notes(tokens: list[str]) -> tuple[Explanation, ...]:
    notes = []
    for token in tokens:
        if token in ABBREVIATIONS:
            notes.append(_expansion(NOTE_ABBREVIATION, token, ABBREVIATIONS[token]))
        elif token in NICKNAMES:
            notes.append(_expansion(NOTE_NICKNAME, token, NICKNAMES[token]))
    return tuple(notes)


def _person_units(folded: str, expand: bool) -> list[Unit]:
    units: list[Unit] = []
    pending: list[str] = []
    for token in folded.split():
        if token in SUFFIXES:
            continue
        if token in PARTICLES:
            pending.append(token)
            continue
        units.extend(_unit(" ".join([*pending, token]), expand))
        pending = []
    return units


def _company_units(folded: str) -> list[Unit]:
    return [u for token in folded.split() if token not in COMPANY_STOPWORDS for u in _unit(token, False)]


def _reading(units: tuple[Unit, ...], given: range, surnames: list[int]) -> tuple[NameParts, tuple[str, ...]]:
    roles = [GIVEN] * len(units)
    for pos, j in enumerate(surnames):
        roles[j] = PATERNAL if pos == 0 else MATERNAL if pos == len(surnames) - 1 else SURNAME
    return NameParts(tuple(units[j] for j in given), tuple(units[j] for j in surnames)), tuple(roles)


def _natural_readings(units: tuple[Unit, ...]) -> list[tuple[NameParts, tuple[str, ...]]]:
    """Readings of a name without comma: compound given name first, then two surnames, then one."""
    n = len(units)
    if n <= 2:
        both = [_reading(units, range(n - 1), [n - 1])]
        return [*both, _reading(units, range(1, 2), [0])] if n == 2 else both
    spelled = [u.text[: len(u.text) - len(u.core)] + ABBREVIATIONS.get(u.core, (u.core,))[0] for u in units]
    splits = [j for j in range(2, n) if " ".join(spelled[:j]) in COMPOUND_GIVEN]
    splits += [n - 2, n - 1]
    return [_reading(units, range(j), list(range(j, n))) for j in dict.fromkeys(splits)]


def _texts(notes: tuple[Explanation, ...]) -> tuple[str, ...]:
    return tuple(note.text() for note in notes) if notes else ()


def guess_kind(text: str) -> str:
    """Company when the name carries a legal form or a word only companies use, person otherwise."""
    if strip_legal_forms(text)[1]:
        return COMPANY
    return COMPANY if not COMPANY_MARKERS.isdisjoint(fold(text).split()) else PERSON


@lru_cache(maxsize=8192)
def parse_name(text: str, kind: str | None = None) -> ParsedName:
    """Parse a person or company name; ``kind`` None guesses it (``guess_kind``).

    Person names with a comma are read SDN style ("PATERNAL MATERNAL, Given"); without one every
    natural-order reading is kept (the matcher is order-insensitive and uses the readings only for
    roles: which surname is paternal, which is maternal).
    """
    kind = kind or guess_kind(text)
    stripped, forms = strip_legal_forms(text, company=kind == COMPANY) if kind != PERSON else (text, ())
    notes = tuple(Explanation.of(NOTE_LEGAL_FORM, form=form) for form in forms)
    if kind != PERSON:
        units = tuple(_company_units(fold(stripped)))
        return ParsedName(text, kind, units, (), (), forms, enye_tokens(text), _texts(notes), notes)
    surnames_text, comma, given_text = stripped.partition(",")
    given_folded, surnames_folded = (fold(given_text), fold(surnames_text)) if comma else ("", "")
    if given_folded and surnames_folded:
        given = _person_units(given_folded, True)
        units = tuple(given + _person_units(surnames_folded, False))
        readings = [_reading(units, range(len(given)), list(range(len(given), len(units))))]
        tokens = given_folded.split()
    else:
        tokens = fold(stripped).split()
        units = tuple(_person_units(" ".join(tokens), True))
        readings = _natural_readings(units) if units else []
    notes += _expansion_notes(tokens)
    parts, roles = tuple(r[0] for r in readings), tuple(r[1] for r in readings)
    return ParsedName(text, PERSON, units, parts, roles, forms, enye_tokens(text), _texts(notes), notes)
