"""CURP and RFC checks on real SDN values, malformed ones, and the whole list's CURPs."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bicentennial.finance.identifiers import (
    compact,
    curp_check_digit,
    looks_like_curp,
    looks_like_rfc,
    make_identifier,
    normalise_curp,
    normalise_rfc,
    rfc_check_digit,
    validate_curp,
    validate_rfc,
)
from tests.conftest import SHARED

SDN = SHARED / "sanctions" / "sdn.csv"


@pytest.mark.parametrize(
    ("curp", "digit"),
    [("AIMO681106HCHRRS01", "1"), ("GAMR501027HSLXDG00", "0"), ("AALH750218HBCLPC02", "2")],
)
def test_curp_check_digit_of_real_sdn_values(curp: str, digit: str) -> None:
    assert curp_check_digit(curp[:17]) == digit
    check = validate_curp(curp)
    assert check.valid and check.problem is None


def test_curp_fields() -> None:
    check = validate_curp(" aimo681106hchrrs01 ")
    assert check.value == "AIMO681106HCHRRS01"
    assert check.birth_date == date(1968, 11, 6)
    assert (check.sex, check.state) == ("H", "CH")


def test_curp_differentiator_letter_means_born_from_2000() -> None:
    first17 = "GOMA050301MDFNRNA"
    check = validate_curp(first17 + curp_check_digit(first17))
    assert check.valid, check.problem
    assert check.birth_date == date(2005, 3, 1)
    assert check.sex == "M"


def test_malformed_sdn_curp_is_reported_not_raised() -> None:
    check = validate_curp("AIMM67125HCHRRG06")  # entity 9338: a digit of the birth date is missing
    assert not check.valid
    assert check.problem is not None and "17 characters" in check.problem
    assert check.birth_date is None
    # With the "1" of 15 Dec 1967 put back, the RENAPO check digit agrees with the listed 6.
    assert validate_curp("AIMM671215HCHRRG06").valid


def test_sdn_curp_typos_are_typos_not_algorithm_errors() -> None:
    # 10321 CADENAS VIRAMONTES, Porfirio: the list says CAUP…; the name (and the RFC CAVP-590612) give CAVP…,
    # whose RENAPO check digit is the 9 the list prints.
    assert not validate_curp("CAUP590612HJCDRR09").valid
    assert validate_curp("CAVP590612HJCDRR09").valid
    # 15654 RAMIREZ PERALES, Jose Odilon: "TMSRD" swaps two letters; Tamaulipas is TS and RaMirez gives M.
    listed = validate_curp("RAPO720720HTMSRD03")
    assert not listed.valid and listed.problem is not None and "state code TM" in listed.problem
    assert validate_curp("RAPO720720HTSMRD03").valid


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("GURR730821HCLRMG", "16 characters"),
        ("AIMO681306HCHRRS01", "impossible birth date"),
        ("AIMO681106HCHRRS02", "gives 1"),
        ("A1MO681106HCHRRS01", "structure"),
        ("", "0 characters"),
    ],
)
def test_curp_problems(text: str, words: str) -> None:
    check = validate_curp(text)
    assert not check.valid
    assert check.problem is not None and words in check.problem


def test_curp_check_digit_rejects_wrong_input() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        curp_check_digit("AIMO681106")
    with pytest.raises(ValueError):
        curp_check_digit("AIMO681106HCHRRS*")


def test_every_18_character_sdn_curp_but_two_typos_passes_the_renapo_check() -> None:
    text = SDN.read_text(encoding="latin-1")
    curps = {c for c in re.findall(r"C\.U\.R\.P\. #?\s*([A-Z0-9]+)", text) if len(c) == 18}
    failing = {c for c in curps if not validate_curp(c).valid}
    assert len(curps) > 300
    assert failing == {"CAUP590612HJCDRR09", "RAPO720720HTMSRD03"}


def test_rfc_person_with_hyphens() -> None:
    check = validate_rfc("AIMM-671215-387")
    assert check.value == "AIMM671215387"
    assert (check.kind, check.valid) == ("person", True)
    assert check.birth_or_incorporation_date == date(1967, 12, 15)
    # SAT's algorithm gives 3; the list prints 7: reported, not fatal (SAT issued such RFCs).
    assert check.homoclave_ok is False
    assert check.problem is not None and "gives 3" in check.problem


@pytest.mark.parametrize("rfc", ["GODE561231GR8", "DIB-771110-HQ1", "FVS 870610 LX3"])
def test_rfc_check_digit_agrees(rfc: str) -> None:
    check = validate_rfc(rfc)
    assert check.valid and check.homoclave_ok and check.problem is None
    assert rfc_check_digit(check.value[:-1]) == check.value[-1]


def test_rfc_company_date_and_century() -> None:
    check = validate_rfc("KEB-020222-380", today=date(2021, 6, 1))
    assert check.kind == "company"
    assert check.birth_or_incorporation_date == date(2002, 2, 22)
    assert validate_rfc("DIB771110HQ1", today=date(2021, 6, 1)).birth_or_incorporation_date == date(1977, 11, 10)


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("GAMR-501027", "person", "no homoclave"),
        ("PMA-910805", "company", "no homoclave"),
        ("METM-46111-BF4", None, "structure"),
        ("AIMM671315387", "person", "impossible date"),
        ("SAMJ660916000", "person", "outside SAT's table"),
        ("XAXX010101000", None, "generic"),
        ("ABC", None, "3 characters"),
    ],
)
def test_rfc_problems(text: str, kind: str | None, words: str) -> None:
    check = validate_rfc(text)
    assert not check.valid
    assert check.kind == kind
    assert check.problem is not None and words in check.problem


def test_most_complete_sdn_rfcs_agree_with_sats_check_digit() -> None:
    text = SDN.read_text(encoding="latin-1")
    values = {normalise_rfc(v) for v in re.findall(r"(?:R\.F\.C\.|RFC) #?\s*([^(;]+?)\s*\(", text)}
    complete = [v for v in values if validate_rfc(v).kind and len(v) in (12, 13) and validate_rfc(v).valid]
    agreeing = [v for v in complete if validate_rfc(v).homoclave_ok]
    assert len(complete) > 250
    assert len(agreeing) / len(complete) > 0.85  # the check is the right algorithm; the rest are list errors


def test_normalisation_and_shapes() -> None:
    assert normalise_curp("aimo 681106-hchrrs01") == "AIMO681106HCHRRS01"
    assert compact("2.194.575") == "2194575"
    assert looks_like_curp("AIMO681106HCHRRS01") and not looks_like_curp("AIMO681106")
    assert looks_like_rfc("DIB-771110-HQ1") and not looks_like_rfc("GAMR-501027")


def test_make_identifier_checks_only_curp_and_rfc() -> None:
    curp = make_identifier("curp", "AIMM67125HCHRRG06", "Mexico")
    assert (curp.value, curp.valid) == ("AIMM67125HCHRRG06", False)
    passport = make_identifier("passport", "G-025 057", "Mexico")
    assert (passport.value, passport.valid, passport.raw) == ("G025057", None, "G-025 057")
