"""Importers against miniature official files (tests/data/outcomes): known sums, detection,
errors that name file/line/column, and fuzzing (any input parses or raises ImportFormatError)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bicentennial.outcomes.importers import (
    FORMATS,
    ImportFormatError,
    Parsed,
    cbp,
    cdc,
    detect_format,
    inegi,
    parse_file,
    sesnsp,
    tidy,
)
from bicentennial.outcomes.importers.sesnsp import HEADERS, release_cut
from bicentennial.outcomes.importers.tidy import sniff_encoding

DATA = Path(__file__).resolve().parents[1] / "data" / "outcomes"
VIDA = "La vida y la Integridad corporal"


def values(parsed: Parsed) -> dict[tuple[str, str, str], float | None]:
    found = {(o.indicator, o.area, o.period): o.value for o in parsed.observations}
    assert len(found) == len(parsed.observations), "one observation per indicator × area × period"
    return found


def write(tmp_path: Path, name: str, text: str, encoding: str = "cp1252") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def raises(path: Path, fmt: str | None = None) -> ImportFormatError:
    with pytest.raises(ImportFormatError) as caught:
        parse_file(path, fmt)
    assert caught.value.file == path.name
    return caught.value


# --- SESNSP -----------------------------------------------------------------------------


def test_state_victims_sum_over_modalidad_sex_and_age() -> None:
    parsed = parse_file(DATA / "IDVFC_NM_dic25.csv")
    got = values(parsed)
    assert (parsed.format, parsed.source, parsed.vintage) == ("sesnsp-state-victims", "SESNSP", "2025-12")
    assert got["mx_homicide_victims_sesnsp", "mx:30", "2023-01"] == 60 + 5 + 0
    assert got["mx_homicide_victims_sesnsp", "mx:30", "2023-03"] == 1204 + 6 + 0  # "1,204": thousands separator
    assert got["mx_feminicide_victims_sesnsp", "mx:30", "2023-04"] == 1 + 0
    assert got["mx_feminicide_victims_sesnsp", "mx:30", "2023-09"] == 0
    assert got["mx_homicide_victims_sesnsp", "mx:19", "2017-05"] == 40  # culposo row left out
    assert got["mx_homicide_victims_sesnsp", "mx:19", "2025-11"] == 1
    assert {o.indicator for o in parsed.observations} == {"mx_homicide_victims_sesnsp", "mx_feminicide_victims_sesnsp"}
    assert len(parsed.observations) == 4 * 12


def test_state_crimes_with_trailing_total_column() -> None:
    parsed = parse_file(DATA / "IDEFC_NM_dic2020.csv")
    got = values(parsed)
    assert (parsed.format, parsed.vintage) == ("sesnsp-state-crimes", "2020-12")
    assert got["mx_homicide_cases_sesnsp", "mx:01", "2020-01"] == 5 + 1 + 0 + 0
    assert got["mx_homicide_cases_sesnsp", "mx:01", "2020-06"] == 7 + 1 + 0 + 0
    homicides_2020 = sum(v or 0 for (i, _, p), v in got.items() if i == "mx_homicide_cases_sesnsp" and p[:4] == "2020")
    assert homicides_2020 == 48 + 9 + 3
    assert got["mx_kidnapping_cases_sesnsp", "mx:01", "2020-04"] == 0 + 1  # extorsivo + exprés
    assert got["mx_feminicide_cases_sesnsp", "mx:01", "2020-03"] == 1
    assert got["mx_homicide_cases_sesnsp", "mx:01", "2019-12"] == 1


def test_municipal_crimes_latin1_cut_and_pseudo_municipalities() -> None:
    parsed = parse_file(DATA / "IDM_NM_sep25.csv")
    got = values(parsed)
    assert (parsed.format, parsed.vintage) == ("sesnsp-municipal-crimes", "2025-09")
    assert got["mx_homicide_cases_sesnsp", "mx:01001", "2015-01"] == 2 + 1
    assert got["mx_homicide_cases_sesnsp", "mx:01001", "2015-05"] == 0
    assert got["mx_homicide_cases_sesnsp", "mx:14039", "2025-09"] == 31
    assert ("mx_homicide_cases_sesnsp", "mx:14039", "2025-10") not in got  # blank: not yet published
    assert got["mx_kidnapping_cases_sesnsp", "mx:14039", "2025-07"] == 1
    assert got["mx_homicide_cases_sesnsp", "mx:20549", "2025-09"] == 1  # quoted name with a comma
    assert not [o for o in parsed.observations if o.area[-3:] in ("998", "999")]
    assert any("3 municipal row(s)" in note and "998" in note for note in parsed.notes)
    assert any("12 blank month" in note for note in parsed.notes)


def test_municipal_2026_file_in_utf8_with_bom() -> None:
    path = DATA / "IDM_NM_feb26.csv"
    assert sniff_encoding(path) == "utf-8-sig"
    assert sniff_encoding(DATA / "IDM_NM_sep25.csv") == "cp1252"
    got = values(parse_file(path))
    assert got == {
        ("mx_homicide_cases_sesnsp", "mx:14039", "2026-01"): 37 + 4,
        ("mx_homicide_cases_sesnsp", "mx:14039", "2026-02"): 29 + 3,
        ("mx_feminicide_cases_sesnsp", "mx:14120", "2026-01"): 1,
        ("mx_feminicide_cases_sesnsp", "mx:14120", "2026-02"): 0,
    }


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        ("IDVFC_NM_dic25.csv", (2025, 12)),
        ("IDEFC_NM_dic2020.csv", (2020, 12)),
        ("IDEFC_NM_abr24.xls", (2024, 4)),
        ("IDM_NM_jun2020.csv", (2020, 6)),
        ("IDM_NM_sep22.csv", (2022, 9)),
        ("RNID-Delitos_Municipal-Historical-2015-2025.csv", None),
    ],
)
def test_release_cut_from_file_name(name: str, cut: tuple[int, int] | None) -> None:
    assert release_cut(name) == cut


# --- INEGI ------------------------------------------------------------------------------


def test_inegi_csv_2022_reads_tipo_defun() -> None:
    parsed = parse_file(DATA / "conjunto_de_datos_defunciones_registradas_2022.csv")
    got = values(parsed)
    assert (parsed.format, parsed.source, parsed.vintage) == ("inegi-deaths", "INEGI", None)
    assert got["mx_homicides_inegi", "mx", "2022"] == 8  # unknown state still in the national total
    assert got["mx_homicides_inegi", "mx:02", "2022"] == 4
    assert got["mx_homicides_inegi", "mx:08", "2022"] == 2
    assert got["mx_homicides_inegi", "mx:01", "2022"] == 0
    assert got["mx_homicides_inegi_monthly", "mx:02", "2022-01"] == 2
    assert got["mx_homicides_inegi_monthly", "mx:09", "2022-01"] == 1
    # occurred 2021-12, registered 2022: left out, it would replace the 2021 file's full count for that month
    assert ("mx_homicides_inegi_monthly", "mx:02", "2021-12") not in got
    assert sum(v or 0 for (i, _, _), v in got.items() if i == "mx_homicides_inegi_monthly") == 4
    assert len([k for k in got if k[0] == "mx_homicides_inegi_monthly"]) == 32 * 12  # explicit zeros
    assert any(n.startswith("1 homicide(s) that occurred before") for n in parsed.notes)
    assert any("TIPO_DEFUN" in n for n in parsed.notes)
    assert any(n.startswith("1 homicide") and "national total only" in n for n in parsed.notes)
    assert any(n.startswith("2 homicide") and "MES_OCURR 99" in n for n in parsed.notes)


def test_inegi_dbf_2020_reads_presunto_and_skips_deleted_records() -> None:
    parsed = parse_file(DATA / "DEFUN20.dbf")
    got = values(parsed)
    assert got["mx_homicides_inegi", "mx", "2020"] == 6
    assert got["mx_homicides_inegi", "mx:12", "2020"] == 4
    assert got["mx_homicides_inegi", "mx:32", "2020"] == 1
    assert got["mx_homicides_inegi_monthly", "mx:12", "2020-05"] == 2  # the deleted third one is not counted
    assert ("mx_homicides_inegi_monthly", "mx:12", "2019-11") not in got  # a late registration
    assert any("PRESUNTO" in n for n in parsed.notes)


def test_inegi_presunto_renamed_back_is_used_for_2022(tmp_path: Path) -> None:
    text = "ent_ocurr,mes_ocurr,anio_ocur,anio_regis,presunto\n2,1,2022,2022,2\n2,1,2022,2022,4\n"
    got = values(parse_file(write(tmp_path, "defun22.csv", text)))
    assert got["mx_homicides_inegi", "mx:02", "2022"] == 1


def test_dbf_generator_is_reproducible() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_dbf", DATA / "make_dbf.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.table() == (DATA / "DEFUN20.dbf").read_bytes()


# --- CDC, CBP, tidy ---------------------------------------------------------------------


def test_cdc_vsrr_reported_and_predicted() -> None:
    parsed = parse_file(DATA / "VSRR_Provisional_Drug_Overdose_Death_Counts.csv")
    got = values(parsed)
    assert (parsed.format, parsed.source) == ("cdc-vsrr", "CDC/NCHS")
    assert got["us_overdose_deaths_predicted", "us", "2024-12"] == 80391
    assert got["us_overdose_deaths", "us", "2024-12"] == 78920
    assert got["us_synthetic_opioid_deaths", "us", "2024-12"] == 47735
    assert got["us_overdose_deaths", "us:36", "2024-12"] == 4118
    assert got["us_overdose_deaths", "us:02", "2024-12"] == 288
    assert ("us_synthetic_opioid_deaths", "us:02", "2024-12") not in got  # suppressed
    assert len(got) == 10  # cocaine, all-cause and percent rows ignored; NYC skipped
    assert any("YC" in n for n in parsed.notes)
    assert any(n.startswith("1 blank Data Value") for n in parsed.notes)


def test_cbp_fentanyl_by_calendar_month() -> None:
    parsed = parse_file(DATA / "nationwide-drugs-fy23-fy26-jul.csv")
    got = values(parsed)
    assert got.keys() == {
        ("us_cbp_fentanyl_seizures", "us", p) for p in ("2024-10", "2024-11", "2025-09", "2025-10", "2025-11")
    }
    assert got["us_cbp_fentanyl_seizures", "us", "2024-10"] == pytest.approx(402.35 + 55.1)  # FY2025 OCT
    assert got["us_cbp_fentanyl_seizures", "us", "2025-09"] == 240
    assert got["us_cbp_fentanyl_seizures", "us", "2025-10"] == 190.25  # "2026 (FYTD)" OCT
    assert got["us_cbp_fentanyl_seizures", "us", "2025-11"] == 0  # heroin only that month
    assert parsed.source == "CBP"


def test_tidy_layouts() -> None:
    plain = parse_file(DATA / "tidy_indicators.csv")
    assert values(plain)["us_cbp_fentanyl_seizures", "us", "FY2021"] == 11200
    assert values(plain)["us_overdose_deaths", "us:06", "2024-12"] is None
    assert plain.observations[0].note == "baseline as in framework.yaml"
    assert plain.source == "tidy"
    assert values(parse_file(DATA / "tidy_bom.csv")) == {("mx_homicides_inegi", "mx:12", "2020"): 1500.5}
    reference = parse_file(DATA / "us_cbp_fentanyl_seizures.csv")
    assert values(reference)["us_cbp_fentanyl_seizures", "us", "FY2022"] == 14699.88
    assert reference.source == "U.S. CBP Drug Seizure Statistics (as reported)"


def test_tidy_rejects_a_second_value_for_the_same_period(tmp_path: Path) -> None:
    text = "indicator,area,period,value\nmx_x,mx,2021,1\nmx_x,mx,2022,1\nmx_x,mx,2021,2\n"
    error = raises(write(tmp_path, "twice.csv", text, "utf-8"))
    assert error.line == 4 and "line 2" in error.expected


def test_tidy_reference_geography_is_lower_cased(tmp_path: Path) -> None:
    text = "series,geography,period,value,unit,source,source_url_or_title,note\nx_rate,MX:09,2020,1.5,u,INEGI,t,\n"
    assert values(parse_file(write(tmp_path, "ref.csv", text, "utf-8"))) == {("x_rate", "mx:09", "2020"): 1.5}


# --- detection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("IDVFC_NM_dic25.csv", "sesnsp-state-victims"),
        ("IDEFC_NM_dic2020.csv", "sesnsp-state-crimes"),
        ("IDM_NM_sep25.csv", "sesnsp-municipal-crimes"),
        ("IDM_NM_feb26.csv", "sesnsp-municipal-crimes"),
        ("conjunto_de_datos_defunciones_registradas_2022.csv", "inegi-deaths"),
        ("DEFUN20.dbf", "inegi-deaths"),
        ("VSRR_Provisional_Drug_Overdose_Death_Counts.csv", "cdc-vsrr"),
        ("nationwide-drugs-fy23-fy26-jul.csv", "cbp-seizures"),
        ("tidy_indicators.csv", "tidy"),
        ("tidy_bom.csv", "tidy"),
        ("us_cbp_fentanyl_seizures.csv", "tidy"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(DATA / name) == fmt
    assert fmt in FORMATS


def test_dbf_detected_without_its_extension(tmp_path: Path) -> None:
    path = tmp_path / "upload-7f3a"
    path.write_bytes((DATA / "DEFUN20.dbf").read_bytes())
    assert detect_format(path) == "inegi-deaths"


def test_unknown_header_lists_the_expected_ones(tmp_path: Path) -> None:
    error = raises(write(tmp_path, "mystery.csv", "fecha,valor\n2020,1\n"))
    assert error.line == 1
    assert error.expected.startswith("unknown header 'fecha,valor'")
    assert HEADERS["sesnsp-state-victims"] in error.expected and cdc.HEADER in error.expected


def test_unknown_format_id(tmp_path: Path) -> None:
    assert "format id" in raises(DATA / "tidy_bom.csv", "xls").expected


# --- errors -----------------------------------------------------------------------------

MUNI = HEADERS["sesnsp-municipal-crimes"]
ROW = f"2025,14,Jalisco,14039,Guadalajara,{VIDA},Homicidio,Homicidio doloso,Con arma de fuego"


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "expected"),
    [
        ("IDM_NM_dic25.csv", f"{MUNI}\n{ROW},1,2,3\n", 2, None, "21 fields like the header, got 12"),
        ("IDM_NM_dic25.csv", f"{MUNI}\n\n{ROW},1,2,abc,4,5,6,7,8,9,10,11,12\n", 3, "Marzo", "got 'abc'"),
        ("IDM_NM_sep25.csv", f"{MUNI}\n{ROW},1,2,3,4,5,6,7,8,9,,1,\n", 2, "Noviembre", "after the release cut 2025-09"),
        ("IDM_NM_sep25.csv", f"{MUNI}\n{ROW},1,2,3,4,5,6,7,8,9,,,\n{ROW},1,2,3,4,5,6,7,8,9,,,\n", 3, None, "duplicate"),
        (
            "IDM_NM_dic25.csv",
            f"{MUNI}\n{ROW.replace(',14039,', ',15039,')}" + ",0" * 12 + "\n",
            2,
            "Cve. Municipio",
            "state 14",
        ),
        ("IDM_NM_dic25.csv", f"{MUNI}\n{ROW.replace('2025,', '20x5,', 1)}" + ",0" * 12 + "\n", 2, "Año", "a year"),
        ("IDM_NM_dic25.csv", f'{MUNI}\n{ROW},"1,2,3\n', 2, None, "closing quote"),
        ("IDM_NM_dic25.csv", MUNI.replace(",Marzo", "") + "\n", 1, "Marzo", "column named 'Marzo'"),
        ("IDM_NM_dic25.csv", HEADERS["sesnsp-state-victims"] + "\n", 1, None, "sesnsp-state-victims file"),
    ],
)
def test_sesnsp_errors_name_line_and_column(
    tmp_path: Path, name: str, text: str, line: int, column: str | None, expected: str
) -> None:
    error = raises(write(tmp_path, name, text), "sesnsp-municipal-crimes")
    assert (error.line, error.column) == (line, column)
    assert expected in error.expected
    assert str(error).startswith(f"{name}, line {line}")


def test_sesnsp_non_numeric_count_message(tmp_path: Path) -> None:
    error = raises(write(tmp_path, "IDM_NM_dic25.csv", f"{MUNI}\n{ROW},1,abc" + ",0" * 10 + "\n"))
    assert error.expected == "expected a whole number, got 'abc'"
    assert (error.line, error.column) == (2, "Febrero")


def test_mixed_encoding_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "IDM_NM_dic25.csv"
    path.write_bytes(f"{MUNI}\n".encode() + b"x" * (1 << 20) + b"\n" + b"\x81\x8d\n")
    assert "encoding" in raises(path).expected


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "expected"),
    [
        ("t.csv", "indicator,area,period,value\nmx_x,mx,2021-13,1\n", 2, "period", "a period"),
        ("t.csv", "indicator,area,period,value\nmx_x,mx,2021,n/a\n", 2, "value", "a number, got 'n/a'"),
        ("t.csv", "indicator,area,period,value\nmx_x,Mexico,2021,1\n", 2, "area", "an area code"),
        ("defun.csv", "ent_ocurr,mes_ocurr,anio_ocur,anio_regis,presunto\n2,1,2020,2020,x\n", 2, "presunto", "'x'"),
        ("defun.csv", "ent_ocurr,mes_ocurr,anio_ocur,anio_regis,presunto\n2,13,2020,2020,2\n", 2, "mes_ocurr", "1-12"),
        (
            "v.csv",
            cdc.HEADER + "\nZZ,2024,May,12 month-ending,Number of Drug Overdose Deaths,1,,,,,,\n",
            2,
            "State",
            "'ZZ'",
        ),
        (
            "v.csv",
            cdc.HEADER + "\nUS,2024,Mai,12 month-ending,Number of Drug Overdose Deaths,1,,,,,,\n",
            2,
            "Month",
            "'Mai'",
        ),
        ("c.csv", cbp.HEADER + "\n2025,OCTOBER,OFO,SW,SW,X,Fentanyl,1,2\n", 2, "Month (abbv)", "OCT…SEP"),
        ("c.csv", cbp.HEADER + "\nFY25,OCT,OFO,SW,SW,X,Fentanyl,1,2\n", 2, "FY", "a fiscal year"),
    ],
)
def test_other_errors_name_line_and_column(
    tmp_path: Path, name: str, text: str, line: int, column: str, expected: str
) -> None:
    error = raises(write(tmp_path, name, text, "utf-8"))
    assert (error.line, error.column) == (line, column)
    assert expected in error.expected


@pytest.mark.parametrize(
    ("fmt", "text", "column"),
    [
        ("tidy", "indicator,area,value\nmx_x,mx,1\n", "period"),
        ("inegi-deaths", "ent_ocurr,anio_ocur,anio_regis,presunto\n", "MES_OCURR"),
        ("inegi-deaths", "ent_ocurr,mes_ocurr,anio_ocur,anio_regis\n", "PRESUNTO"),
        ("cdc-vsrr", "State,Year,Month,Period,Indicator\n", "Data Value"),
        ("cbp-seizures", "FY,Month (abbv),Drug Type\n", "Sum Qty (lbs)"),
    ],
)
def test_missing_column_when_the_format_is_given(tmp_path: Path, fmt: str, text: str, column: str) -> None:
    error = raises(write(tmp_path, "x.csv", text, "utf-8"), fmt)
    assert (error.line, error.column) == (1, column)


def test_broken_dbf_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "DEFUN21.dbf"
    path.write_bytes(b"\x03\x79\x07\x1f" + b"\x00" * 5)
    assert "dBase" in raises(path).expected


# --- fuzzing: any input parses or raises ImportFormatError -------------------------------

TOKENS = ["", "0", "12", "1,234", '"', '"a,b"', "abc", " ", "\n", "\r\n", "2025", "14", "14039", "14998", "Homicidio",
          "Homicidio doloso", "Feminicidio", "Secuestro", "ñ", "\x00", "-1", "9" * 30]  # fmt: skip
cells = st.one_of(st.sampled_from(TOKENS), st.text(max_size=6))
rows = st.lists(st.lists(cells, min_size=0, max_size=24).map(",".join), max_size=8).map("\n".join)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parses_or_rejects(name: str, data: bytes, parse: Callable[[Path], Parsed]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            parsed = parse(path)
        except ImportFormatError:
            return
        assert isinstance(parsed, Parsed)


@FUZZ
@given(st.sampled_from(sorted(sesnsp.FAMILIES)), rows, st.sampled_from(["cp1252", "utf-8", "utf-8-sig"]))
def test_sesnsp_fuzz_below_a_valid_header(fmt: str, body: str, encoding: str) -> None:
    text = f"{HEADERS[fmt]}\n{body}"
    _parses_or_rejects("IDM_NM_jun25.csv", text.encode(encoding, "replace"), lambda p: sesnsp.parse(p, fmt))


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_sesnsp_fuzz_arbitrary_bytes(data: bytes) -> None:
    _parses_or_rejects("IDVFC_NM_dic25.csv", data, sesnsp.parse_state_victims)


@FUZZ
@given(st.sampled_from(["indicator,area,period,value,note", "series,geography,period,value,source,note"]), rows)
def test_tidy_fuzz_below_a_valid_header(header: str, body: str) -> None:
    _parses_or_rejects("tidy.csv", f"{header}\n{body}".encode(), tidy.parse)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_tidy_and_detection_fuzz_arbitrary_bytes(data: bytes) -> None:
    _parses_or_rejects("tidy.csv", data, tidy.parse)
    _parses_or_rejects("upload.csv", data, parse_file)


def test_every_format_is_reachable() -> None:
    modules = {"inegi-deaths": inegi, "cdc-vsrr": cdc, "cbp-seizures": cbp, "tidy": tidy}
    assert set(FORMATS) == set(sesnsp.FAMILIES) | set(modules)
