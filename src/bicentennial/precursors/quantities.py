"""Quantities on precursor manifests, reduced to kilograms, litres or units.

Thresholds in 21 CFR 1310.04(f) are stated in kilograms (solids) and litres (liquids), and
INCB PEN Online asks for the same units; Mexican pedimentos and US invoices arrive in whatever
the clerk typed, in English or Spanish. Everything is folded to one unit per family so that
the suspicious-order rules compare like with like, and a unit or number we cannot read is
refused rather than guessed.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata

from bicentennial.core.errors import InvalidInput

MASS = "mass"
VOLUME = "volume"
COUNT = "count"

# Exact conversion factors: the international pound (1959) and avoirdupois ounce, the US
# liquid gallon (231 cubic inches). "t"/"ton" is the metric tonne, as on Mexican documents
# and in INCB reporting; US short tons must be converted by the caller.
_POUND_KG = 0.45359237
_OUNCE_KG = _POUND_KG / 16
_US_GALLON_L = 3.785411784

_UNIT_NAMES: dict[tuple[float, str], tuple[str, ...]] = {
    (1.0, MASS): ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramo", "kilogramos"),
    (1e-3, MASS): ("g", "gr", "grs", "gram", "grams", "gramo", "gramos"),
    (1e-6, MASS): ("mg", "milligram", "milligrams", "miligramo", "miligramos"),
    (1e3, MASS): ("t", "tn", "ton", "tons", "tonne", "tonnes", "tonelada", "toneladas"),
    (_POUND_KG, MASS): ("lb", "lbs", "pound", "pounds", "libra", "libras"),
    (_OUNCE_KG, MASS): ("oz", "ounce", "ounces", "onza", "onzas"),
    (1.0, VOLUME): ("l", "lt", "lts", "ltr", "litro", "litros", "liter", "liters", "litre", "litres"),
    (1e-3, VOLUME): ("ml", "mililitro", "mililitros", "milliliter", "milliliters", "millilitre", "millilitres"),
    (_US_GALLON_L, VOLUME): ("gal", "gals", "gallon", "gallons", "galon", "galones"),
    (1.0, COUNT): ("u", "unidad", "unidades", "unit", "units", "pc", "pcs", "piece", "pieces", "pieza", "piezas"),
}
_UNITS: dict[str, tuple[float, str]] = {name: key for key, names in _UNIT_NAMES.items() for name in names}

UNKNOWN_UNIT = 'Unit "{unit}" is not recognised; use kg, g, mg, t, lb, oz, L, mL, gal or units (English or Spanish)'
NOT_A_NUMBER = 'Quantity "{value}" is not a number; write it like 1500, 1,500.5, 1.500,5 or 1 500'
NEGATIVE = "Quantity {value} is negative"

_WHITESPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _unit(unit: str) -> tuple[float, str]:
    key = _WHITESPACE.sub(" ", _fold(unit).replace(".", "")).strip()
    if key not in _UNITS:
        raise InvalidInput(UNKNOWN_UNIT.format(unit=unit))
    return _UNITS[key]


def _separators(text: str) -> tuple[str | None, str | None]:
    """(thousands, decimal) separators of a number written without sign or spaces.

    Both ``.`` and ``,`` present: the later one is the decimal mark. One of them only, more than
    once: thousands. A single comma: thousands when it is followed by exactly three digits and
    preceded by one to three digits not starting with 0 (``1,500`` is 1500), decimal otherwise
    (``1,5``). A single dot is always a decimal point (``1.500`` is 1.5): the US and Mexico,
    whose documents these are, write decimals with a dot, so their reading wins when in doubt.
    """
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        return (".", ",") if text.rfind(",") > text.rfind(".") else (",", ".")
    sep = "," if commas else "." if dots else None
    if sep is None:
        return None, None
    if text.count(sep) > 1 or (sep == "," and re.fullmatch(r"[1-9]\d{0,2},\d{3}", text)):
        return sep, None
    return None, sep


def _parse_number(raw: str) -> float:
    text = _WHITESPACE.sub(" ", raw.strip()).removeprefix("+")
    if text.startswith("-"):
        raise InvalidInput(NEGATIVE.format(value=raw.strip()))
    spaced = " " in text
    thousands, decimal = _separators(text.replace(" ", ""))
    if spaced:  # spaces group thousands, so any comma or dot is the decimal mark
        thousands, decimal = " ", thousands or decimal
        text = text.replace(",", ".")
        decimal = "." if decimal else None
    whole, _, fraction = text.partition(decimal) if decimal else (text, "", "")
    groups = whole.split(thousands) if thousands else [whole]
    valid = (
        all(_DIGITS.fullmatch(g) for g in groups if g or len(groups) > 1)
        and (len(groups) == 1 or (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])))
        and (not decimal or _DIGITS.fullmatch(fraction) is not None)
        and (whole or fraction) != ""
    )
    if not valid:
        raise InvalidInput(NOT_A_NUMBER.format(value=raw.strip()))
    return float(f"{''.join(groups) or 0}.{fraction or 0}")


def normalise_quantity(value: float | str, unit: str) -> tuple[float, str]:
    """Amount in the family's base unit and the family: kg for mass, litres for volume, units for count.

    Parameters
    ----------
    value
        A number, or a string using either convention: ``1,500.5``, ``1.500,5`` or ``1 500``. When a
        string has both ``.`` and ``,``, the later one is the decimal mark; spaces always group
        thousands; a lone dot is a decimal point and a lone comma is a thousands separator only
        when exactly three digits follow it (``1,500`` = 1500, ``1,5`` = 1.5, ``1.500`` = 1.5).
    unit
        English or Spanish, any case, with or without dots (``Kg.``, ``litros``, ``galón``).

    Returns
    -------
    tuple[float, str]
        The converted amount and ``MASS``, ``VOLUME`` or ``COUNT``.

    Raises
    ------
    InvalidInput
        Unknown unit, a value that is not a finite number, or a negative value.
    """
    factor, family = _unit(unit)
    if isinstance(value, str):
        amount = _parse_number(value)
    elif isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InvalidInput(NOT_A_NUMBER.format(value=value))
    else:
        amount = float(value)
    if amount < 0:
        raise InvalidInput(NEGATIVE.format(value=value))
    return amount * factor, family
