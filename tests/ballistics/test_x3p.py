"""x3p reading and writing: every conformance file, exact round trips, deviations and bad input."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bicentennial.ballistics.x3p import Surface, read_x3p, sha256_of, write_x3p
from bicentennial.core.errors import InvalidInput

DATA = Path(__file__).resolve().parents[1] / "data" / "ballistics"
SAMPLES = DATA / "format-samples"
FADUL = DATA / "fadul"

# file, shape (rows, columns), dx = dy (CX/CY Increment in main.xml), missing points, heights[0, 0]
CONFORMANCE = [
    ("opengps_lgpl/ISO5436-sample1_bin.x3p", (4, 4), 0.016016, 1, 0.48621912),
    ("opengps_lgpl/ISO5436-sample4_bin.x3p", (4, 4), 0.016016, 1, 0.486),
    ("x3pio_cc0/profile_binary.x3p", (1, 256), 2e-06, 0, 0.0),
    ("x3pio_cc0/surface_binary.x3p", (150, 200), 1e-06, 180, 25977 * 3.849507590541495e-11),
    ("x3pio_cc0/surface_int32_binary.x3p", (90, 120), 1e-06, 60, 1e-06),
    ("x3pio_cc0/surface_placed_binary.x3p", (90, 120), 1e-06, 0, 1e-06),
    ("x3pio_cc0/surface_xml.x3p", (150, 200), 1e-06, 180, 25977 * 3.849507590541495e-11),
    ("x3ptools_mit/csafe-logo.x3p", (419, 741), 6.45e-07, 0, 4e-07),
    ("x3ptools_mit/pyramid.x3p", (5, 5), 1.0, 0, 2.0),
    ("x3ptools_mit/sample-land.x3p", (256, 918), 2.58e-06, 25292, -5.421108288e-05),
    ("x3ptools_mit/testing.x3p", (20, 30), 0.0274999996026357, 0, 0.008962339721620083),
]
CLEAN = [c[0] for c in CONFORMANCE if not c[0].startswith(("x3ptools_mit/csafe", "x3ptools_mit/sample-land"))]


@pytest.mark.parametrize(("name", "shape", "step", "missing", "first"), CONFORMANCE)
def test_conformance_files_read(name: str, shape: tuple[int, int], step: float, missing: int, first: float) -> None:
    surface, _ = read_x3p(SAMPLES / name)
    assert surface.heights.dtype == np.float64
    assert surface.heights.shape == shape
    assert surface.dx == pytest.approx(step, rel=1e-12)
    assert surface.dy == pytest.approx(step, rel=1e-12)
    assert int(np.isnan(surface.heights).sum()) == missing
    np.testing.assert_allclose(surface.heights[0, 0], first, rtol=1e-6, atol=1e-15)
    assert surface.meta["source"] == Path(name).name


@pytest.mark.parametrize("name", CLEAN)
def test_standard_files_pass_strict_mode(name: str) -> None:
    _, deviations = read_x3p(SAMPLES / name, strict=True)
    assert deviations == []


def test_int16_with_increment_and_offset_matches_the_float_original() -> None:
    """openGPS sample 4 stores sample 1 as int16 in mm steps with Offset −0.5 (z = −0.5 + 0.001·raw)."""
    floats, _ = read_x3p(SAMPLES / "opengps_lgpl/ISO5436-sample1_bin.x3p")
    ints, _ = read_x3p(SAMPLES / "opengps_lgpl/ISO5436-sample4_bin.x3p")
    assert np.isnan(floats.heights[1, 3]) and np.isnan(ints.heights[1, 3])  # valid.bin bit 7 (x=3, y=1)
    np.testing.assert_allclose(ints.heights, floats.heights, atol=5e-4 + 1e-12)
    assert ints.heights[1, 1] == pytest.approx(1.048)


def test_xml_data_list_equals_binary_data() -> None:
    binary, _ = read_x3p(SAMPLES / "x3pio_cc0/surface_binary.x3p")
    text, _ = read_x3p(SAMPLES / "x3pio_cc0/surface_xml.x3p")
    assert np.array_equal(binary.heights, text.heights, equal_nan=True)
    assert np.isnan(text.heights[40, 70]) and not np.isnan(text.heights[39, 70])


def test_known_values_and_metadata() -> None:
    pyramid, _ = read_x3p(SAMPLES / "x3ptools_mit/pyramid.x3p")
    assert pyramid.heights[2, 2] == 10.0 and pyramid.heights[1, 2] == 6.0 and pyramid.heights[4, 4] == 2.0
    placed, _ = read_x3p(SAMPLES / "x3pio_cc0/surface_placed_binary.x3p")
    assert placed.meta["x_offset"] == "1e-06" and placed.meta["y_offset"] == "0.005"
    assert placed.meta["z_offset"] == "1.0"  # kept, not added: float heights are stored as heights
    assert placed.meta["rotation"].split()[4] == "0.984807753012208"
    assert abs(placed.heights).max() < 2e-6
    profile, _ = read_x3p(SAMPLES / "x3pio_cc0/profile_binary.x3p")
    assert profile.meta["feature_type"] == "PRF"
    assert profile.heights[0, -1] == pytest.approx(7.071067811865499e-07)
    fadul, _ = read_x3p(FADUL / "Fadul_1-1.x3p", strict=True)
    assert fadul.heights.shape == (545, 545) and fadul.dx == 6.25e-06
    assert fadul.meta["creator"] == "Xiaoyu Zheng" and fadul.meta["instrument_model"] == "usurf"
    assert 1e-6 < np.nanstd(fadul.heights) < 3e-6


def test_real_world_deviations_are_reported_and_refused_when_strict() -> None:
    _, deviations = read_x3p(SAMPLES / "x3ptools_mit/csafe-logo.x3p")
    assert len(deviations) == 3
    assert "sub-folder 'csafe-logo/'" in deviations[0]
    assert "namespace" in deviations[1]
    assert "main.xml MD5 is 478a53a5eba1607c2c1f5e4acce01cfb" in deviations[2]
    with pytest.raises(InvalidInput, match=r"^csafe-logo\.x3p: .*sub-folder"):
        read_x3p(SAMPLES / "x3ptools_mit/csafe-logo.x3p", strict=True)


def test_annotation_mask_is_read() -> None:
    land, deviations = read_x3p(SAMPLES / "x3ptools_mit/sample-land.x3p")
    assert any("<ISO5436>" in d for d in deviations)
    assert any("CZ/Offset is empty" in d for d in deviations)
    assert land.mask is not None and land.mask.shape == land.heights.shape
    labels, counts = np.unique(land.mask, return_counts=True)
    assert labels.tolist() == [0, 1, 2, 3, 4]
    assert counts.tolist() == [158087, 20900, 21497, 20366, 14158]
    assert "#800080=left groove" in land.meta["mask_annotations"]
    assert land.meta["mask_colours"].split()[:3] == ["#cd7f32", "#1f376c", "#629d4b"]


@pytest.mark.parametrize(
    "path", [SAMPLES / c[0] for c in CONFORMANCE] + [FADUL / "Fadul_2-1.x3p"], ids=lambda p: p.name
)
def test_round_trip_is_exact(path: Path) -> None:
    original, _ = read_x3p(path)
    again, deviations = read_x3p(write_x3p(original), strict=True, name=path.name)
    assert deviations == []
    assert again.equals(original, ignore_meta=())


def test_round_trip_keeps_nan_negative_zero_profiles_and_masks(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    heights = rng.normal(0, 1e-6, (37, 53))
    heights[rng.random(heights.shape) < 0.2] = np.nan
    heights[0, 1] = -0.0
    mask = rng.random(heights.shape) < 0.5
    surface = Surface(heights, 3.125e-6, 3.5e-6, {"creator": "test", "comment": "ümlaut & <xml>"}, mask)
    content = write_x3p(surface, tmp_path / "s.x3p")
    assert (tmp_path / "s.x3p").read_bytes() == content
    assert sha256_of(tmp_path / "s.x3p") == hashlib.sha256(content).hexdigest() == sha256_of(content)
    again, _ = read_x3p(tmp_path / "s.x3p", strict=True)
    assert again.equals(surface, ignore_meta=("source", "revision", "feature_type", "mask_colours", "mask_annotations"))
    assert np.signbit(again.heights[0, 1]) and again.meta["comment"] == "ümlaut & <xml>"
    assert not again.equals(Surface(np.nan_to_num(heights), 3.125e-6, 3.5e-6, surface.meta, mask))
    profile = Surface(rng.normal(size=(1, 64)), 1e-6, 1e-6, {"feature_type": "PRF"})
    again, _ = read_x3p(write_x3p(profile), strict=True)
    assert again.heights.shape == (1, 64) and again.meta["feature_type"] == "PRF"
    assert np.array_equal(again.heights, profile.heights)


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_xml(members: dict[str, bytes], old: bytes, new: bytes) -> dict[str, bytes]:
    """Edit main.xml and keep its checksum right, so only the intended problem remains."""
    assert old in members["main.xml"]
    xml = members["main.xml"].replace(old, new)
    return {
        **members,
        "main.xml": xml,
        "md5checksum.hex": hashlib.md5(xml, usedforsecurity=False).hexdigest().encode() + b" *main.xml\n",
    }


def _unprefixed(members: dict[str, bytes]) -> dict[str, bytes]:
    members = _with_xml(members, b"<p:ISO5436_2 ", b"<ISO5436_2 ")
    return _with_xml(members, b"</p:ISO5436_2>", b"</ISO5436_2>")


@pytest.fixture
def small() -> dict[str, bytes]:
    heights = np.arange(12, dtype=np.float64).reshape(3, 4) * 1e-6
    heights[1, 2] = np.nan
    return _members(write_x3p(Surface(heights, 1e-6, 1e-6, {"creator": "test"})))


def test_written_file_follows_iso_5436_2(small: dict[str, bytes]) -> None:
    assert set(small) == {"main.xml", "md5checksum.hex", "bindata/data.bin", "bindata/valid.bin"}
    assert (
        small["md5checksum.hex"].split()[0].decode()
        == hashlib.md5(small["main.xml"], usedforsecurity=False).hexdigest()
    )
    assert b"<p:ISO5436_2 " in small["main.xml"] and b"<DataType>D</DataType>" in small["main.xml"]
    assert np.frombuffer(small["bindata/data.bin"], "<f8")[1] == 1e-6  # X fastest: (x=1, y=0)
    assert small["bindata/valid.bin"] == bytes([0b10111111, 0b00001111])  # point 6 = (x=2, y=1) invalid, LSB first


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: {f"scan/{k}": v for k, v in m.items()}, "sub-folder 'scan/'"),
        (_unprefixed, "not in the ISO 5436-2 namespace"),
        (lambda m: {k: v for k, v in m.items() if k != "md5checksum.hex"}, "md5checksum.hex is missing"),
        (lambda m: {**m, "md5checksum.hex": b"0" * 32 + b" *main.xml\n"}, "main.xml MD5 is"),
        (lambda m: {k: v for k, v in m.items() if k != "bindata/valid.bin"}, "valid.bin named in main.xml is missing"),
        (lambda m: {**m, "bindata/data.bin": m["bindata/data.bin"][::-1]}, "bindata/data.bin MD5 is"),
    ],
    ids=["subfolder", "unprefixed", "no-md5", "wrong-md5", "no-valid", "data-md5"],
)
def test_lenient_deviations(small: dict[str, bytes], change, expected: str) -> None:  # type: ignore[no-untyped-def]
    content = _zip(change(small))
    surface, deviations = read_x3p(content, name="edited.x3p")
    assert len(deviations) == 1 and expected in deviations[0]
    assert surface.heights.shape == (3, 4)
    with pytest.raises(InvalidInput, match=r"^edited\.x3p: .*strict mode"):
        read_x3p(content, strict=True, name="edited.x3p")


def test_missing_valid_bin_leaves_points_as_stored(small: dict[str, bytes]) -> None:
    members = {k: v for k, v in small.items() if k != "bindata/valid.bin"}
    surface, _ = read_x3p(_zip(members))
    assert np.isnan(surface.heights[1, 2])  # float data keeps its NaN even without valid.bin


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: b"PK\x03\x04 not really a zip", "not a readable x3p zip"),
        (lambda m: _zip(m)[:-40], "not a readable x3p zip"),
        (
            lambda m: _zip({**m, "bindata/data.bin": m["bindata/data.bin"][:-8]}),
            "data.bin is truncated (size mismatch): 88 bytes",
        ),
        (lambda m: _zip({**m, "bindata/data.bin": m["bindata/data.bin"] + b"\0" * 8}), "size mismatch"),
        (lambda m: _zip(_with_xml(m, b"<SizeX>4<", b"<SizeX>5<")), "size mismatch"),
        (lambda m: _zip(_with_xml(m, b"<AxisType>I</AxisType>", b"<AxisType>A</AxisType>")), "unsupported axis type"),
        (lambda m: _zip(_with_xml(m, b"<SizeZ>1<", b"<SizeZ>2<")), "multi-layer"),
        (lambda m: _zip(_with_xml(m, b"<FeatureType>SUR<", b"<FeatureType>PCL<")), "unsupported feature type"),
        (lambda m: _zip(_with_xml(m, b"?>", b"?><!DOCTYPE x [<!ENTITY a 'b'>]>")), "without a DTD"),
        (lambda m: _zip(_with_xml(m, b"<SizeX>4<", b"<SizeX>four<")), "SizeX is not a positive integer"),
        (lambda m: _zip({k: v for k, v in m.items() if k != "bindata/data.bin"}), "missing from the zip"),
        (lambda m: _zip({k: v for k, v in m.items() if k != "main.xml"}), "no main.xml"),
        (lambda m: _zip({**m, "main.xml": m["main.xml"][:-30]}), "not well-formed"),
    ],
)
def test_bad_input_names_file_and_problem(small: dict[str, bytes], change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=r"^bad\.x3p: ") as caught:
        read_x3p(change(small), name="bad.x3p")
    assert message in caught.value.message


def test_unsupported_z_data_type_and_missing_file(small: dict[str, bytes], tmp_path: Path) -> None:
    xml = small["main.xml"]
    cz = xml.index(b"<CZ>")
    edited = xml[:cz] + xml[cz:].replace(b"<DataType>D</DataType>", b"<DataType>Q</DataType>", 1)
    with pytest.raises(InvalidInput, match="unsupported Z data type 'Q'"):
        read_x3p(_zip(_with_xml(small, xml, edited)))
    with pytest.raises(InvalidInput, match=r"^nope\.x3p: file not found"):
        read_x3p(tmp_path / "nope.x3p")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_random_bytes_read_or_raise_invalid_input(data: bytes) -> None:
    try:
        read_x3p(data)
    except InvalidInput as exc:
        assert exc.message.startswith("x3p data: ")


TINY = _members(write_x3p(Surface(np.array([[1.0, np.nan], [3.0, 4.0]]), 1e-6, 1e-6, {"creator": "c"})))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(TINY)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_corrupted_members_read_or_raise_invalid_input(member: str, edits: list[tuple[int, int]]) -> None:
    """Byte edits inside main.xml or the data, re-zipped with good CRCs so the parser meets them."""
    content = bytearray(TINY[member])
    for position, value in edits:
        content[position % len(content)] = value
    try:
        surface, _ = read_x3p(_zip({**TINY, member: bytes(content)}))
    except InvalidInput as exc:
        assert exc.message.startswith("x3p data: ")
        return
    assert surface.heights.ndim == 2 and surface.dx > 0


def test_write_refuses_what_it_cannot_store() -> None:
    with pytest.raises(InvalidInput, match="2-D"):
        write_x3p(Surface(np.zeros(5), 1e-6, 1e-6))
    with pytest.raises(InvalidInput, match="spacing"):
        write_x3p(Surface(np.zeros((2, 2)), 0.0, 1e-6))
    with pytest.raises(InvalidInput, match="mask labels"):
        write_x3p(Surface(np.zeros((2, 2)), 1e-6, 1e-6, {}, np.full((2, 2), -1)))
