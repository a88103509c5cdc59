"""TopoJSON → GeoJSON geometries, without a GIS stack.

A TopoJSON topology stores every shared boundary once, as an *arc*; polygons list the arcs
that make up their rings (``~i`` means arc ``i`` walked backwards). Quantized topologies
store arcs as integer deltas plus a ``transform`` (scale, translate). Decoding both forms
here keeps shapely/geopandas out of the product: the bundled boundary files and user
uploads are read with the standard library and numpy only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from bicentennial.core.errors import InvalidInput

Position = list[float]
Geometry = dict[str, Any]

_POLYGONAL = {"Polygon": 1, "MultiPolygon": 2}  # nesting depth of ring lists in "arcs"
_LINEAR = {"LineString": 0, "MultiLineString": 1}
_POINTS = {"Point", "MultiPoint"}


def _decode_arcs(topology: dict[str, Any]) -> list[list[Position]]:
    """Absolute coordinates of every arc (delta decoding and de-quantization when quantized)."""
    raw = topology.get("arcs")
    if not isinstance(raw, list):
        raise InvalidInput("topology: no 'arcs' list")
    transform = topology.get("transform")
    decoded: list[list[Position]] = []
    for number, arc in enumerate(raw):
        try:
            points = np.asarray([p[:2] for p in arc], dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            raise InvalidInput(f"topology: arc {number} is not a list of [x, y] positions") from None
        if transform is not None:
            # Quantized arcs are delta-encoded integers: the running sum restores positions
            # exactly before the (single) float scaling, so shared vertices stay bit-identical.
            points = np.cumsum(points, axis=0) * np.asarray(transform["scale"], dtype=np.float64)
            points += np.asarray(transform["translate"], dtype=np.float64)
        decoded.append(points.tolist())
    return decoded


def _point(position: Any, transform: dict[str, Any] | None) -> Position:
    """Points are quantized but never delta-encoded (TopoJSON spec §2.1.3)."""
    if transform is None:
        return [float(v) for v in position]
    (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
    return [position[0] * kx + dx, position[1] * ky + dy, *position[2:]]


class _Decoder:
    def __init__(self, topology: dict[str, Any]) -> None:
        self.arcs = _decode_arcs(topology)
        self.transform = topology.get("transform")

    def line(self, arc_indexes: list[int]) -> list[Position]:
        """Stitch arcs end to end; each arc after the first repeats the previous arc's last point."""
        points: list[Position] = []
        for index in arc_indexes:
            if not isinstance(index, int) or not -len(self.arcs) <= index < len(self.arcs):
                raise InvalidInput(f"topology: arc index {index!r} out of range")
            arc = self.arcs[index] if index >= 0 else self.arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    def geometry(self, obj: dict[str, Any]) -> Geometry | None:
        kind = obj.get("type")
        if kind is None:
            return None
        if kind == "GeometryCollection":
            parts = [self.geometry(g) for g in obj.get("geometries", [])]
            return {"type": kind, "geometries": [g for g in parts if g is not None]}
        if kind in _POINTS:
            coords = obj["coordinates"]
            if kind == "Point":
                return {"type": kind, "coordinates": _point(coords, self.transform)}
            return {"type": kind, "coordinates": [_point(p, self.transform) for p in coords]}
        if kind in _POLYGONAL or kind in _LINEAR:
            depth = _POLYGONAL.get(kind, _LINEAR.get(kind, 0))
            return {"type": kind, "coordinates": self._nest(obj.get("arcs", []), depth)}
        raise InvalidInput(f"topology: geometry type {kind!r} is not a TopoJSON type")

    def _nest(self, arcs: Any, depth: int) -> Any:
        if depth == 0:
            return self.line(arcs)
        return [self._nest(a, depth - 1) for a in arcs]


def _objects(topology: dict[str, Any], object_name: str) -> list[dict[str, Any]]:
    if not isinstance(topology, dict) or topology.get("type") != "Topology":
        raise InvalidInput("topology: not a TopoJSON Topology object")
    objects = topology.get("objects") or {}
    if object_name not in objects:
        raise InvalidInput(f"topology: no object {object_name!r} (objects: {', '.join(sorted(objects)) or 'none'})")
    obj = objects[object_name]
    # A GeometryCollection at the top of an object is the TopoJSON equivalent of a FeatureCollection.
    return list(obj.get("geometries", [])) if obj.get("type") == "GeometryCollection" else [obj]


def _features(topology: dict[str, Any], object_name: str) -> Iterator[tuple[Any, dict[str, Any], Geometry | None]]:
    members = _objects(topology, object_name)
    decoder = _Decoder(topology)
    for member in members:
        yield member.get("id"), dict(member.get("properties") or {}), decoder.geometry(member)


def decode(topology: dict[str, Any], object_name: str) -> list[tuple[dict[str, Any], Geometry | None]]:
    """Decode one object of a TopoJSON topology into (properties, GeoJSON geometry) pairs.

    Parameters
    ----------
    topology : dict
        A parsed TopoJSON ``Topology``, quantized (with ``transform``) or not.
    object_name : str
        Key in ``topology["objects"]``. A top-level ``GeometryCollection`` yields one pair
        per member; any other object yields a single pair.

    Returns
    -------
    list of (dict, dict or None)
        Properties (a copy, ``{}`` when absent) and the GeoJSON geometry (``None`` for a
        null geometry). Rings are closed as in the source arcs.

    Notes
    -----
    Follows the TopoJSON Format Specification 1.0 (M. Bostock, 2013), §2.1 (transforms,
    delta-encoded arcs) and §2.2 (geometry objects, negative arc indexes as ``~i``).
    """
    return [(properties, geometry) for _id, properties, geometry in _features(topology, object_name)]


def to_feature_collection(topology: dict[str, Any], object_name: str) -> dict[str, Any]:
    """Decode one object into a GeoJSON ``FeatureCollection`` (feature ``id`` kept when present)."""
    features = []
    for feature_id, properties, geometry in _features(topology, object_name):
        feature: dict[str, Any] = {"type": "Feature", "properties": properties, "geometry": geometry}
        if feature_id is not None:
            feature["id"] = feature_id
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}
