"""The ``main.xml`` of an x3p container (ISO 25178-72, formerly ISO 5436-2): parse and build.

Only the parts a surface needs are modelled: the axes (Record1), the free-text metadata
(Record2), the matrix size, data link or inline data list and the mask (Record3) and the
checksum file name (Record4). Schema rules that a real-world writer commonly breaks are
reported through ``report`` so the caller decides whether they are fatal (strict mode).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ISO_NS = "http://www.opengps.eu/2008/ISO5436_2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ROOT = "ISO5436_2"
DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
Z_TYPES = {"I": "<i2", "L": "<i4", "F": "<f4", "D": "<f8"}
DEFAULT_REVISION = "ISO5436 - 2000"
DEFAULT_MASK_BACKGROUND = "#cd7f32"

# Record2 elements and the meta keys they are read into (and written from), in schema order.
RECORD2_FIELDS: tuple[tuple[str, str], ...] = (
    ("date", "Date"),
    ("creator", "Creator"),
    ("instrument_manufacturer", "Instrument/Manufacturer"),
    ("instrument_model", "Instrument/Model"),
    ("instrument_serial", "Instrument/Serial"),
    ("instrument_version", "Instrument/Version"),
    ("calibration_date", "CalibrationDate"),
    ("probing_type", "ProbingSystem/Type"),
    ("probing_identification", "ProbingSystem/Identification"),
    ("comment", "Comment"),
)

MSG_DTD = "main.xml is not plain UTF-8 XML without a DTD, as x3p requires; refused"
MSG_NOT_XML = "main.xml is not well-formed XML ({error})"
MSG_ROOT = "main.xml root element is <{tag}>, not <ISO5436_2>"
MSG_NOT_X3P = "main.xml root element is <{tag}> without a Record1: not an x3p file"
MSG_UNPREFIXED = "main.xml root element is not in the ISO 5436-2 namespace ({ns})"
MSG_CHILD_NS = "main.xml child elements carry a namespace; the schema wants them unqualified"
MSG_MISSING = "main.xml lacks the required element {path}"
MSG_NUMBER = "main.xml element {path} is {value!r}, not a number"
MSG_EMPTY_NUMBER = "main.xml element {path} is empty; taken as {default}"
MSG_AXIS_TYPE = "unsupported axis type {value!r} for {axis} (only incremental X/Y and absolute Z grids are supported)"
MSG_FEATURE = "unsupported feature type {value!r} (only SUR surfaces and PRF profiles are supported)"
MSG_DATA_TYPE = "unsupported Z data type {value!r} (expected one of I, L, F, D)"
MSG_SIZE = "main.xml matrix size {value!r} for {axis} is not a positive integer"
MSG_LAYERS = "main.xml has SizeZ={value}; multi-layer surfaces are not supported"
MSG_INCREMENT = "main.xml {axis} Increment is {value}; the point spacing must be a positive number of metres"
MSG_NO_DATA = "main.xml has neither a DataLink nor a DataList in Record3"
MSG_NO_RECORD4 = "main.xml has no Record4/ChecksumFile"


@dataclass(frozen=True)
class Header:
    """What ``main.xml`` says about one grid surface or profile."""

    feature_type: str
    nx: int
    ny: int
    dx: float
    dy: float
    z_type: str
    z_increment: float
    z_offset: float
    data_link: str | None
    data_md5: str | None
    valid_link: str | None
    valid_md5: str | None
    data_list: list[str | None] | None
    checksum_file: str | None
    meta: dict[str, str]
    mask_background: str | None = None
    mask_annotations: list[tuple[str, str]] = field(default_factory=list)


Report = Callable[[str], None]


def _text(el: ET.Element | None, path: str) -> str | None:
    node = el.find(path) if el is not None else None
    if node is None or node.text is None:
        return None
    return node.text.strip()


def _required(el: ET.Element, path: str, fail: Report) -> ET.Element:
    node = el.find(path)
    if node is None:
        fail(MSG_MISSING.format(path=path))
        raise AssertionError("fail() must raise")  # pragma: no cover
    return node


def _number(el: ET.Element, path: str, default: float, report: Report, fail: Report) -> float:
    node = el.find(path)
    if node is None:
        return default
    text = (node.text or "").strip()
    if not text:
        report(MSG_EMPTY_NUMBER.format(path=path, default=default))
        return default
    try:
        return float(text)
    except ValueError:
        fail(MSG_NUMBER.format(path=path, value=text))
        raise  # pragma: no cover


def _strip_namespaces(root: ET.Element, report: Report, fail: Report) -> None:
    """ISO 5436-2 qualifies only the root (``p:ISO5436_2``); children are unqualified."""
    ns, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if local != ROOT:
        # x3ptools has written <ISO5436>; any root holding the records is readable.
        if not any(isinstance(el.tag, str) and el.tag.endswith("Record1") for el in root):
            fail(MSG_NOT_X3P.format(tag=local))
        report(MSG_ROOT.format(tag=local))
    if ns != ISO_NS:
        report(MSG_UNPREFIXED.format(ns=ns or "no namespace"))
    root.tag = local
    qualified = False
    for el in root.iter():
        if el is not root and isinstance(el.tag, str) and el.tag.startswith("{"):
            qualified = True
            el.tag = el.tag.partition("}")[2]
    if qualified:
        report(MSG_CHILD_NS)


def _size(dim: ET.Element, axis: str, fail: Report) -> int:
    value = _text(dim, axis)
    if value is None or not value.isdigit() or int(value) < 1:
        fail(MSG_SIZE.format(axis=axis, value=value))
    return int(value or 0)


def _axes(root: ET.Element, report: Report, fail: Report) -> tuple[float, float, str, float, float]:
    axes = _required(root, "Record1/Axes", fail)
    for axis, want in (("CX", "I"), ("CY", "I"), ("CZ", "A")):
        node = axes.find(axis)
        kind = _text(node, "AxisType")
        if node is None and axis == "CY":
            continue
        if kind != want:
            fail(MSG_AXIS_TYPE.format(value=kind, axis=axis))
    dx = _number(axes, "CX/Increment", 1.0, report, fail)
    dy = _number(axes, "CY/Increment", dx, report, fail)
    for axis, step in (("CX", dx), ("CY", dy)):
        if not math.isfinite(step) or step <= 0:
            fail(MSG_INCREMENT.format(axis=axis, value=step))
    z_type = _text(axes, "CZ/DataType") or ""
    if z_type not in Z_TYPES:
        fail(MSG_DATA_TYPE.format(value=z_type))
    z_inc = _number(axes, "CZ/Increment", 1.0, report, fail)
    z_off = _number(axes, "CZ/Offset", 0.0, report, fail)
    return dx, dy, z_type, z_inc, z_off


def _nonzero(text: str) -> bool:
    try:
        return float(text) != 0.0
    except ValueError:
        return True


def _meta(root: ET.Element, feature: str) -> dict[str, str]:
    meta = {"revision": _text(root, "Record1/Revision") or "", "feature_type": feature}
    for key, path in RECORD2_FIELDS:
        value = _text(root, f"Record2/{path}")
        if value:
            meta[key] = value
    axes = root.find("Record1/Axes")
    for key, path in (("x_offset", "CX/Offset"), ("y_offset", "CY/Offset")):
        value = _text(axes, path)
        if value and _nonzero(value):
            meta[key] = value
    z_offset = _text(axes, "CZ/Offset")
    if _text(axes, "CZ/DataType") in ("F", "D") and z_offset and _nonzero(z_offset):
        meta["z_offset"] = z_offset
    rotation = axes.find("Rotation") if axes is not None else None
    if rotation is not None:
        meta["rotation"] = " ".join((c.text or "").strip() for c in rotation)
    return meta


def parse_header(xml: bytes, report: Report, fail: Report) -> Header:
    """Parse ``main.xml``; ``fail`` raises, ``report`` records a deviation (and may raise)."""
    if DTD_RE.search(xml) or not xml.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        fail(MSG_DTD)
    try:
        root = ET.fromstring(xml)  # noqa: S314 — no DTD (checked above), so no entity expansion; expat ≥ 2.4
    except (ET.ParseError, LookupError, ValueError) as exc:
        fail(MSG_NOT_XML.format(error=exc))
    _strip_namespaces(root, report, fail)
    feature = _text(root, "Record1/FeatureType") or ""
    if feature not in ("SUR", "PRF"):
        fail(MSG_FEATURE.format(value=feature))
    dx, dy, z_type, z_inc, z_off = _axes(root, report, fail)
    record3 = _required(root, "Record3", fail)
    dim = _required(record3, "MatrixDimension", fail)
    nx, ny = _size(dim, "SizeX", fail), _size(dim, "SizeY", fail)
    nz = _text(dim, "SizeZ") or "1"
    if nz != "1":
        fail(MSG_LAYERS.format(value=nz))
    data_list = record3.find("DataList")
    link = _text(record3, "DataLink/PointDataLink")
    if link is None and data_list is None:
        fail(MSG_NO_DATA)
    checksum_file = _text(root, "Record4/ChecksumFile")
    if checksum_file is None:
        report(MSG_NO_RECORD4)
    background, annotations = _mask(record3)
    return Header(
        feature_type=feature,
        nx=nx,
        ny=ny,
        dx=dx,
        dy=dy,
        z_type=z_type,
        z_increment=z_inc,
        z_offset=z_off,
        data_link=link,
        data_md5=_text(record3, "DataLink/MD5ChecksumPointData"),
        valid_link=_text(record3, "DataLink/ValidPointsLink"),
        valid_md5=_text(record3, "DataLink/MD5ChecksumValidPoints"),
        data_list=None if data_list is None else [(d.text or "").strip() or None for d in data_list],
        checksum_file=checksum_file,
        meta=_meta(root, feature),
        mask_background=background,
        mask_annotations=annotations,
    )


def _mask(record3: ET.Element) -> tuple[str | None, list[tuple[str, str]]]:
    """The x3ptools/FiX3P mask description: a background colour and coloured annotations."""
    mask = record3.find("Mask")
    if mask is None:
        return None, []
    notes = [(a.get("color", "").lower(), (a.text or "").strip()) for a in mask.iter("Annotation")]
    return (_text(mask, "Background") or DEFAULT_MASK_BACKGROUND).lower(), notes


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _axis(axes: ET.Element, name: str, kind: str, dtype: str, increment: float, offset: str) -> None:
    axis = _sub(axes, name)
    _sub(axis, "AxisType", kind)
    _sub(axis, "DataType", dtype)
    _sub(axis, "Increment", repr(float(increment)))
    _sub(axis, "Offset", offset)


def _record2(root: ET.Element, meta: Mapping[str, str]) -> None:
    record2 = _sub(root, "Record2")
    for key, path in RECORD2_FIELDS:
        parent_tag, _, tag = path.rpartition("/")
        parent = record2
        if parent_tag:
            found = record2.find(parent_tag)
            parent = found if found is not None else _sub(record2, parent_tag)
        if key in meta or parent_tag:
            _sub(parent, tag, meta.get(key, ""))
    # Schema order: Date, Creator, Instrument, CalibrationDate, ProbingSystem, Comment.
    order = {"Date": 0, "Creator": 1, "Instrument": 2, "CalibrationDate": 3, "ProbingSystem": 4, "Comment": 5}
    record2[:] = sorted(record2, key=lambda el: order[el.tag])


def build_header(
    *,
    nx: int,
    ny: int,
    dx: float,
    dy: float,
    meta: Mapping[str, str],
    data_md5: str,
    valid_md5: str | None,
    mask_notes: tuple[str, list[tuple[str, str]]] | None,
) -> bytes:
    """``main.xml`` for float64 data in ``bindata/data.bin`` (valid.bin and mask.png optional)."""
    ET.register_namespace("p", ISO_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(f"{{{ISO_NS}}}{ROOT}", {f"{{{XSI_NS}}}schemaLocation": f"{ISO_NS} {ISO_NS}/ISO5436_2.xsd"})
    record1 = _sub(root, "Record1")
    _sub(record1, "Revision", meta.get("revision") or DEFAULT_REVISION)
    _sub(record1, "FeatureType", "PRF" if meta.get("feature_type") == "PRF" and ny == 1 else "SUR")
    axes = _sub(record1, "Axes")
    _axis(axes, "CX", "I", "D", dx, meta.get("x_offset", "0"))
    _axis(axes, "CY", "I", "D", dy, meta.get("y_offset", "0"))
    _axis(axes, "CZ", "A", "D", 1.0, meta.get("z_offset", "0"))
    if "rotation" in meta:
        rotation = _sub(axes, "Rotation")
        for i, value in enumerate(meta["rotation"].split()):
            _sub(rotation, f"r{i // 3 + 1}{i % 3 + 1}", value)
    if any(key in meta for key, _ in RECORD2_FIELDS):
        _record2(root, meta)
    record3 = _sub(root, "Record3")
    dim = _sub(record3, "MatrixDimension")
    for tag, value in (("SizeX", str(nx)), ("SizeY", str(ny)), ("SizeZ", "1")):
        _sub(dim, tag, value)
    link = _sub(record3, "DataLink")
    _sub(link, "PointDataLink", "bindata/data.bin")
    _sub(link, "MD5ChecksumPointData", data_md5)
    if valid_md5 is not None:
        _sub(link, "ValidPointsLink", "bindata/valid.bin")
        _sub(link, "MD5ChecksumValidPoints", valid_md5)
    if mask_notes is not None:
        mask = _sub(record3, "Mask")
        _sub(mask, "Background", mask_notes[0])
        notes = _sub(mask, "Annotations")
        for colour, label in mask_notes[1]:
            _sub(notes, "Annotation", label or None).set("color", colour)
    _sub(_sub(root, "Record4"), "ChecksumFile", "md5checksum.hex")
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
