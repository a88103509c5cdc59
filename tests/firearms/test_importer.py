"""Trace importer, serial and reference lookups: pure functions over small fixture files."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bicentennial.core.errors import InvalidInput
from bicentennial.firearms import reference as ref
from bicentennial.firearms.importer import RowError, parse_date, parse_traces
from bicentennial.firearms.serials import is_obliterated, normalize_serial, valid_ffl

DATA = Path(__file__).resolve().parents[1] / "data" / "firearms"
TODAY = date(2025, 1, 1)


# --- reference lookups, expectations checked by hand -------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("COLT'S MFG", "Colt's Manufacturing"),
        ("colts", "Colt's Manufacturing"),
        ("S & W", "Smith & Wesson"),
        ("smith and wesson", "Smith & Wesson"),
        ("Sturm Ruger", "Sturm, Ruger & Co."),
        ("GLOCK GMBH", "Glock"),
        ("CAI", "Century Arms"),
        ("FNH USA", "FN Herstal"),
        ("H&K", "Heckler & Koch"),
        ("Cugir", "Romarm/Cugir"),
        ("  Acme Tool Works ", "Acme Tool Works"),  # unknown makes kept as given
    ],
)
def test_canonical_manufacturer(raw: str, expected: str) -> None:
    assert ref.canonical_manufacturer(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9MM LUGER", ("9mm", False)),
        ("9 mm Parabellum", ("9mm", False)),
        ("9x19", ("9mm", False)),
        ("223 REM", ("5.56x45mm", True)),
        ("5.56X45 NATO", ("5.56x45mm", True)),
        ("7.62 X 39", ("7.62x39mm", True)),
        ("7.62×39", ("7.62x39mm", True)),
        (".50 CAL BMG", (".50 BMG", True)),
        ("12.7x99", (".50 BMG", True)),
        (".38 super", (".38 Super", False)),
        ("38 SPL", (".38 Special", False)),
        (".308 Win", ("7.62x51mm", False)),
        ("12 GA", ("12 gauge", False)),
        ("4.6x30", ("4.6x30", False)),
    ],
)
def test_canonical_caliber(raw: str, expected: tuple[str, bool]) -> None:
    assert ref.canonical_caliber(raw) == expected


def test_us_state() -> None:
    assert [ref.us_state(s) for s in ("TX", "Texas", "texas", " az ", "District of Columbia", "PR")] == [
        "TX",
        "TX",
        "TX",
        "AZ",
        "DC",
        "PR",
    ]
    assert ref.us_state("ZZ") is None
    assert ref.us_state("Tamaulipas") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9", "mx:09"),
        ("09", "mx:09"),
        ("CDMX", "mx:09"),
        ("Ciudad de México", "mx:09"),
        ("CIUDAD DE MEXICO", "mx:09"),
        ("Distrito Federal", "mx:09"),
        ("chihuahua", "mx:08"),
        ("Michoacán", "mx:16"),
        ("michoacan de ocampo", "mx:16"),
        ("Nuevo Leon", "mx:19"),
        ("Estado de México", "mx:15"),
        ("Tamps.", "mx:28"),
        ("33", None),
        ("Texas", None),
    ],
)
def test_mx_state(raw: str, expected: str | None) -> None:
    assert ref.mx_state(raw) == expected


def test_mx_municipality() -> None:
    assert ref.mx_municipality("08037") == "mx:08037"  # Juárez, Chihuahua
    assert ref.mx_municipality("037", "Chihuahua") == "mx:08037"
    assert ref.mx_municipality("15", "CDMX") == "mx:09015"  # Cuauhtémoc
    assert ref.mx_municipality("Culiacán", "mx:25") == "mx:25006"
    assert ref.mx_municipality("08037", "09") is None  # code and state disagree
    assert ref.mx_municipality("999", "09") is None
    assert ref.mx_municipality("037") is None  # three digits need a state


# --- serials and licences ----------------------------------------------------------------------


def test_normalize_serial() -> None:
    assert normalize_serial(" kcv-12.34/5 ") == ("KCV12345", [])
    assert normalize_serial("AB-O123") == ("ABO123", ["serial has O/0 look-alike"])
    assert normalize_serial("1I23") == ("1I23", ["serial has I/1 look-alike"])
    assert normalize_serial("L1234")[1] == ["serial has I/1 look-alike"]
    assert normalize_serial("L2345")[1] == []
    assert normalize_serial("  - ") == ("", ["serial is empty"])
    assert normalize_serial("Borrado")[1] == ["serial is obliterated"]


@pytest.mark.parametrize(
    "raw", ["OBLITERATED", "oblit.", "BORRADO", "Limado", "ILEGIBLE", "none", "Sin Serie", "XXXX", "***", "x x x"]
)
def test_is_obliterated(raw: str) -> None:
    assert is_obliterated(raw)


@pytest.mark.parametrize("raw", ["", "AB12345", "X1234", "NONE123X"])
def test_is_not_obliterated(raw: str) -> None:
    assert not is_obliterated(raw)


def test_valid_ffl() -> None:
    assert valid_ffl("5-74-123-01-2A-12345") == "574123012A12345"
    assert valid_ffl("574123012a12345") == "574123012A12345"
    assert valid_ffl("0-74-123-01-2A-12345") is None  # region 0
    assert valid_ffl("5-74-123-12-2A-12345") is None  # licence type 12
    assert valid_ffl("5-74-123-01-2N-12345") is None  # month letter past M
    assert valid_ffl("5-74-123-01-2A-1234") is None
    assert valid_ffl("5-74-123-01-2A-12345\n") == "574123012A12345"


@given(st.text())
def test_normalize_serial_keeps_letters_and_digits(raw: str) -> None:
    normalized, warnings = normalize_serial(raw)
    assert [c for c in normalized if c.isalnum()] == [c for c in raw.upper() if c.isalnum()]
    assert isinstance(warnings, list)
    assert isinstance(is_obliterated(raw), bool)


@given(st.text())
def test_valid_ffl_never_raises(raw: str) -> None:
    result = valid_ffl(raw)
    assert result is None or len(result) == 15


@given(st.text(max_size=30))
def test_parse_date_parses_or_raises_value_error(raw: str) -> None:
    with contextlib.suppress(ValueError):
        assert isinstance(parse_date(raw), date)


# --- whole files -------------------------------------------------------------------------------


def test_english_file() -> None:
    parsed = parse_traces(DATA / "traces_en.csv", today=TODAY)
    assert parsed.errors == []
    assert parsed.columns["recovery_state"] == "recovery_state"
    first, obliterated, colt, barrett = parsed.rows
    assert (first.line, first.serial, first.serial_normalized) == (2, "KCV-1234", "KCV1234")
    assert (first.manufacturer, first.caliber, first.firearm_type) == ("Smith & Wesson", "5.56x45mm", "rifle")
    assert (first.recovery_state, first.recovery_area, first.recovery_date) == ("mx:08", "mx:08037", date(2021, 3, 5))
    assert (first.dealer_ffl, first.dealer_state, first.multiple_sale) == ("574123012A12345", "TX", True)
    assert first.time_to_crime_days == (date(2021, 3, 5) - date(2019, 11, 20)).days
    assert first.country_of_origin == "US"
    assert obliterated.serial_obliterated
    assert (obliterated.trace_status, obliterated.not_traced_reason) == ("not_traced", "obliterated_serial")
    assert (obliterated.recovery_state, obliterated.caliber, obliterated.importer) == (
        "mx:28",
        "7.62x39mm",
        "Century International Arms",
    )
    assert (colt.manufacturer, colt.caliber, colt.recovery_area) == ("Colt's Manufacturing", ".38 Super", "mx:09015")
    assert colt.warnings == []
    assert (barrett.caliber, barrett.recovery_area, barrett.trace_status) == (".50 BMG", "mx:25006", "not_traced")
    assert barrett.not_traced_reason == "too_old"
    assert barrett.dealer_state == "" and not barrett.us_sourced


def test_spanish_latin1_file() -> None:
    parsed = parse_traces(DATA / "trazas_es_latin1.csv", today=TODAY)
    assert parsed.errors == []
    assert parsed.columns["Número de Serie"] == "serial"
    assert parsed.columns["Fecha de Recuperación"] == "recovery_date"
    assert parsed.columns["Armería"] == "dealer_name"
    limado, glock, taurus = parsed.rows
    assert limado.serial_obliterated and limado.recovery_date == date(2021, 3, 5)
    assert (limado.recovery_state, limado.firearm_type, limado.country_of_origin) == ("mx:16", "rifle", "RO")
    assert (limado.trace_status, limado.not_traced_reason) == ("not_traced", "serie_limada")
    assert (glock.recovery_date, glock.purchase_date) == (date(2020, 2, 14), date(2018, 7, 3))
    assert (glock.recovery_state, glock.recovery_area, glock.dealer_state) == ("mx:09", "mx:09007", "CA")
    assert (glock.dealer_name, glock.multiple_sale, glock.country_of_origin) == ("Armería del Río", True, "AT")
    assert (taurus.serial, taurus.recovery_date, taurus.recovery_area) == ("ÑB1120", date(2019, 12, 1), "mx:14039")


def test_bad_rows_are_reported_by_line_and_column() -> None:
    parsed = parse_traces(DATA / "traces_bad.csv", today=TODAY)
    assert [r.serial for r in parsed.rows] == ["GOOD0001", "GOOD0008"]
    found = {(e.line, e.column) for e in parsed.errors}
    assert found == {
        (3, "purchase_date"),  # recovered before purchase
        (4, "recovery_date"),  # in the future
        (5, "recovery_state"),  # no Mexican state 40
        (6, "dealer_state"),  # no US state ZZ
        (7, "ffl"),  # licence type 13
        (8, "recovery_date"),  # not a date
    }
    messages = {e.line: e.message for e in parsed.errors}
    assert "before purchase" in messages[3]
    assert "future" in messages[4]
    assert "'40'" in messages[5]
    assert "'ZZ'" in messages[6]
    assert "FFL" in messages[7]
    assert "not a date" in messages[8]


def test_duplicates() -> None:
    parsed = parse_traces(DATA / "traces_duplicates.csv", today=TODAY)
    assert parsed.errors == []
    assert parsed.columns == {
        "serial": "serial",
        "manufacturer": "manufacturer",
        "recovery_date": "recovery_date",
        "recovery_state": "recovery_state",
    }
    # Line 4 differs by date; obliterated serials (5, 6) identify nothing and are never duplicates.
    assert parsed.duplicates == [(2, 3), (2, 7)]


def test_unknown_columns_are_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("serial,recovery_date,recovery_state,colour,peso\nA1,2021-01-01,09,red,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"unknown columns: 'colour', 'peso'; recognised: .*numero_de_serie"):
        parse_traces(path)


def test_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("serie,fabricante\nA1,Colt\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing required columns: recovery_date, recovery_state"):
        parse_traces(path)


def test_semicolons_ragged_rows_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("serie;fecha_aseguramiento;entidad;marca\nA1;2021-01-01;9\n\nA2;2021-01-01;9;Colt;extra\n")
    parsed = parse_traces(path, today=TODAY)
    assert [(r.line, r.manufacturer) for r in parsed.rows] == [(2, "")]
    assert parsed.errors == [RowError(4, "", "row has 5 cells, the header has 4")]


def test_xlsx_workbook_with_spanish_headers_and_real_dates(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Número de serie",
            "Fabricante",
            "Calibre",
            "Fecha de recuperación",
            "Entidad",
            "Fecha de compra",
            "Estado armería",
            "Licencia FFL",
        ]
    )
    sheet.append(
        [
            "ab-123",
            "S&W",
            "9MM LUGER",
            datetime(2021, 3, 5),
            "Jalisco",
            datetime(2019, 1, 2),
            "TX",
            "5-74-123-01-2A-12345",
        ]
    )
    sheet.append(["zz-9", "Glock", ".40", datetime(2030, 1, 1), 14, None, None, None])
    path = tmp_path / "aseguramientos.xlsx"
    book.save(path)
    parsed = parse_traces(path, today=TODAY)
    assert [(r.serial_normalized, r.manufacturer, r.recovery_state, r.dealer_state) for r in parsed.rows] == [
        ("AB123", "Smith & Wesson", "mx:14", "TX")
    ]
    assert parsed.rows[0].time_to_crime_days == (date(2021, 3, 5) - date(2019, 1, 2)).days
    assert [e.line for e in parsed.errors] == [3]  # recovered in the future


def test_broken_xlsx_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "traces.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InvalidInput, match=r"traces\.xlsx: not a readable XLSX workbook"):
        parse_traces(path)
