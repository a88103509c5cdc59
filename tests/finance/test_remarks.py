"""OFAC Remarks parsed into dates, places, identifiers, weak aliases and links, on real SDN text."""

from __future__ import annotations

from datetime import date

import pytest

from bicentennial.finance.partial_dates import parse_partial_date
from bicentennial.finance.remarks import parse_remarks, split_parts

# Remarks of SDN entities 9338, 9339 and 9341 as the 2021 legacy CSV has them.
R9338 = (
    "DOB 15 Dec 1967; POB Chihuahua, Mexico; nationality Mexico; citizen Mexico; R.F.C. AIMM-671215-387 (Mexico); "
    "C.U.R.P. AIMM67125HCHRRG06 (Mexico) issued 1968."
)
R9339 = (
    "DOB 06 Nov 1968; alt. DOB 11 Jun 1968; POB Chihuahua, Mexico; nationality Mexico; citizen Mexico; "
    "R.F.C. AIMO-681106-9F7 (Mexico); C.U.R.P. AIMO681106HCHRRS01 (Mexico) issued 1969."
)
R9341 = (
    "DOB 27 Sep 1950; alt. DOB 27 Oct 1950; POB Sinaloa, Mexico; nationality Mexico; citizen Mexico; "
    "R.F.C. GAMR-501027 (Mexico); C.U.R.P. GAMR501027HSLXDG00 (Mexico)."
)


def _ids(text: str) -> dict[str, tuple[str, bool | None]]:
    return {ident.kind: (ident.value, ident.valid) for ident in parse_remarks(text).identifiers}


def test_entity_9338() -> None:
    remarks = parse_remarks(R9338)
    assert [(d.year, d.month, d.day) for d in remarks.dobs] == [(1967, 12, 15)]
    assert remarks.pobs == ("Chihuahua, Mexico",)
    assert remarks.nationalities == ("Mexico",) and remarks.citizenships == ("Mexico",)
    assert _ids(R9338) == {"rfc": ("AIMM671215387", True), "curp": ("AIMM67125HCHRRG06", False)}
    curp = next(i for i in remarks.identifiers if i.kind == "curp")
    assert (curp.country, curp.note, curp.label) == ("Mexico", "issued 1968", "C.U.R.P.")
    assert remarks.other == () and remarks.problems == ()


def test_entity_9339_has_two_dobs() -> None:
    remarks = parse_remarks(R9339)
    assert [d.earliest for d in remarks.dobs] == [date(1968, 11, 6), date(1968, 6, 11)]
    assert _ids(R9339) == {"rfc": ("AIMO6811069F7", True), "curp": ("AIMO681106HCHRRS01", True)}


def test_entity_9341_rfc_root_only() -> None:
    remarks = parse_remarks(R9341)
    assert [d.text for d in remarks.dobs] == ["27 Sep 1950", "27 Oct 1950"]
    assert _ids(R9341) == {"rfc": ("GAMR501027", False), "curp": ("GAMR501027HSLXDG00", True)}


def test_weak_aliases_links_gender_and_other() -> None:
    text = (
        "DOB circa 1955; Gender Male; Passport G025057 (Mexico) issued 23 Jun 1999 expires 05 Feb 2004; "
        "a.k.a. 'EL GORDO CHEPE'; a.k.a. 'ABU-'UMAR'; Linked To: LOS ZETAS; Website www.example.mx; "
        "alt. Email Address x@example.mx; ICTY indictee; Linked To: PETROLEOS DE VENEZUELA, S.A."
    )
    remarks = parse_remarks(text)
    assert remarks.weak_aliases == ("EL GORDO CHEPE", "ABU-'UMAR")
    assert remarks.linked_to == ("LOS ZETAS", "PETROLEOS DE VENEZUELA, S.A.")
    assert remarks.gender == "Male"
    assert remarks.websites == ("www.example.mx",) and remarks.emails == ("x@example.mx",)
    assert remarks.other == ("ICTY indictee",)
    passport = remarks.identifiers[0]
    assert (passport.kind, passport.value, passport.country, passport.valid) == ("passport", "G025057", "Mexico", None)
    assert passport.note == "issued 23 Jun 1999 expires 05 Feb 2004"
    assert remarks.dobs[0].circa and remarks.dobs[0].earliest == date(1954, 1, 1)


@pytest.mark.parametrize(
    ("part", "kind", "value", "country"),
    [
        ("Cedula No. 16247821 (Colombia)", "cedula", "16247821", "Colombia"),
        ("NIT # 800146749-7 (Colombia)", "tax_id", "8001467497", "Colombia"),
        ("National ID No. 660000 73767 (Belgium)", "national_id", "66000073767", "Belgium"),
        ("alt. Passport Booklet: A5199819 (Pakistan)", "passport", "A5199819", "Pakistan"),
        ("RFC CAVP-590612-AD1 (Mexico)", "rfc", "CAVP590612AD1", "Mexico"),
        ("C.U.R.P. # GUMA681201HSLTRL05 (Mexico)", "curp", "GUMA681201HSLTRL05", "Mexico"),
        ("Folio Mercantil No. 343997 (Mexico) issued 14 Dec 2005", "registration", "343997", "Mexico"),
        ("Vessel Registration Identification IMO 9187629", "imo", "IMO9187629", ""),
    ],
)
def test_identifier_labels(part: str, kind: str, value: str, country: str) -> None:
    (ident,) = parse_remarks(part).identifiers
    assert (ident.kind, ident.value, ident.country) == (kind, value, country)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("15 Dec 1967", date(1967, 12, 15), date(1967, 12, 15)),
        ("Dec 1967", date(1967, 12, 1), date(1967, 12, 31)),
        ("1967", date(1967, 1, 1), date(1967, 12, 31)),
        ("circa 1951", date(1950, 1, 1), date(1952, 12, 31)),
        ("1960 to 1962", date(1960, 1, 1), date(1962, 12, 31)),
        ("01 Jan 1960 to 31 Dec 1962", date(1960, 1, 1), date(1962, 12, 31)),
        ("Mar 1960 to Feb 1961", date(1960, 3, 1), date(1961, 2, 28)),
        ("circa 1955-1957", date(1954, 1, 1), date(1958, 12, 31)),
        ("circa 29 Feb 1960", date(1959, 2, 28), date(1961, 2, 28)),
        ("1967-12", date(1967, 12, 1), date(1967, 12, 31)),
        ("15/12/1967", date(1967, 12, 15), date(1967, 12, 15)),
    ],
)
def test_partial_dates(text: str, earliest: date, latest: date) -> None:
    parsed = parse_partial_date(text)
    assert parsed is not None and parsed.text == text
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


def test_partial_date_overlap_is_the_screening_evidence() -> None:
    year = parse_partial_date("1967")
    day = parse_partial_date("15 Dec 1967")
    other = parse_partial_date("16 Dec 1967")
    assert year and day and other
    assert year.overlaps(day) and not day.overlaps(other)
    assert day.is_exact and not year.is_exact
    assert year.contains(date(1967, 6, 1)) and not year.contains(date(1968, 1, 1))


@pytest.mark.parametrize("text", ["31 Feb 1970", "1962 to 1960", "Smarch 1970", "", "15 1967", "0900"])
def test_unreadable_dates(text: str) -> None:
    assert parse_partial_date(text) is None


def test_unreadable_dob_is_a_problem_not_an_error() -> None:
    remarks = parse_remarks("DOB 31 Feb 1970; POB Sinaloa, Mexico")
    assert remarks.dobs == () and remarks.pobs == ("Sinaloa, Mexico",)
    assert remarks.problems == ("date of birth '31 Feb 1970' could not be read",)


def test_split_parts_empty_and_stop() -> None:
    assert split_parts("-0- ") == [] and split_parts("") == []
    assert split_parts("nationality Mexico.") == ["nationality Mexico"]
    assert split_parts("Linked To: GRUPO X, S.A. DE C.V.") == ["Linked To: GRUPO X, S.A. DE C.V."]
