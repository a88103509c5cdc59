"""Bundled geography: every area, its parent, centroid and 2020 population."""

from __future__ import annotations

from sqlalchemy import func, select

from bicentennial.geo import reference
from bicentennial.geo import service as geo
from bicentennial.geo.models import AreaPopulation
from tests.conftest import SHARED


def test_reference_counts_and_codes() -> None:
    rows = reference.all_areas()
    by_level: dict[str, int] = {}
    for r in rows:
        by_level[r.level] = by_level.get(r.level, 0) + 1
    assert by_level == {"country": 2, "state": 32 + 56, "municipality": 2469, "county": 3231}
    codes = {r.code for r in rows}
    assert all(r.parent_code in codes for r in rows if r.parent_code)


def test_matches_the_reference_files_and_census_total(session) -> None:
    import csv

    states = list(csv.DictReader((SHARED / "geo/mx/mx_estados_2020.csv").open(encoding="utf-8")))
    total = sum(int(s["pob_2020"]) for s in states)
    assert total == 126_014_024
    assert geo.population(session=session, code="mx", year=2020) == total
    municipal = session.scalar(
        select(func.sum(AreaPopulation.population)).where(AreaPopulation.area_code.like("mx:_____"))
    )
    assert municipal == total


def test_lookups(session) -> None:
    iztapalapa = geo.get_area(session=session, code="mx:09007")
    assert iztapalapa.name == "Iztapalapa" and iztapalapa.parent_code == "mx:09"
    assert -99.2 < iztapalapa.lon < -98.9 and 19.2 < iztapalapa.lat < 19.45
    el_paso = geo.get_area(session=session, code="us:48141")
    assert el_paso.parent_code == "us:48" and -106.7 < el_paso.lon < -105.9
    total, found = geo.list_areas(session=session, q="tijuana")
    assert total == 1 and found[0].code == "mx:02004"


def test_load_is_idempotent(session) -> None:
    assert geo.load_reference_areas(session=session) == 0
