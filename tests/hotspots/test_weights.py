"""Spatial weights builders, pinned to libpysal (the PySAL reference) and to hand-made geometries."""

from __future__ import annotations

import contextlib
import json
import warnings
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from bicentennial.core.errors import InvalidInput
from bicentennial.geo import topojson
from bicentennial.hotspots import weights as W


def _bundled(file: str, object_name: str, key: str) -> tuple[list[str], list[dict]]:
    text = resources.files("bicentennial.geo").joinpath("data", file).read_text("utf-8")
    pairs = topojson.decode(json.loads(text), object_name)
    return [f"mx:{p[key]}" for p, _ in pairs], [g for _, g in pairs]


def _neighbour_sets(w: W.Weights) -> dict[str, set[str]]:
    return {w.ids[i]: {w.ids[j] for j in w.neighbours(i)} for i in range(w.n)}


def _libpysal(kind: str, ids: list[str], geometries: list[dict]) -> dict[str, set[str]]:
    import libpysal
    import shapely.geometry

    cls = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands and disconnected components
        lw = cls.from_iterable([shapely.geometry.shape(g) for g in geometries], ids=ids)
    return {a: set(lw.neighbors[a]) for a in ids}


def _square(x: float, y: float, size: float = 1.0) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


# ---------------------------------------------------------------- TopoJSON


TINY = {
    # Two unit squares sharing the arc x = 1 (arc 0, walked backwards by the right square),
    # quantized with scale 0.5 and translate (10, 20), delta-encoded.
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10.0, 20.0]},
    "objects": {
        "areas": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "id": "L", "properties": {"name": "left"}},
                {"type": "MultiPolygon", "arcs": [[[~0, 2]]], "properties": {"name": "right"}},
                {"type": None, "properties": {"name": "nowhere"}},
                {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [4, 2]}]},
            ],
        }
    },
    "arcs": [
        [[2, 0], [0, 2]],  # (11, 20) → (11, 21)
        [[2, 2], [-2, 0], [0, -2], [2, 0]],  # (11, 21) → (10, 21) → (10, 20) → (11, 20)
        [[2, 0], [2, 0], [0, 2], [-2, 0]],  # (11, 20) → (12, 20) → (12, 21) → (11, 21)
    ],
}


def test_topojson_decodes_quantized_delta_arcs_reversed_arcs_and_nulls():
    decoded = topojson.decode(TINY, "areas")
    assert [p["name"] for p, _ in decoded[:3]] == ["left", "right", "nowhere"]
    left, right, nowhere, collection = (g for _, g in decoded)
    assert left == {"type": "Polygon", "coordinates": [[[11, 20], [11, 21], [10, 21], [10, 20], [11, 20]]]}
    # ~0 walks arc 0 backwards: (11, 21) → (11, 20), then arc 2 closes the ring.
    assert right == {"type": "MultiPolygon", "coordinates": [[[[11, 21], [11, 20], [12, 20], [12, 21], [11, 21]]]]}
    assert nowhere is None
    assert collection == {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [12, 21]}]}


def test_topojson_without_transform_and_as_feature_collection():
    plain = {
        "type": "Topology",
        "objects": {"one": {"type": "Polygon", "arcs": [[0]], "id": 7}},
        "arcs": [[[0.5, 0.5], [1.5, 0.5], [1.5, 1.5], [0.5, 0.5]]],
    }
    collection = topojson.to_feature_collection(plain, "one")
    assert collection["features"] == [
        {
            "type": "Feature",
            "id": 7,
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[0.5, 0.5], [1.5, 0.5], [1.5, 1.5], [0.5, 0.5]]]},
        }
    ]
    assert topojson.to_feature_collection(TINY, "areas")["features"][0]["id"] == "L"


def test_topojson_errors_name_the_problem():
    with pytest.raises(InvalidInput, match="no object 'roads'"):
        topojson.decode(TINY, "roads")
    with pytest.raises(InvalidInput, match="not a TopoJSON Topology"):
        topojson.decode({"type": "FeatureCollection"}, "areas")
    broken = {**TINY, "objects": {"a": {"type": "Polygon", "arcs": [[5]]}}}
    with pytest.raises(InvalidInput, match="arc index 5 out of range"):
        topojson.decode(broken, "a")


def test_tiny_topology_gives_contiguous_squares():
    decoded = topojson.decode(TINY, "areas")
    w = W.contiguity(["L", "R"], [g for _, g in decoded[:2]], kind="rook")
    assert _neighbour_sets(w) == {"L": {"R"}, "R": {"L"}}


# ---------------------------------------------------------------- contiguity


def test_queen_and_rook_on_a_three_by_three_grid():
    ids = [f"{r}{c}" for r in range(3) for c in range(3)]
    squares = [_square(c, r) for r in range(3) for c in range(3)]
    queen = W.contiguity(ids, squares, kind="queen")
    rook = W.contiguity(ids, squares, kind="rook")
    assert queen.cardinalities.tolist() == [3, 5, 3, 5, 8, 5, 3, 5, 3]
    assert rook.cardinalities.tolist() == [2, 3, 2, 3, 4, 3, 2, 3, 2]
    assert _neighbour_sets(rook)["00"] == {"01", "10"}
    assert _neighbour_sets(queen)["00"] == {"01", "10", "11"}
    assert queen.kind == "queen"
    assert_allclose(queen.values, 1.0)


def test_contiguity_survives_self_intersecting_rings_and_rounding_noise():
    # A bow-tie ring (self-intersecting, as some INEGI municipal boundaries are) still shares
    # its edge with the square on its left; a vertex off by 1e-9 degrees still matches.
    bow_tie = {"type": "Polygon", "coordinates": [[[1, 0], [2, 1], [2, 0], [1, 1], [1, 0]]]}
    noisy = _square(0, 0)
    noisy["coordinates"][0][1] = [1 + 1e-9, 0]
    w = W.contiguity(["square", "bow"], [noisy, bow_tie], kind="rook")
    assert _neighbour_sets(w) == {"square": {"bow"}, "bow": {"square"}}


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_states_match_libpysal(kind):
    ids, geometries = _bundled("mx_estados_inegi_mxmaps.topojson", "state", "cve_ent")
    ours = W.contiguity(ids, geometries, kind=kind)
    assert _neighbour_sets(ours) == _libpysal(kind, ids, geometries)


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_sample_of_municipalities_matches_libpysal(kind):
    # Mexico City, Estado de México, Morelos and Oaxaca (570 small, intricate municipios).
    ids, geometries = _bundled("mx_municipios_inegi2020_mxmaps.topojson", "municipios", "cvegeo")
    keep = [i for i, a in enumerate(ids) if a[3:5] in {"09", "15", "17", "20"}]
    ids, geometries = [ids[i] for i in keep], [geometries[i] for i in keep]
    ours = W.contiguity(ids, geometries, kind=kind)
    assert _neighbour_sets(ours) == _libpysal(kind, ids, geometries)
    assert ours.n == 16 + 125 + 36 + 570


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_all_municipalities_match_libpysal(kind):
    ids, geometries = _bundled("mx_municipios_inegi2020_mxmaps.topojson", "municipios", "cvegeo")
    reference = _libpysal(kind, ids, geometries)
    assert _neighbour_sets(W.mexico_municipalities(kind)) == reference


def test_bundled_mexico_weights():
    municipios = W.mexico_municipalities()
    assert municipios.n == 2469
    assert municipios.ids[0] == "mx:01001"
    assert list(municipios.ids) == sorted(municipios.ids)
    # No island: Cozumel and Isla Mujeres include mainland territory; other islands belong to
    # coastal municipios (multi-part polygons).
    assert municipios.islands == []
    sparse = municipios.to_sparse()
    assert abs(sparse - sparse.T).sum() == 0
    assert _neighbour_sets(municipios)["mx:23001"] == {"mx:23008"}  # Cozumel – Solidaridad
    assert W.mexico_municipalities() is municipios  # cached
    assert not municipios.indices.flags.writeable
    assert W.mexico_municipalities("rook").indices.size < municipios.indices.size

    states = _neighbour_sets(W.mexico_states())
    assert len(states) == 32
    assert states["mx:03"] == {"mx:02"}  # Baja California Sur
    assert states["mx:31"] == {"mx:04", "mx:23"}  # Yucatán
    assert states["mx:09"] == {"mx:15", "mx:17"}  # Ciudad de México


# ---------------------------------------------------------------- GeoJSON upload


def _collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(code, geometry) -> dict:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def test_from_geojson_weights_and_centroids():
    text = _collection(
        _feature("a", _square(0, 0)),
        _feature(2, _square(1, 0)),
        _feature("far", {"type": "MultiPolygon", "coordinates": [_square(10, 10)["coordinates"]]}),
    )
    w, points = W.from_geojson(text, id_property="code")
    assert w.ids == ("a", "2", "far")
    assert _neighbour_sets(w) == {"a": {"2"}, "2": {"a"}, "far": set()}
    assert w.islands == ["far"]
    assert_allclose(points, [[0.5, 0.5], [0.5, 1.5], [10.5, 10.5]])  # (lat, lon)


def test_centroid_subtracts_holes_whatever_their_winding():
    outer = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[0, 0], [0, 2], [2, 2], [2, 0], [0, 0]]  # the lower-left quarter, counter-clockwise too
    _, points = W.from_geojson(
        _collection(_feature("x", {"type": "Polygon", "coordinates": [outer, hole]})), id_property="code"
    )
    # (16·(2, 2) − 4·(1, 1)) / 12 = (7/3, 7/3)
    assert_allclose(points, [[7 / 3, 7 / 3]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"upload, line 1: not valid JSON"),
        (json.dumps({"type": "Feature"}), "expected a GeoJSON FeatureCollection"),
        (_collection({"properties": {}, "geometry": _square(0, 0)}), "feature 0: no 'code' property"),
        (
            _collection(_feature("a", _square(0, 0)), _feature("a", _square(1, 0))),
            "feature 1: code 'a' already used by feature 0",
        ),
        (
            _collection(_feature("p", {"type": "Point", "coordinates": [1, 2]})),
            r"feature 0 \(code 'p'\): geometry is Point",
        ),
        (_collection(_feature("n", None)), r"feature 0 \(code 'n'\): geometry is missing"),
        (_collection(_feature("b", {"type": "Polygon", "coordinates": [[[0, 0], ["x", 1]]]})), "not rings of"),
        (
            _collection(_feature("utm", {"type": "Polygon", "coordinates": [[[5e5, 2e6], [6e5, 2e6], [5e5, 2.1e6]]]})),
            "not longitude/latitude degrees",
        ),
    ],
)
def test_from_geojson_errors_name_the_feature(text, message):
    with pytest.raises(InvalidInput, match=message):
        W.from_geojson(text, id_property="code")


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


# Mostly well-formed polygons (so the fuzzing reaches contiguity), with odd numbers and shapes mixed in.
number = st.floats(-200, 200) | st.integers(-200, 200) | st.floats() | st.integers(-(10**20), 10**20)
position = st.lists(number, min_size=2, max_size=3)
ring = st.lists(position, min_size=3, max_size=6)
polygon = st.lists(ring, min_size=1, max_size=2)
odd_polygon = st.lists(st.lists(position | json_values, max_size=4) | json_values, max_size=2)
geometries = st.one_of(
    st.fixed_dictionaries({"type": st.just("Polygon"), "coordinates": polygon}),
    st.fixed_dictionaries({"type": st.just("MultiPolygon"), "coordinates": st.lists(polygon, min_size=1, max_size=2)}),
    st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "MultiPolygon", "Point"]), "coordinates": odd_polygon}),
    json_values,
)


@settings(max_examples=300, deadline=None)
@given(geometry=geometries, code=st.text(min_size=1, max_size=3) | json_values, extra=json_values)
def test_from_geojson_parses_or_raises_invalid_input(geometry, code, extra):
    odd = {"type": "Feature", "properties": {"code": code}, "geometry": geometry}
    for features in ([odd, _feature("ok", _square(0, 0))], [extra, odd]):
        with contextlib.suppress(InvalidInput):
            W.from_geojson(_collection(*features), id_property="code")


# ---------------------------------------------------------------- points: KNN and distance band


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(11)
    coords = np.column_stack([rng.uniform(15, 32, 2000), rng.uniform(-117, -87, 2000)])
    return [f"p{i}" for i in range(2000)], coords


def test_knn_matches_libpysal_arc_knn(points):
    import libpysal

    ids, coords = points
    ours = W.knn(ids, coords, 8)
    # libpysal's arc KD-tree takes (lon, lat).
    reference = libpysal.weights.KNN(coords[:, ::-1], k=8, distance_metric="arc", radius=6371.0, ids=ids)
    assert _neighbour_sets(ours) == {a: set(reference.neighbors[a]) for a in ids}
    assert ours.kind == "knn:8"
    first = ours.neighbours(0)
    lat, lon = np.radians(coords[first]).T
    lat0, lon0 = np.radians(coords[0])
    haversine = 2 * np.arcsin(
        np.sqrt(np.sin((lat - lat0) / 2) ** 2 + np.cos(lat) * np.cos(lat0) * np.sin((lon - lon0) / 2) ** 2)
    )
    assert np.all(np.diff(haversine) >= 0)  # nearest first


def test_knn_excludes_self_even_with_duplicate_points():
    coords = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    w = W.knn(["a", "b", "c", "d"], coords, 1)
    assert all(i not in w.neighbours(i) for i in range(4))
    assert _neighbour_sets(w)["d"] == {"c"}
    assert _neighbour_sets(w)["a"] == {"b"} and _neighbour_sets(w)["b"] == {"a"}


def test_distance_band_matches_libpysal_and_lists_islands(points):
    import libpysal

    ids, coords = points
    ours = W.distance_band(ids, coords, 40.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands
        reference = libpysal.weights.DistanceBand(
            coords[:, ::-1], threshold=40.0, distance_metric="arc", radius=6371.0, ids=ids, binary=True
        )
    assert _neighbour_sets(ours) == {a: set(reference.neighbors[a]) for a in ids}
    assert sorted(ours.islands) == sorted(reference.islands)
    assert ours.islands  # the threshold is short enough to leave some
    assert ours.kind == "distance:40km"


def test_distance_band_by_hand():
    # One degree of longitude on the equator is 6371·π/180 = 111.19 km.
    coords = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    assert _neighbour_sets(W.distance_band(["a", "b", "c"], coords, 111.3)) == {"a": {"b"}, "b": {"a"}, "c": set()}
    assert W.distance_band(["a", "b", "c"], coords, 111.1).islands == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: W.knn(["a", "b"], np.zeros((2, 2)), 2), "k: between 1 and 1"),
        (lambda: W.knn(["a", "a"], np.zeros((2, 2)), 1), "ids: a appear more than once"),
        (lambda: W.knn(["a", "b"], np.array([[95.0, 0], [0, 0]]), 1), r"row 0 .* is not a \(lat, lon\)"),
        (lambda: W.distance_band(["a"], np.zeros((1, 3)), 5), r"\(n, 2\) array"),
        (lambda: W.distance_band(["a", "b"], np.zeros((2, 2)), -1), "threshold_km"),
    ],
)
def test_point_builders_reject_bad_input(call, message):
    with pytest.raises(InvalidInput, match=message):
        call()


# ---------------------------------------------------------------- centroid CSV


def test_read_centroids_csv_accepts_header_aliases_bom_and_separators():
    ids, coords = W.read_centroids_csv(
        "\ufeffCVEGEO;Latitude;LNG\n09002;19.48;-99.18\n\n09003;19.35;-99.16\n", name="c.csv"
    )
    assert ids == ("09002", "09003")
    assert_allclose(coords, [[19.48, -99.18], [19.35, -99.16]])
    ids, _ = W.read_centroids_csv("area,lat,lon\nx,1,2\n", name="c.csv")
    assert ids == ("x",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "c.csv, line 1: empty file"),
        ("id,lat\nx,1\n", "c.csv, line 1: no lon column"),
        ("id,lat,lon\nx,1,2\ny,north,2\n", "c.csv, line 3, field lat: 'north' is not a number"),
        ("id,lat,lon\nx,1,200\n", r"c.csv, line 2, field lon: 200 is outside \[-180, 180\]"),
        ("id,lat,lon\nx,1,2\nx,3,4\n", "c.csv, line 3, field id: 'x' already on line 2"),
        ("id,lat,lon\n,1,2\n", "c.csv, line 2, field id: empty"),
        ("id,lat,lon\n", "c.csv: no rows"),
    ],
)
def test_read_centroids_csv_errors_name_line_and_field(text, message):
    with pytest.raises(InvalidInput, match=message):
        W.read_centroids_csv(text, name="c.csv")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('id,lat;on\t\n"0123.-9x\ufeff '), max_size=60))
def test_read_centroids_csv_parses_or_raises_invalid_input(text):
    try:
        ids, coords = W.read_centroids_csv(text, name="c.csv")
    except InvalidInput:
        return
    assert coords.shape == (len(ids), 2)
