"""Quantities as clerks type them, in English and Spanish, reduced to kg, litres or units."""

from __future__ import annotations

import pytest

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.quantities import COUNT, MASS, VOLUME, normalise_quantity


@pytest.mark.parametrize(
    ("unit", "factor", "family"),
    [
        ("kg", 1.0, MASS),
        ("Kg.", 1.0, MASS),
        ("KILOS", 1.0, MASS),
        ("kilogramo", 1.0, MASS),
        ("Kilogramos", 1.0, MASS),
        ("g", 1e-3, MASS),
        ("gr.", 1e-3, MASS),
        ("gramos", 1e-3, MASS),
        ("mg", 1e-6, MASS),
        ("t", 1000.0, MASS),
        ("Ton", 1000.0, MASS),
        ("tonnes", 1000.0, MASS),
        ("Toneladas", 1000.0, MASS),
        ("lb", 0.45359237, MASS),
        ("LBS", 0.45359237, MASS),
        ("libras", 0.45359237, MASS),
        ("oz", 0.028349523125, MASS),
        ("l", 1.0, VOLUME),
        ("L", 1.0, VOLUME),
        ("Lt.", 1.0, VOLUME),
        ("litros", 1.0, VOLUME),
        ("liter", 1.0, VOLUME),
        ("Litres", 1.0, VOLUME),
        ("mL", 1e-3, VOLUME),
        ("mililitros", 1e-3, VOLUME),
        ("gal", 3.785411784, VOLUME),
        ("galón", 3.785411784, VOLUME),
        ("GALONES", 3.785411784, VOLUME),
        ("galon", 3.785411784, VOLUME),
        ("unidades", 1.0, COUNT),
        ("Unit", 1.0, COUNT),
        ("pcs", 1.0, COUNT),
        ("piezas", 1.0, COUNT),
    ],
)
def test_units_in_english_and_spanish(unit: str, factor: float, family: str) -> None:
    amount, got_family = normalise_quantity(2, unit)
    assert got_family == family
    assert amount == pytest.approx(2 * factor, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1500", 1500.0),
        ("1,500.5", 1500.5),
        ("1.500,5", 1500.5),
        ("1 500", 1500.0),
        ("1\u00a0500,25", 1500.25),
        ("12,345,678", 12345678.0),
        ("1.234.567,89", 1234567.89),
        ("1,500", 1500.0),  # a lone comma before three digits groups thousands
        ("1,5", 1.5),  # ... otherwise it is a decimal comma
        ("0,500", 0.5),  # a leading 0 is never a thousands group
        ("1.500", 1.5),  # a lone dot is a decimal point (US and Mexican usage)
        (".5", 0.5),
        ("+3", 3.0),
        (" 42 ", 42.0),
        ("0", 0.0),
    ],
)
def test_number_conventions(text: str, value: float) -> None:
    assert normalise_quantity(text, "kg") == (pytest.approx(value), MASS)


def test_numbers_and_units_combine() -> None:
    assert normalise_quantity("1.500,5", "toneladas")[0] == pytest.approx(1_500_500.0)
    assert normalise_quantity("2 000", "lb")[0] == pytest.approx(907.18474)
    assert normalise_quantity(10.0, "gal") == (pytest.approx(37.85411784), VOLUME)


@pytest.mark.parametrize("text", ["abc", "", "1,50,0", "1 50", "1.5.6", "1,500.", "1 500.000,5", "1e3", "12kg"])
def test_unreadable_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not a number") as error:
        normalise_quantity(text, "kg")
    assert f'"{text.strip()}"' in error.value.message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_non_finite_values_are_refused(value: float) -> None:
    with pytest.raises(InvalidInput, match=r"is not a number"):
        normalise_quantity(value, "kg")


@pytest.mark.parametrize("value", ["-5", -5.0, "- 1,500"])
def test_negative_quantities_are_refused(value: float | str) -> None:
    with pytest.raises(InvalidInput, match=r"is negative"):
        normalise_quantity(value, "kg")


@pytest.mark.parametrize("unit", ["furlong", "", "k g", "cwt"])
def test_unknown_units_are_named(unit: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not recognised") as error:
        normalise_quantity(1, unit)
    assert f'"{unit}"' in error.value.message
