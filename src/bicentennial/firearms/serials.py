"""Serial numbers and dealer licences as written on trace requests.

A serial is evidence: normalisation only removes separators and folds case, it never
turns an O into a 0 or an I into a 1. Look-alikes are flagged instead, so an analyst
can try both readings with ATF rather than the importer guessing one.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Separators that officers and clerks write inconsistently; every whitespace character
# (all lie below U+3001) counts as a space.
_SEPARATORS = {ord(c): None for c in "-‐‑‒–—./\\"} | {i: None for i in range(0x3001) if chr(i).isspace()}

# Words written in place of a serial that has been ground off, in English and Spanish.
_OBLITERATED_PREFIXES = ("OBLIT", "BORRAD", "LIMAD", "ILEGIB", "ILLEGIB", "ESMERILAD")
_OBLITERATED_WORDS = frozenset({"NONE", "SINSERIE", "SINNUMERO", "SINNUMERODESERIE", "NOSERIAL", "NOVISIBLE"})

O_LOOKALIKE = "serial has O/0 look-alike"
I_LOOKALIKE = "serial has I/1 look-alike"
EMPTY = "serial is empty"
OBLITERATED = "serial is obliterated"

# Region 1-9, district, county, licence type 01-11, expiry (year digit + month letter A-M), sequence.
_FFL = re.compile(r"[1-9]\d{2}\d{3}(?:0[1-9]|1[01])\d[A-M]\d{5}")
_FFL_SEPARATORS = str.maketrans("", "", " -")


def _compact(raw: str) -> str:
    return raw.upper().translate(_SEPARATORS)


def is_obliterated(raw: str) -> bool:
    """True when the serial field says the number was removed ("OBLITERATED", "LIMADO", "XXXX", "***")."""
    compact = _compact(raw).replace("Í", "I").replace("Ú", "U")
    if not compact:
        return False
    return set(compact) <= {"X", "*"} or compact in _OBLITERATED_WORDS or compact.startswith(_OBLITERATED_PREFIXES)


def _lookalike_warnings(normalized: str) -> list[str]:
    warnings = []
    # Letter O is the classic misreading of 0; serial stamps rarely use it.
    if "O" in normalized:
        warnings.append(O_LOOKALIKE)
    # I reads as 1 on its own; L only when the serial also has a 1 it could be confused with.
    if "I" in normalized or ("L" in normalized and "1" in normalized):
        warnings.append(I_LOOKALIKE)
    return warnings


def normalize_serial(raw: str) -> tuple[str, list[str]]:
    """Upper case without spaces, dashes, dots or slashes, and the warnings an analyst should see.

    Letters and digits are kept exactly as written (apart from case).
    """
    normalized = _compact(raw)
    if not normalized:
        return "", [EMPTY]
    if is_obliterated(raw):
        return normalized, [OBLITERATED]
    return normalized, _lookalike_warnings(normalized)


@lru_cache(maxsize=8192)
def valid_ffl(raw: str) -> str | None:
    """The 15-character licence number for "5-74-123-01-2A-12345" or "57412301 2A12345"; None if malformed."""
    compact = raw.strip().upper().translate(_FFL_SEPARATORS)
    return compact if _FFL.fullmatch(compact) else None
