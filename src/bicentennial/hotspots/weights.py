"""Spatial weights: who is whose neighbour (contiguity, k-nearest, distance band).

Weights are stored as a compressed sparse row structure over areas in a fixed order:
``indices[indptr[i]:indptr[i + 1]]`` are the neighbours of area ``i`` (never ``i`` itself)
and ``values`` their weights (1.0 for binary weights).
"""

from __future__ import annotations

import csv
import functools
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np
import scipy.sparse
import scipy.spatial

from bicentennial.core.errors import InvalidInput
from bicentennial.geo import topojson


@dataclass(frozen=True)
class Weights:
    """Binary or general spatial weights over ``ids`` in CSR form (no self-neighbours)."""

    ids: tuple[str, ...]
    indptr: np.ndarray  # int64, length n + 1
    indices: np.ndarray  # int64, neighbour positions
    values: np.ndarray  # float64, one weight per neighbour
    kind: str  # e.g. "queen", "rook", "knn:8", "distance:50km"

    @property
    def n(self) -> int:
        return len(self.ids)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @property
    def cardinalities(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def islands(self) -> list[str]:
        return [self.ids[i] for i in np.flatnonzero(self.cardinalities == 0)]

    def to_sparse(self) -> scipy.sparse.csr_array:
        return scipy.sparse.csr_array((self.values, self.indices, self.indptr), shape=(self.n, self.n))

    @classmethod
    def from_lists(
        cls,
        ids: Sequence[str],
        neighbours: Sequence[Sequence[int]],
        *,
        kind: str,
        weights: Sequence[Sequence[float]] | None = None,
    ) -> Weights:
        """Build from one list of neighbour positions per area (binary unless ``weights`` given)."""
        counts = np.fromiter((len(nb) for nb in neighbours), dtype=np.int64, count=len(neighbours))
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        indices = np.fromiter((j for nb in neighbours for j in nb), dtype=np.int64, count=int(indptr[-1]))
        if weights is None:
            values = np.ones(len(indices), dtype=np.float64)
        else:
            values = np.fromiter((v for ws in weights for v in ws), dtype=np.float64, count=int(indptr[-1]))
        if np.any(indices == np.repeat(np.arange(len(ids)), counts)):
            raise ValueError("an area cannot be its own neighbour")
        return cls(tuple(ids), indptr, indices, values, kind)


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0  # mean radius, as libpysal.cg.sphere.RADIUS_EARTH_KM, so band distances agree with it
_ALIASES = {
    "id": ("id", "area", "location", "cvegeo"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
}


def _rings(geometry: Any, label: str) -> list[list[list[float]]]:
    """The rings (exterior and holes) of a GeoJSON Polygon/MultiPolygon, validated."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"{label}: geometry is {kind or 'missing'}, expected Polygon or MultiPolygon")
    polygons = geometry.get("coordinates")
    polygons = [polygons] if kind == "Polygon" else polygons
    try:
        rings = [ring for polygon in polygons for ring in polygon]
        if not rings or any(len(ring) < 3 or any(len(p) < 2 for p in ring) for ring in rings):
            raise ValueError
        parsed = [[[float(p[0]), float(p[1])] for p in ring] for ring in rings]
    except (TypeError, ValueError, KeyError):
        raise InvalidInput(f"{label}: coordinates are not rings of [lon, lat] positions") from None
    xy = np.concatenate([np.asarray(r) for r in parsed])
    if not (np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90)):  # also rejects NaN
        raise InvalidInput(f"{label}: coordinates are not longitude/latitude degrees (reproject to WGS84)")
    return parsed


def _incidence_adjacency(owner: np.ndarray, key: np.ndarray, n: int) -> list[list[int]]:
    """Areas that share at least one key (a vertex or an edge): B Bᵀ of the area × key incidence."""
    _, key_id = np.unique(key, axis=0, return_inverse=True)
    key_id = key_id.reshape(-1)
    incidence = scipy.sparse.csr_array(
        (np.ones(len(owner)), (owner, key_id)), shape=(n, int(key_id.max(initial=-1)) + 1)
    )
    shared = (incidence @ incidence.T).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()
    shared.sort_indices()
    return [shared.indices[shared.indptr[i] : shared.indptr[i + 1]].tolist() for i in range(n)]


def contiguity(
    ids: Sequence[str],
    geometries: Sequence[dict[str, Any]],
    *,
    kind: Literal["queen", "rook"] = "queen",
    decimals: int = 7,
) -> Weights:
    """Queen (shared vertex) or rook (shared edge) contiguity between polygons.

    Parameters
    ----------
    ids : sequence of str
        One id per geometry.
    geometries : sequence of dict
        GeoJSON Polygon or MultiPolygon geometries in (lon, lat).
    kind : {"queen", "rook"}
        Queen: the polygons share at least one vertex; rook: they share an edge (two
        consecutive vertices of a ring, either direction).
    decimals : int
        Vertices are compared after rounding to this many decimal places (1e-7 degrees ≈ 1 cm).

    Returns
    -------
    Weights
        Binary weights, neighbours in ascending position.

    Notes
    -----
    The vertex-hashing method of libpysal's ``ContiguityWeightsLists`` (Laura et al., PySAL):
    no polygon overlay, so self-intersecting or spiked rings in real municipal boundaries do
    not matter, and boundaries decoded from one TopoJSON topology share vertices exactly.
    """
    if kind not in ("queen", "rook"):
        raise InvalidInput(f"kind: {kind!r} is not 'queen' or 'rook'")
    if len(ids) != len(geometries):
        raise InvalidInput(f"ids: {len(ids)} ids for {len(geometries)} geometries")
    owners, keys = [], []
    for i, geometry in enumerate(geometries):
        for ring in _rings(geometry, f"area {ids[i]!r}"):
            grid = np.rint(np.asarray(ring) * 10.0**decimals).astype(np.int64)
            if kind == "queen":
                keys.append(grid)
            else:
                a, b = grid[:-1], grid[1:]
                swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
                edge = np.where(swap[:, None], np.hstack([b, a]), np.hstack([a, b]))
                keys.append(edge[np.any(a != b, axis=1)])  # repeated vertices are not edges
            owners.append(np.full(len(keys[-1]), i, dtype=np.int64))
    if not keys:
        return Weights.from_lists(ids, [], kind=kind)
    neighbours = _incidence_adjacency(np.concatenate(owners), np.concatenate(keys), len(ids))
    return Weights.from_lists(ids, neighbours, kind=kind)


def _centroid(rings: list[list[list[float]]], holes: list[bool]) -> tuple[float, float]:
    """Area-weighted centroid (shoelace in lon/lat, holes subtracted); vertex mean if degenerate."""
    area_sum, cx, cy = 0.0, 0.0, 0.0
    for ring, hole in zip(rings, holes, strict=True):
        xy = np.asarray(ring)
        x, y, x1, y1 = xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]
        cross = x * y1 - x1 * y
        signed = cross.sum() / 2.0
        if signed == 0.0:
            continue
        sign = -1.0 if hole else 1.0  # orientation varies between sources: holes by position, not winding
        ring_cx, ring_cy = ((x + x1) * cross).sum() / (6 * signed), ((y + y1) * cross).sum() / (6 * signed)
        area_sum += sign * abs(signed)
        cx += sign * abs(signed) * ring_cx
        cy += sign * abs(signed) * ring_cy
    if area_sum <= 0.0:
        xy = np.concatenate([np.asarray(r) for r in rings])
        return float(xy[:, 1].mean()), float(xy[:, 0].mean())
    return cy / area_sum, cx / area_sum


def _representative_point(geometry: dict[str, Any]) -> tuple[float, float]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    rings = [[[float(p[0]), float(p[1])] for p in ring] for polygon in polygons for ring in polygon]
    holes = [k > 0 for polygon in polygons for k in range(len(polygon))]
    return _centroid(rings, holes)


def from_geojson(
    text: str, *, id_property: str, kind: Literal["queen", "rook"] = "queen", name: str = "upload"
) -> tuple[Weights, np.ndarray]:
    """Contiguity weights and representative points from a GeoJSON FeatureCollection.

    Returns the weights (areas in file order) and an ``(n, 2)`` array of (lat, lon): the
    area-weighted centroid of each polygon set, computed in degrees (fine for areas of a
    country's size; the point can fall outside a strongly concave polygon).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(f"{name}: expected a GeoJSON FeatureCollection")
    ids: list[str] = []
    seen: dict[str, int] = {}
    geometries = []
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidInput(f"{name}: 'features' is not a list")
    for k, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        value = properties.get(id_property) if isinstance(properties, dict) else None
        if value is None or str(value).strip() == "":
            raise InvalidInput(f"{name}, feature {k}: no {id_property!r} property")
        area = str(value).strip()
        if area in seen:
            raise InvalidInput(f"{name}, feature {k}: {id_property} {area!r} already used by feature {seen[area]}")
        seen[area] = k
        _rings(feature.get("geometry"), f"{name}, feature {k} ({id_property} {area!r})")
        ids.append(area)
        geometries.append(feature["geometry"])
    if not ids:
        raise InvalidInput(f"{name}: no features")
    points = np.asarray([_representative_point(g) for g in geometries], dtype=np.float64)
    return contiguity(ids, geometries, kind=kind), points


def _unit_vectors(coords: np.ndarray) -> np.ndarray:
    """(lat, lon) degrees → points on the unit sphere: chord length is monotone in arc length."""
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 2 or not np.all(np.isfinite(coords)):
        raise InvalidInput("coords: expected an (n, 2) array of finite (lat, lon) degrees")
    if np.any(np.abs(coords[:, 0]) > 90) or np.any(np.abs(coords[:, 1]) > 180):
        bad = int(np.flatnonzero((np.abs(coords[:, 0]) > 90) | (np.abs(coords[:, 1]) > 180))[0])
        raise InvalidInput(f"coords: row {bad} {tuple(coords[bad])} is not a (lat, lon) in degrees")
    lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _check_ids(ids: Sequence[str], n: int) -> tuple[str, ...]:
    if len(ids) != n:
        raise InvalidInput(f"ids: {len(ids)} ids for {n} points")
    repeated = sorted(a for a, count in Counter(ids).items() if count > 1)
    if repeated:
        raise InvalidInput(f"ids: {', '.join(repeated[:5])} appear more than once")
    return tuple(ids)


def knn(ids: Sequence[str], coords: np.ndarray, k: int) -> Weights:
    """The ``k`` nearest areas by great-circle distance (not symmetric); neighbours nearest first.

    ``coords`` is ``(n, 2)`` of (lat, lon) in degrees. Distances are compared as chords of
    the unit sphere, which order exactly as arcs do (libpysal's ``Arc_KDTree`` does the same).
    """
    xyz = _unit_vectors(coords)
    n = len(xyz)
    ids = _check_ids(ids, n)
    if not 1 <= k < n:
        raise InvalidInput(f"k: between 1 and {n - 1} (the number of other areas)")
    _, found = scipy.spatial.cKDTree(xyz).query(xyz, k=k + 1)
    found = found.astype(np.int64)
    # Duplicate points may list another area before the area itself: drop self where it is,
    # otherwise the farthest candidate.
    is_self = found == np.arange(n)[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    indices = found[~is_self].reshape(n, k).reshape(-1)
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    return Weights(ids, indptr, indices, np.ones(n * k), f"knn:{k}")


def distance_band(ids: Sequence[str], coords: np.ndarray, threshold_km: float) -> Weights:
    """Binary weights between areas at most ``threshold_km`` apart (great circle); islands allowed."""
    xyz = _unit_vectors(coords)
    n = len(xyz)
    ids = _check_ids(ids, n)
    if not 0 < threshold_km <= np.pi * EARTH_RADIUS_KM:
        raise InvalidInput("threshold_km: a positive distance up to half the Earth's circumference")
    chord = 2.0 * np.sin(threshold_km / (2.0 * EARTH_RADIUS_KM))
    pairs = scipy.spatial.cKDTree(xyz).query_pairs(chord, output_type="ndarray").astype(np.int64)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.lexsort((cols, rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)
    return Weights(ids, indptr, cols[order], np.ones(len(cols)), f"distance:{threshold_km:g}km")


def _column(header: list[str], field: str, name: str) -> int:
    names = [h.strip().lower() for h in header]
    for alias in _ALIASES[field]:
        if alias in names:
            return names.index(alias)
    raise InvalidInput(f"{name}, line 1: no {field} column (one of {', '.join(_ALIASES[field])})")


def _coordinate(row: list[str], col: int, field: str, limit: float, where: str) -> float:
    raw = row[col].strip() if col < len(row) else ""
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{where}, field {field}: {raw!r} is not a number") from None
    if not -limit <= value <= limit:
        raise InvalidInput(f"{where}, field {field}: {raw} is outside [-{limit:g}, {limit:g}] degrees")
    return value


def read_centroids_csv(text: str, *, name: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Read ``id,lat,lon`` rows (comma, semicolon or tab separated) into ids and (lat, lon) degrees."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise InvalidInput(f"{name}, line 1: empty file, expected a header id,lat,lon")
    delimiter = max(",;\t", key=lines[0].count)
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader)
    cols = {field: _column(header, field, name) for field in _ALIASES}
    ids: list[str] = []
    coords: list[tuple[float, float]] = []
    first_line: dict[str, int] = {}
    for row in reader:
        where = f"{name}, line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        area = row[cols["id"]].strip() if cols["id"] < len(row) else ""
        if not area:
            raise InvalidInput(f"{where}, field id: empty")
        if area in first_line:
            raise InvalidInput(f"{where}, field id: {area!r} already on line {first_line[area]}")
        first_line[area] = reader.line_num
        coords.append(
            (_coordinate(row, cols["lat"], "lat", 90, where), _coordinate(row, cols["lon"], "lon", 180, where))
        )
        ids.append(area)
    if not ids:
        raise InvalidInput(f"{name}: no rows after the header")
    return tuple(ids), np.asarray(coords, dtype=np.float64)


def _bundled(file: str, object_name: str, id_key: str, kind: Literal["queen", "rook"]) -> Weights:
    text = resources.files("bicentennial.geo").joinpath("data", file).read_text("utf-8")
    areas: dict[str, dict[str, Any]] = {}
    for properties, geometry in topojson.decode(json.loads(text), object_name):
        # mxmaps spells the key in lower case; INEGI's own files use CVEGEO / CVE_ENT.
        code = next(str(v) for k, v in properties.items() if k.lower() == id_key)
        areas[f"mx:{code}"] = geometry or {}
    ids = sorted(areas)
    w = contiguity(ids, [areas[a] for a in ids], kind=kind)
    for array in (w.indptr, w.indices, w.values):
        array.setflags(write=False)  # cached and shared between callers
    return w


@functools.cache
def mexico_municipalities(kind: Literal["queen", "rook"] = "queen") -> Weights:
    """Contiguity of Mexico's 2,469 municipios (INEGI Marco Geoestadístico 2020), ids ``"mx:01001"``, sorted."""
    return _bundled("mx_municipios_inegi2020_mxmaps.topojson", "municipios", "cvegeo", kind)


@functools.cache
def mexico_states(kind: Literal["queen", "rook"] = "queen") -> Weights:
    """Contiguity of Mexico's 32 states (INEGI), ids ``"mx:01"``, sorted."""
    return _bundled("mx_estados_inegi_mxmaps.topojson", "state", "cve_ent", kind)
