"""Mexican personal identifiers (CURP, RFC) and the common identifier record of the list readers.

A CURP or RFC that agrees between a screened person and a listed one is the strongest evidence a
screener has, so both are normalised the same way on both sides (upper case, no separators) and
matched exactly *as written*. Validation never raises: sanctions lists carry malformed values (the
SDN has the 17-character CURP "AIMM67125HCHRRG06" for entity 9338) and the screener must still be able
to match them; the check only says what is wrong so that the import can report it.

CURP structure and check digit follow RENAPO's *Instructivo Normativo para la Asignación de la CURP*:
4 letters from the name, birth date YYMMDD, sex (H, M; X since 2023), state of birth (2 letters, NE
for born abroad), 3 internal consonants, a differentiator (digit before 2000, letter from 2000) and a
check digit over the first 17 characters. RFC structure and the homoclave's check digit follow SAT's
*Algoritmo para generar el RFC con homoclave* (persons 13 characters, companies 12).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
CURP_STATES = {
    "AS": "Aguascalientes", "BC": "Baja California", "BS": "Baja California Sur", "CC": "Campeche",
    "CL": "Coahuila", "CM": "Colima", "CS": "Chiapas", "CH": "Chihuahua", "DF": "Ciudad de México",
    "DG": "Durango", "GT": "Guanajuato", "GR": "Guerrero", "HG": "Hidalgo", "JC": "Jalisco",
    "MC": "Estado de México", "MN": "Michoacán", "MS": "Morelos", "NT": "Nayarit", "NL": "Nuevo León",
    "OC": "Oaxaca", "PL": "Puebla", "QT": "Querétaro", "QR": "Quintana Roo", "SP": "San Luis Potosí",
    "SL": "Sinaloa", "SR": "Sonora", "TC": "Tabasco", "TS": "Tamaulipas", "TL": "Tlaxcala",
    "VZ": "Veracruz", "YN": "Yucatán", "ZS": "Zacatecas", "NE": "born abroad",
}  # fmt: skip
# SAT's generic RFCs stand for "any Mexican / foreign taxpayer" and identify nobody.
GENERIC_RFCS = frozenset({"XAXX010101000", "XEXX010101000"})

_SEPARATORS = re.compile(r"[\s\-./_]+")
_CURP_RE = re.compile(r"^[A-ZÑ][AEIOUXÑ][A-ZÑ]{2}\d{6}[HMX](?P<state>[A-Z]{2})[B-DF-HJ-NP-TV-ZÑ]{3}[0-9A-Z]\d$")
_RFC_RE = re.compile(r"^(?P<letters>[A-ZÑ&]{3,4})(?P<date>\d{6})(?P<homoclave>[A-Z0-9]{3})?$")
# SAT's homoclave table has no 0 and no O; the check digit is 0-9 or A.
_HOMOCLAVE_RE = re.compile(r"^[1-9A-NP-Z]{2}[0-9A]$")

CURP_LENGTH = "has {n} characters, a CURP has 18"
CURP_STRUCTURE = "does not follow the CURP structure (4 letters, birth date, sex, state, 3 consonants, 2 characters)"
CURP_STATE = "has an unknown state code {code}"
CURP_DATE = "has an impossible birth date {text}"
CURP_CHECK = "check digit is {found}, the RENAPO algorithm gives {expected}"
RFC_LENGTH = "has {n} characters, an RFC has 12 (company) or 13 (person)"
RFC_STRUCTURE = "does not follow the RFC structure (3-4 letters, date YYMMDD, 3-character homoclave)"
RFC_DATE = "has an impossible date {text}"
RFC_NO_HOMOCLAVE = "has no homoclave (only the {n}-character root)"
RFC_HOMOCLAVE = "homoclave {text} uses characters outside SAT's table"
RFC_CHECK = "check digit is {found}, SAT's algorithm gives {expected}"
RFC_GENERIC = "is SAT's generic RFC and identifies nobody"


@dataclass(frozen=True)
class CurpCheck:
    """What a CURP says and what is wrong with it; ``sex`` is H, M or X and ``state`` the RENAPO code."""

    value: str
    valid: bool
    problem: str | None
    birth_date: date | None
    sex: str | None
    state: str | None


@dataclass(frozen=True)
class RfcCheck:
    """``valid`` is structural; ``homoclave_ok`` is None where the value carries no homoclave.

    SAT has issued RFCs whose check digit disagrees with its own algorithm (python-stdnum notes the
    same, and 30 of 307 complete RFCs in the 2021 SDN disagree), so a mismatch is reported but does
    not make the RFC invalid.
    """

    value: str
    valid: bool
    kind: str | None
    problem: str | None
    birth_or_incorporation_date: date | None
    homoclave_ok: bool | None


@dataclass(frozen=True)
class Identifier:
    """One identifier of a listed party; ``value`` is normalised, ``raw`` as written in the list.

    ``valid`` is None for kinds this module cannot check (passports, cédulas, national IDs).
    """

    kind: str
    value: str
    country: str
    valid: bool | None
    problem: str | None
    label: str = ""
    raw: str = ""
    note: str = ""


def compact(text: str) -> str:
    """Upper case without spaces, hyphens, dots, slashes: how identifiers are compared on both sides."""
    return _SEPARATORS.sub("", text.strip().upper())


def normalise_curp(text: str) -> str:
    """A CURP as compared: upper case, no separators (RENAPO prints it as one 18-character word)."""
    return compact(text)


def normalise_rfc(text: str) -> str:
    """An RFC as compared: SAT prints "AIMM-671215-387" and "AIMM671215387" for the same key."""
    return compact(text)


def curp_check_digit(first17: str) -> str:
    """RENAPO's check digit: weights 18..2 over the alphabet 0-9, A-N, Ñ, O-Z; (10 - sum mod 10) mod 10.

    Raises ``ValueError`` for a value that is not 17 characters of the CURP alphabet.
    """
    value = normalise_curp(first17)
    if len(value) != 17 or any(ch not in CURP_ALPHABET for ch in value):
        raise ValueError(f"a CURP check digit needs 17 characters of {CURP_ALPHABET}, got {first17!r}")
    total = sum(CURP_ALPHABET.index(ch) * (18 - i) for i, ch in enumerate(value))
    return str((10 - total % 10) % 10)


def rfc_check_digit(first: str) -> str:
    """SAT's check digit over an RFC without its last character (11 for persons, 12 for companies).

    Companies are padded with a leading space to 12; weights 13..2 over the alphabet 0-9, A-N, &, O-Z,
    space, Ñ; the digit is (11 - sum mod 11) mod 11 with 10 written "A".
    """
    padded = first.rjust(12)
    if len(padded) != 12 or any(ch not in RFC_ALPHABET for ch in padded):
        raise ValueError(f"an RFC check digit needs 11 or 12 characters of {RFC_ALPHABET!r}, got {first!r}")
    total = sum(RFC_ALPHABET.index(ch) * (13 - i) for i, ch in enumerate(padded))
    return RFC_ALPHABET[(11 - total) % 11]


def _yymmdd(text: str, century: int) -> date | None:
    try:
        return date(century + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def validate_curp(text: str) -> CurpCheck:
    """Check a CURP's length, structure, birth date, state and check digit; never raises."""
    value = normalise_curp(text)
    if len(value) != 18:
        return CurpCheck(value, False, CURP_LENGTH.format(n=len(value)), None, None, None)
    match = _CURP_RE.match(value)
    if match is None:
        return CurpCheck(value, False, CURP_STRUCTURE, None, None, None)
    # The 17th character (differentiator) is a digit for people born before 2000, a letter after.
    born = _yymmdd(value[4:10], 1900 if value[16].isdigit() else 2000)
    sex, state = value[10], match["state"]
    problems = []
    if state not in CURP_STATES:
        problems.append(CURP_STATE.format(code=state))
    if born is None:
        problems.append(CURP_DATE.format(text=value[4:10]))
    expected = curp_check_digit(value[:17])
    if expected != value[17]:
        problems.append(CURP_CHECK.format(found=value[17], expected=expected))
    return CurpCheck(value, not problems, "; ".join(problems) or None, born, sex, state)


def _rfc_date(text: str, today: date) -> date | None:
    # The RFC does not say the century: the most recent one that does not lie in the future.
    found = _yymmdd(text, 2000)
    if found is not None and found <= today:
        return found
    return _yymmdd(text, 1900)


def validate_rfc(text: str, *, today: date | None = None) -> RfcCheck:
    """Check an RFC's structure, date and homoclave check digit; never raises.

    ``today`` resolves the two-digit year (defaults to the current date).
    """
    value = normalise_rfc(text)
    if value in GENERIC_RFCS:
        return RfcCheck(value, False, None, RFC_GENERIC, None, None)
    if len(value) not in (9, 10, 12, 13):
        return RfcCheck(value, False, None, RFC_LENGTH.format(n=len(value)), None, None)
    match = _RFC_RE.match(value)
    if match is None:
        return RfcCheck(value, False, None, RFC_STRUCTURE, None, None)
    kind = "person" if len(match["letters"]) == 4 else "company"
    when = _rfc_date(match["date"], today or date.today())
    problems = [] if when is not None else [RFC_DATE.format(text=match["date"])]
    homoclave = match["homoclave"]
    if homoclave is None:
        problems.append(RFC_NO_HOMOCLAVE.format(n=len(value)))
        return RfcCheck(value, False, kind, "; ".join(problems), when, None)
    if not _HOMOCLAVE_RE.match(homoclave):
        problems.append(RFC_HOMOCLAVE.format(text=homoclave))
    valid = not problems
    expected = rfc_check_digit(value[:-1])
    if expected != value[-1]:
        problems.append(RFC_CHECK.format(found=value[-1], expected=expected))
    return RfcCheck(value, valid, kind, "; ".join(problems) or None, when, expected == value[-1])


def make_identifier(kind: str, text: str, country: str = "", *, label: str = "", note: str = "") -> Identifier:
    """An :class:`Identifier` with its value normalised and, for CURP and RFC, checked."""
    value = compact(text)
    valid: bool | None = None
    problem: str | None = None
    if kind == "curp":
        curp = validate_curp(value)
        valid, problem = curp.valid, curp.problem
    elif kind == "rfc":
        rfc = validate_rfc(value)
        valid, problem = rfc.valid, rfc.problem
    return Identifier(kind, value, country, valid, problem, label=label or kind.upper(), raw=text.strip(), note=note)


def looks_like_curp(text: str) -> bool:
    """Whether a bare value (an FTM ``idNumber``, a CSV column) has the shape of a CURP."""
    return _CURP_RE.match(compact(text)) is not None


def looks_like_rfc(text: str) -> bool:
    """Whether a bare value (an FTM ``taxNumber``) has the shape of a complete RFC."""
    value = compact(text)
    return len(value) in (12, 13) and _RFC_RE.match(value) is not None
