"""SaTScan-style files: fixtures parse to hand-checked tables, every mistake names file/line/field."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.satscan_files import (
    format_clusters,
    format_gis,
    read_scan_input,
    write_case_file,
    write_coordinates_file,
    write_population_file,
)
from bicentennial.hotspots.scan import ScanParameters, scan_space_time

DATA = Path(__file__).resolve().parents[1] / "data" / "hotspots"
CASES = (DATA / "homicides.cas").read_text(encoding="utf-8")
COORDS = (DATA / "municipios.geo").read_text(encoding="utf-8")
POPULATION = (DATA / "municipios.pop").read_text(encoding="utf-8")
NAMES = {"cases_name": "homicides.cas", "coords_name": "municipios.geo", "population_name": "municipios.pop"}


def read(cases=CASES, coords=COORDS, population=POPULATION, **kwargs):
    return read_scan_input(cases, coords, population, **NAMES, **kwargs)


def test_fixture_files_assemble_into_monthly_tables():
    data = read()
    assert data.ids == ("09005", "09007", "14039", "15033", "15058", "19039")
    assert data.periods == ("2020-01", "2020-02", "2020-03")
    expected = [[3, 2, 0], [5, 5, 0], [4, 0, 0], [0, 0, 7], [0, 0, 2], [0, 6, 0]]  # days summed into months
    assert_array_equal(data.cases, expected)
    assert data.cases.dtype == np.int64
    assert_allclose(data.coords[1], [19.349247, -99.056604])
    # Before the first census (1 July 2020) the population is held at the 2020 value.
    assert_allclose(data.population[:, 0], [1173351, 1835486, 1385629, 1645352, 1077208, 1142994])
    assert read(population=None).population is None


def test_population_is_interpolated_linearly_between_census_years():
    data = read(start="2020-01", end="2026-12")
    assert len(data.periods) == 84
    october_2022 = data.periods.index("2022-10")
    # 2020 stands for 1 July 2020 and 2025 for 1 July 2025, 60 months apart; the middle of October 2022
    # is 27.5 months after the first: 1173351 + (1185000 - 1173351) × 27.5 / 60 = 1178689.96 (GAM).
    assert_allclose(data.population[0, october_2022], 1173351 + 11649 * 27.5 / 60, rtol=1e-12)
    assert_allclose(data.population[0, data.periods.index("2026-03")], 1185000)  # constant after the last
    assert_allclose(data.population[2, october_2022], 1385629)  # a single census: constant


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("cases", "09005 -3 2020/01", "homicides.cas, line 1, field count"),
        ("cases", "09005 2.5 2020/01", "homicides.cas, line 1, field count"),
        ("cases", "; header\n09005 2 2020/13", "homicides.cas, line 2, field date"),
        ("cases", "09005 2 2021/02/29", "homicides.cas, line 1, field date"),
        ("cases", "09005 2 2020/02/30", "field date"),
        ("cases", "09005 2 20-01", "field date"),
        ("cases", "99999 2 2020/01", "homicides.cas, line 1, field location: '99999' is not in the coordinates"),
        ("cases", "09005 2", "homicides.cas, line 1, field line"),
        ("cases", "09005 2 2020/01 male", "homicides.cas, line 1, field line"),
        ("coords", "09005 19.5 -99.1\n09007 19.3 -99.0\n09005 19.5 -99.1", "municipios.geo, line 3, field location"),
        ("coords", "09005 95.0 -99.1", "municipios.geo, line 1, field latitude"),
        ("coords", "09005 19.5 -199.1", "municipios.geo, line 1, field longitude"),
        ("coords", "09005 north -99.1", "municipios.geo, line 1, field latitude"),
        ("coords", "09005 nan -99.1", "municipios.geo, line 1, field latitude"),
        ("population", "99999 2020 1000", "municipios.pop, line 1, field location"),
        ("population", "09005 20x0 1000", "municipios.pop, line 1, field year"),
        ("population", "09005 2020 -5", "municipios.pop, line 1, field population"),
        ("population", "09005 2020 inf", "municipios.pop, line 1, field population"),
    ],
)
def test_mistakes_name_the_file_line_and_field(file, text, message):
    texts = {"cases": CASES, "coords": COORDS, "population": POPULATION}
    if file == "coords":
        texts["cases"], texts["population"] = "09005 1 2020/01", None
    texts[file] = text
    with pytest.raises(InvalidInput, match=message):
        read(texts["cases"], texts["coords"], texts["population"])


def test_period_and_population_mistakes():
    with pytest.raises(InvalidInput, match="start 2020-05 is after end 2020-01"):
        read(start="2020-05", end="2020-01")
    outside = "homicides.cas, line 2, field date: 2020-01 is outside the study period 2020-03 to 2020-06"
    with pytest.raises(InvalidInput, match=re.escape(outside)):
        read(start="2020-03", end="2020-06")
    with pytest.raises(InvalidInput, match="start: '2020-14'"):
        read(start="2020-14")
    no_gam = "\n".join(line for line in POPULATION.splitlines() if not line.startswith("09005"))
    with pytest.raises(InvalidInput, match=re.escape("homicides.cas, line 2, field count: cases at 09005 in 2020-01")):
        read(population=no_gam)
    with pytest.raises(InvalidInput, match=re.escape("homicides.cas: no cases")):
        read(cases="; nothing yet\n")


def test_exports_read_back_to_the_same_tables():
    data = read()
    cases_text = write_case_file(data.ids, data.periods, data.cases)
    coords_text = write_coordinates_file(data.ids, data.coords)
    population_text = write_population_file(data.ids, ["2020"], data.population[:, :1])
    assert cases_text.splitlines()[0] == "09005 3 2020/01"
    again = read(cases_text, coords_text, population_text, start="2020-01", end="2020-03")
    assert again.ids == data.ids and again.periods == data.periods
    assert_array_equal(again.cases, data.cases)
    assert_array_equal(again.coords, data.coords)
    assert_array_equal(again.population, data.population)
    with pytest.raises(InvalidInput, match=re.escape("location id 'Gustavo A. Madero'")):
        write_coordinates_file(["Gustavo A. Madero"], data.coords[:1])


def test_cluster_and_location_files_carry_satscan_columns():
    data = read()
    population = np.where(data.population > 0, data.population, 1.0)
    result = scan_space_time(data.cases, data.coords, population, ScanParameters(max_population=0.5, replicas=9))
    col = [line.split() for line in format_clusters(result, data.ids, data.periods, data.coords).splitlines()]
    assert " ".join(col[0][:15]) == (
        "CLUSTER LOC_ID LATITUDE LONGITUDE RADIUS START_DATE END_DATE NUMBER_LOC TEST_STAT P_VALUE RECURR_INT "
        "OBSERVED EXPECTED ODE REL_RISK"
    )
    top = result.clusters[0]
    row = dict(zip(col[0], col[1], strict=True))
    assert row["CLUSTER"] == "1" and row["LOC_ID"] == data.ids[top.centre]
    assert row["START_DATE"] == data.periods[top.start].replace("-", "/") + "/01"
    assert row["END_DATE"].startswith(data.periods[top.end].replace("-", "/"))
    assert int(row["NUMBER_LOC"]) == len(top.locations) and int(row["OBSERVED"]) == top.observed
    assert_allclose(float(row["TEST_STAT"]), top.llr, atol=1e-6)
    assert row["RECURR_INT"] == "NA" and float(row["P_VALUE"]) == top.p_value
    gis = [line.split() for line in format_gis(result, data.ids).splitlines()]
    assert " ".join(gis[0][:7]) == "LOC_ID CLUSTER P_VALUE CLU_OBS CLU_EXP CLU_ODE CLU_RR"
    assert len(gis) == 1 + sum(len(c.locations) for c in result.clusters)
    assert [r[0] for r in gis[1 : 1 + len(top.locations)]] == [data.ids[a] for a in top.locations]


TOKENS = st.sampled_from(["09005", "09007", "99999", "2020", "2020/01", "2020-02-30", "2020/2/3", "-1", "1.5", "7"])
LINES = st.lists(st.one_of(TOKENS, st.text(max_size=6)), max_size=4).map(" ".join)
TEXTS = st.one_of(st.text(), st.lists(LINES, max_size=6).map("\n".join))


@settings(max_examples=150, deadline=None)
@given(cases=TEXTS, coords=TEXTS, population=st.one_of(st.none(), TEXTS))
def test_any_text_parses_or_raises_invalid_input(cases, coords, population):
    try:
        data = read(cases, coords, population)
    except InvalidInput as error:
        assert error.message
    else:
        assert data.cases.shape == (len(data.ids), len(data.periods))


@settings(max_examples=100, deadline=None)
@given(cases=TEXTS)
def test_any_case_text_against_real_coordinates_parses_or_raises_invalid_input(cases):
    try:
        data = read(cases, COORDS, POPULATION)
    except InvalidInput as error:
        assert error.message
    else:
        assert data.cases.min() >= 0
