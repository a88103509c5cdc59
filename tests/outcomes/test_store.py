"""The observation store and scorecard on real bundled data: vintages, as-of, idempotent atomic imports."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from bicentennial.core.config import ConfigError
from bicentennial.outcomes import framework as fw_module
from bicentennial.outcomes import scorecard, store
from bicentennial.outcomes.importers.base import ImportFormatError
from tests.conftest import SHARED


def write_tidy(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["indicator", "area", "period", "value"])
        writer.writerows(rows)
    return path


def test_bundled_series_match_the_reference_files(session) -> None:
    rows = {
        (r["period"]): float(r["value"])
        for r in csv.DictReader((SHARED / "series/us_overdose_deaths_cdc.csv").open())
        if r["series"] == "us_drug_overdose_deaths"
    }
    got = {p.period: p.value for p in store.series(session=session, indicator="us_overdose_deaths", area="us")}
    for period, value in rows.items():
        assert got[period] == value  # final counts outrank the provisional ones published earlier


def test_as_of_returns_figures_as_published_then(session) -> None:
    latest = {p.period: p for p in store.series(session=session, indicator="mx_homicides_inegi", area="mx")}
    then = {
        p.period: p
        for p in store.series(session=session, indicator="mx_homicides_inegi", area="mx", as_of=date(2022, 8, 1))
    }
    assert then["2021"].vintage == "preliminary" and then["2021"].value == 35625
    assert latest["2021"].vintage == "definitive" and latest["2021"].value == 35700
    assert "2022" not in then


def test_homicide_rate_is_derived_and_close_to_inegis_published_rate(session) -> None:
    published = {
        r["period"]: float(r["value"])
        for r in csv.DictReader((SHARED / "series/mx_homicide_rate_inegi_national.csv").open())
        if r["geography"] == "MX"
    }
    ours = {p.period: p.value for p in store.series(session=session, indicator="mx_homicide_rate", area="mx")}
    for period, rate in published.items():
        if period in ours:  # INEGI's own denominators differ slightly from CONAPO's
            assert ours[period] == pytest.approx(rate, rel=0.04)


def test_tidy_import_is_atomic_and_idempotent(session, tmp_path: Path) -> None:
    good = write_tidy(tmp_path / "victims.csv", [("mx_homicide_victims_sesnsp", "mx:09", "2030", "900")])
    first = store.import_file(session=session, path=good, actor="tester")
    assert first.added == 1 and not first.duplicate
    again = store.import_file(session=session, path=good, actor="tester")
    assert again.duplicate and again.batch_id == first.batch_id
    bad = write_tidy(
        tmp_path / "bad.csv",
        [("mx_homicide_victims_sesnsp", "mx:09", "2031", "1"), ("mx_homicide_victims_sesnsp", "mx:77", "2031", "2")],
    )
    with pytest.raises(ImportFormatError, match="line 3") as caught:
        store.import_file(session=session, path=bad)
    assert "mx:77" in caught.value.message
    assert [p.period for p in store.series(session=session, indicator="mx_homicide_victims_sesnsp", area="mx:09")][
        -1
    ] == "2030"  # nothing of bad.csv landed
    partial = store.import_file(session=session, path=bad, skip_unknown_areas=True)
    assert partial.added == 1 and partial.skipped == ["mx:77: 1 row(s) skipped, unknown area"]


def test_unknown_indicator_is_rejected(session, tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="indicator"):
        store.import_file(session=session, path=write_tidy(tmp_path / "x.csv", [("happiness", "mx", "2020", "1")]))


def test_scorecard_rows(session) -> None:
    rows = scorecard.scorecard(session=session)
    kinds = [r.kind for r in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "outcome")  # outcomes first
    by_id = {r.id: r for r in rows}
    overdoses = by_id["us_overdose_deaths"]
    assert overdoses.latest_period == "2024" and overdoses.trend["n"] == 10
    assert overdoses.status in ("on track", "off track", "uncertain")
    assert by_id["mx_army_arrests_drug_suspects"].status == "insufficient data"  # two points, no target


def test_monthly_data_feed_the_seasonal_trend(session, tmp_path: Path) -> None:
    rows = [
        ("mx_feminicide_victims_sesnsp", f"mx:{s:02d}", f"{y}-{m:02d}", str(30 - (y - 2019) + (m % 3)))
        for s in range(1, 33)
        for y in range(2019, 2024)
        for m in range(1, 13)
    ]
    store.import_file(session=session, path=write_tidy(tmp_path / "monthly.csv", rows))
    national = store.series(session=session, indicator="mx_feminicide_victims_sesnsp", area="mx")
    assert any(p.period == "2020-01" and p.value == 32 * (30 - 1 + 1) for p in national)  # summed from the states
    row = scorecard.row_for(session, fw_module.framework().indicators["mx_feminicide_victims_sesnsp"])
    assert row.trend["observations"] == "monthly" and row.trend["slope"] < 0


def test_framework_errors_name_file_indicator_and_field() -> None:
    text = (
        fw_module.resources.files("bicentennial.outcomes")
        .joinpath("framework.yaml")
        .read_text("utf-8")
        .replace("kind: output", "kind: outputs", 1)
    )
    with pytest.raises(ConfigError, match=r"framework.yaml: indicator 'us_cbp_fentanyl_seizures', field 'kind'"):
        fw_module.load_text(text, "framework.yaml")
    with pytest.raises(ConfigError, match=r"framework.yaml, line \d+, column \d+: not valid YAML"):
        fw_module.load_text("goals:\n  - id: [unclosed\n", "framework.yaml")


DATA = Path(__file__).resolve().parents[1] / "data" / "outcomes"


@pytest.mark.parametrize(
    "name",
    [
        "IDVFC_NM_dic25.csv",
        "IDEFC_NM_dic2020.csv",
        "IDM_NM_sep25.csv",
        "DEFUN20.dbf",
        "conjunto_de_datos_defunciones_registradas_2022.csv",
        "VSRR_Provisional_Drug_Overdose_Death_Counts.csv",
        "nationwide-drugs-fy23-fy26-jul.csv",
    ],
)
def test_every_fixture_format_lands_in_the_store(session, name: str) -> None:
    report = store.import_file(session=session, path=DATA / name, actor="tester")
    assert report.added > 0 and not report.skipped
    assert store.import_file(session=session, path=DATA / name).duplicate


def test_sesnsp_cut_is_the_vintage(session) -> None:
    store.import_file(session=session, path=DATA / "IDVFC_NM_dic25.csv")
    points = store.series(session=session, indicator="mx_homicide_victims_sesnsp", area="mx:30")
    monthly = [p for p in points if len(p.period) == 7]
    assert monthly and {p.vintage for p in monthly} == {"2025-12"} and monthly[0].published_on == "2026-01-20"


def test_cbp_months_add_up_to_fiscal_years() -> None:
    from bicentennial.outcomes.framework import framework
    from bicentennial.outcomes.store import Point

    spec = framework().indicators["us_cbp_fentanyl_seizures"]
    months = [f"2023-{m:02d}" for m in range(3, 13)] + [f"2024-{m:02d}" for m in range(1, 13)]
    points = [Point(p, 10.0, "v", "2025-01-01") for p in months] + [Point("FY2022", 999.0, "v", "2023-01-01")]
    view = dict(scorecard.annual_view(spec, points))
    assert view == {"FY2022": 999.0, "FY2024": 120.0}  # FY2023 (Oct 2022–Sep 2023) is incomplete; FY2025 too
