"""Name analysis: folding, phonetic keys, person readings, particles, abbreviations, nicknames, legal forms."""

from __future__ import annotations

import pytest

from bicentennial.finance.names import (
    COMPANY,
    MATERNAL,
    PATERNAL,
    PERSON,
    enye_tokens,
    fold,
    guess_kind,
    parse_name,
    phonetic_key,
    strip_legal_forms,
)


def texts(units) -> list[str]:  # type: ignore[no-untyped-def]
    return [u.text for u in units]


def test_fold_removes_accents_and_punctuation_and_keeps_enye_as_n() -> None:
    assert fold("José de Jesús  Ramírez-Peña, Jr.") == "JOSE DE JESUS RAMIREZ PENA JR"
    assert fold("O'Higgins") == "OHIGGINS"
    assert enye_tokens("Enrique Peña Nieto, Muñoz") == ("PENA", "MUNOZ")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("XIMENA", "JIMENA"), ("HERNANDEZ", "HERNANDES"), ("VILLEGAS", "BILLEGAS"), ("QUINTERO", "KINTERO"),
        ("GERARDO", "JERARDO"), ("CECILIA", "SESILIA"), ("HUERTA", "UERTA"), ("YOLANDA", "LLOLANDA"),
        ("GUILLERMO", "GUIYERMO"), ("JOAQUIN", "JOAKIN"), ("CARRILLO", "CARILLO"),
    ],
)  # fmt: skip
def test_phonetic_key_equates_spanish_spellings(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


def test_phonetic_key_keeps_different_names_apart() -> None:
    assert phonetic_key("GARCIA") != phonetic_key("GARZA")
    assert phonetic_key("CHAVEZ") != phonetic_key("SAVES")
    assert phonetic_key("GUILLERMO") != phonetic_key("GILLERMO")  # GI is read JI


def test_sdn_style_name_has_one_reading_with_paternal_and_maternal() -> None:
    parsed = parse_name("AMEZCUA CONTRERAS, Jose de Jesus")
    assert parsed.kind == PERSON
    assert texts(parsed.units) == ["JOSE", "DE JESUS", "AMEZCUA", "CONTRERAS"]
    (reading,) = parsed.readings
    assert texts(reading.given) == ["JOSE", "DE JESUS"]
    assert reading.paternal is not None and reading.paternal.text == "AMEZCUA"
    assert reading.maternal is not None and reading.maternal.core == "CONTRERAS"
    assert parsed.roles[0][2:] == (PATERNAL, MATERNAL)


def test_natural_order_keeps_every_reading() -> None:
    parsed = parse_name("Joaquín Guzmán Loera")
    assert [texts(r.surnames) for r in parsed.readings] == [["GUZMAN", "LOERA"], ["LOERA"]]
    two = parse_name("Guzman Joaquin")
    assert {r.paternal.text for r in two.readings if r.paternal} == {"GUZMAN", "JOAQUIN"}


def test_compound_given_name_is_read_first_even_with_one_surname() -> None:
    parsed = parse_name("María de la Luz García")
    assert texts(parsed.units) == ["MARIA", "DE LA LUZ", "GARCIA"]
    assert texts(parsed.readings[0].given) == ["MARIA", "DE LA LUZ"]
    assert texts(parsed.readings[0].surnames) == ["GARCIA"]
    abbreviated = parse_name("Ma. de la Luz García")
    assert texts(abbreviated.readings[0].given) == ["MA", "DE LA LUZ"]


def test_particles_attach_to_the_following_unit_and_compare_by_core() -> None:
    parsed = parse_name("DE LA ROSA DEL VALLE, Juan")
    assert texts(parsed.units) == ["JUAN", "DE LA ROSA", "DEL VALLE"]
    assert [u.core for u in parsed.units] == ["JUAN", "ROSA", "VALLE"]
    assert texts(parse_name("GONZALEZ PIZANA JR., Rogelio").units) == ["ROGELIO", "GONZALEZ", "PIZANA"]


def test_abbreviations_nicknames_and_initials() -> None:
    units = parse_name("Ma. Gpe. Fco. J. Pérez").units
    assert [sorted(u.alts) for u in units[:3]] == [["MA", "MARIA"], ["GPE", "GUADALUPE"], ["FCO", "FRANCISCO"]]
    assert units[3].initial and not units[4].initial
    beto = parse_name("Beto Ramírez").units[0]
    assert {"ALBERTO", "ROBERTO", "HUMBERTO"} <= beto.alts
    chema = parse_name("Chema Pérez López")
    assert texts(chema.units) == ["JOSE", "MARIA", "PEREZ", "LOPEZ"]
    assert any("CHEMA" in note for note in chema.notes)
    assert "JOSE" in parse_name("Pepe Ruiz").units[0].alts
    assert "ANTONIO" in parse_name("Toño Ruiz").units[0].alts


@pytest.mark.parametrize(
    ("text", "rest", "forms"),
    [
        ("VALPARK, S.A. DE C.V.", "VALPARK", ("S.A. DE C.V.",)),
        ("Chihuahua Foods SA de CV", "CHIHUAHUA FOODS", ("S.A. DE C.V.",)),
        ("Grupo Minero S. de R.L. de C.V.", "GRUPO MINERO", ("S. DE R.L. DE C.V.",)),
        ("Fomento SAPI de CV", "FOMENTO", ("S.A.P.I. DE C.V.",)),
        ("Banco Azteca SAB de CV", "BANCO AZTECA", ("S.A.B. DE C.V.",)),
        ("ANGLO-CARIBBEAN CO., LTD.", "ANGLO-CARIBBEAN", ("CO.", "LTD.")),
        ("Acme Holdings LLC", "ACME HOLDINGS", ("LLC",)),
        ("Fundación Vida A.C.", "FUNDACION VIDA", ("A.C.",)),
        ("Juan Co", "JUAN CO", ()),
    ],
)
def test_legal_forms_are_stripped_with_or_without_dots(text: str, rest: str, forms: tuple[str, ...]) -> None:
    assert strip_legal_forms(text) == (rest, forms)


def test_company_names_drop_legal_forms_and_stopwords() -> None:
    parsed = parse_name("Distribuidora Imperial de Baja California, S.A. de C.V.")
    assert parsed.kind == COMPANY and parsed.legal_forms == ("S.A. DE C.V.",)
    assert texts(parsed.units) == ["DISTRIBUIDORA", "IMPERIAL", "BAJA", "CALIFORNIA"]
    assert guess_kind("Comercializadora Amia") == COMPANY
    assert guess_kind("Rafael Caro Quintero") == PERSON
    assert parse_name("Juan Pérez", COMPANY).kind == COMPANY
