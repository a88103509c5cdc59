"""Read the bundled geography files into plain rows (no database here)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

CENSUS_2020 = "INEGI Censo de Población y Vivienda 2020"


@dataclass(frozen=True)
class AreaRow:
    code: str
    country: str
    level: str
    name: str
    parent_code: str | None
    lon: float | None
    lat: float | None
    population_2020: int | None = None


def _rows(name: str) -> Iterator[dict[str, str]]:
    text = resources.files("bicentennial.geo").joinpath("data", name).read_text("utf-8")
    yield from csv.DictReader(text.splitlines())


def mexico() -> Iterator[AreaRow]:
    states = list(_rows("mx_estados_2020.csv"))
    centres = {
        c["cve_ent"]: (float(c["lon_centroide"]), float(c["lat_centroide"])) for c in _rows("mx_estados_centroides.csv")
    }
    yield AreaRow("mx", "MX", "country", "México", None, None, None, sum(int(s["pob_2020"]) for s in states))
    for s in states:
        lon, lat = centres[s["cve_ent"]]
        yield AreaRow(f"mx:{s['cve_ent']}", "MX", "state", s["nom_ent"], "mx", lon, lat, int(s["pob_2020"]))
    for m in _rows("mx_municipios_2020.csv"):
        inside = m["centroide_dentro"] == "1"
        lon = float(m["lon_centroide"] if inside else m["lon_punto_interior"])
        lat = float(m["lat_centroide"] if inside else m["lat_punto_interior"])
        yield AreaRow(
            f"mx:{m['cvegeo']}", "MX", "municipality", m["nom_mun"], f"mx:{m['cve_ent']}", lon, lat, int(m["pob_2020"])
        )


def united_states() -> Iterator[AreaRow]:
    yield AreaRow("us", "US", "country", "United States", None, None, None)
    for s in _rows("us_states.csv"):
        yield AreaRow(
            f"us:{s['fips']}", "US", "state", s["name"], "us", float(s["lon_centroide"]), float(s["lat_centroide"])
        )
    for c in _rows("us_counties.csv"):
        yield AreaRow(
            f"us:{c['fips']}",
            "US",
            "county",
            c["name"],
            f"us:{c['state_fips']}",
            float(c["lon_centroide"]),
            float(c["lat_centroide"]),
        )


def all_areas() -> list[AreaRow]:
    return [*mexico(), *united_states()]
