"""Derive the package's bundled geography from the reference data in ../shared/data/geo.

Run by hand when the reference data changes; its outputs are committed under
src/bicentennial/geo/data/. The product never reads ../shared at run time.

    python scripts/build_geo_data.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
OUT = HERE / "src" / "bicentennial" / "geo" / "data"
COPIED = [
    "mx/mx_estados_2020.csv",
    "mx/mx_municipios_2020.csv",
    "mx/mx_estados_inegi_mxmaps.topojson",
    "mx/mx_municipios_inegi2020_mxmaps.topojson",
    "us/counties-10m.json",
]


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Quantized, delta-encoded TopoJSON arcs to absolute lon/lat."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def centroid(geometry: dict, arcs: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """Area-weighted centroid over all rings (holes carry the opposite sign)."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    area = cx = cy = 0.0
    every: list[tuple[float, float]] = []
    for polygon in polygons:
        for ring in polygon:
            pts = ring_points(ring, arcs)
            every.extend(pts)
            for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
                cross = x0 * y1 - x1 * y0
                area += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
    if abs(area) < 1e-12:  # a sliver smaller than the quantization grid
        return sum(p[0] for p in every) / len(every), sum(p[1] for p in every) / len(every)
    return cx / (3 * area), cy / (3 * area)


def build_us(shared: Path) -> None:
    topology = json.loads((shared / "us/counties-10m.json").read_text())
    arcs = decode_arcs(topology)
    states = {g["id"]: g for g in topology["objects"]["states"]["geometries"]}
    with (OUT / "us_states.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["fips", "name", "lon_centroide", "lat_centroide"])
        for fips in sorted(states):
            lon, lat = centroid(states[fips], arcs)
            w.writerow([fips, states[fips]["properties"]["name"], f"{lon:.6f}", f"{lat:.6f}"])
    with (OUT / "us_counties.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["fips", "state_fips", "name", "lon_centroide", "lat_centroide"])
        for g in sorted(topology["objects"]["counties"]["geometries"], key=lambda g: g["id"]):
            if not g.get("arcs"):
                continue
            lon, lat = centroid(g, arcs)
            w.writerow([g["id"], g["id"][:2], g["properties"]["name"], f"{lon:.6f}", f"{lat:.6f}"])


def build_mx_states(shared: Path) -> None:
    topology = json.loads((shared / "mx/mx_estados_inegi_mxmaps.topojson").read_text())
    arcs = decode_arcs(topology)
    with (OUT / "mx_estados_centroides.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["cve_ent", "lon_centroide", "lat_centroide"])
        for g in sorted(topology["objects"]["state"]["geometries"], key=lambda g: g["id"]):
            lon, lat = centroid(g, arcs)
            w.writerow([g["id"], f"{lon:.6f}", f"{lat:.6f}"])


def build_us_states_geojson(shared: Path) -> None:
    """US states as GeoJSON (Plotly draws choropleths from GeoJSON, not TopoJSON)."""
    topology = json.loads((shared / "us/counties-10m.json").read_text())
    arcs = decode_arcs(topology)
    features = []
    for g in topology["objects"]["states"]["geometries"]:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        coords = [
            [[[round(x, 4), round(y, 4)] for x, y in ring_points(ring, arcs)] for ring in poly] for poly in polygons
        ]
        features.append(
            {
                "type": "Feature",
                "id": f"us:{g['id']}",
                "properties": {"name": g["properties"]["name"]},
                "geometry": {"type": "MultiPolygon", "coordinates": coords},
            }
        )
    (OUT / "us_states.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent / "shared")
    geo = parser.parse_args().shared / "data" / "geo"
    OUT.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(geo / name, OUT / Path(name).name)
    shutil.copytree(geo / "licenses", OUT / "licenses", dirs_exist_ok=True)
    build_us(geo)
    build_mx_states(geo)
    build_us_states_geojson(geo)
    shutil.copyfile(geo / "mx/mx_estados_inegi_mxmaps.geojson", OUT / "mx_estados.geojson")


if __name__ == "__main__":
    main()
