"""CAS Registry Numbers: parse, validate the check digit, and find them in free text.

A CAS number is 2–7 digits, 2 digits and a check digit (``103-79-7``). The check digit is the
sum of the other digits, each multiplied by its position counted from the right, modulo 10
(CAS, "CAS Registry Number" format rules). A typo in one digit always fails the check, which
is why a declared CAS is trusted only once it passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bicentennial.core.errors import InvalidInput

_CAS = re.compile(r"^(\d{2,7})-?(\d{2})-?(\d)$")
_IN_TEXT = re.compile(r"\b\d{2,7}-\d{2}-\d\b")


class CasError(InvalidInput):
    """A declared CAS number that is not one: wrong shape or a failed check digit."""


def check_digit(digits: str) -> int:
    """The check digit of the CAS number whose other digits are ``digits`` (no hyphens)."""
    return sum(int(d) * i for i, d in enumerate(reversed(digits), start=1)) % 10


def parse_cas(text: str) -> str:
    """The canonical ``NNNNNNN-NN-N`` form of ``text``; raises :class:`CasError` when it is not valid.

    Leading zeros, spaces and missing hyphens are tolerated (``0000103797`` is not, it is too long).
    """
    raw = text.strip().replace(" ", "")
    found = _CAS.match(raw)
    if found is None:
        raise CasError(f"CAS {text.strip()!r} is not a CAS number (expected digits like 103-79-7)")
    head, middle, check = found.groups()
    head = head.lstrip("0") or "0"
    if len(head) < 2:
        head = head.rjust(2, "0")
    if check_digit(head + middle) != int(check):
        raise CasError(f"CAS {text.strip()!r} fails its check digit (expected {check_digit(head + middle)})")
    return f"{head}-{middle}-{check}"


def is_valid_cas(text: str) -> bool:
    try:
        parse_cas(text)
    except CasError:
        return False
    return True


def cas_in_text(text: str) -> Iterator[str]:
    """Valid CAS numbers written inside free text (e.g. ``"HCl 50-98-6; sulfate 134-72-5"``)."""
    for found in _IN_TEXT.finditer(text):
        if is_valid_cas(found.group()):
            yield found.group()
