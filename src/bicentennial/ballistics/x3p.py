"""Read and write x3p surface files (ISO 25178-72 / ISO 5436-2 XML 3D surface profile).

An x3p file is a zip holding ``main.xml`` (axes, metadata, MD5 of the data),
``bindata/data.bin`` (Z values, X fastest, little-endian), optionally ``bindata/valid.bin``
(one bit per point, least significant bit first, 0 = missing) and ``md5checksum.hex`` (MD5 of
``main.xml``). Real-world writers stray from the standard, so reading is lenient by default:
each deviation is returned as a sentence; ``strict=True`` refuses the file at the first one.

Heights: for integer Z types (I, L) the stored value is ``Offset + Increment * raw``, as the
standard defines for scaled integers. For float types (F, D) the stored value is the height
itself: x3ptools writes ``Increment=1e-06`` next to heights already in metres, and x3pio's
"placed" sample uses the CZ ``Offset`` to position the surface in space, so neither is applied;
a non-zero float Offset is kept in ``meta["z_offset"]`` and written back.

Writing always produces float64 data. Missing points are written both as NaN in ``data.bin``
and as 0 bits in ``valid.bin`` (only when some point is missing), so readers that honour
either convention agree, and ``read_x3p(write_x3p(s))`` returns bit-identical heights.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from bicentennial.ballistics import x3p_xml
from bicentennial.ballistics.x3p_mask import decode_mask, encode_mask
from bicentennial.core.errors import InvalidInput

MAX_XML_BYTES = 512 * 1024 * 1024
MD5_RE = re.compile(rb"^\s*([0-9a-fA-F]{32})")

MSG_NOT_FOUND = "file not found"
MSG_NOT_ZIP = "not a readable x3p zip archive ({error})"
MSG_UNREADABLE = "cannot be read as x3p ({error})"
MSG_NO_MAIN = "the zip holds no main.xml"
MSG_SUBFOLDER = "main.xml sits in the sub-folder {folder!r} of the zip instead of its root"
MSG_XML_TOO_BIG = "main.xml is {size} bytes, larger than this reader accepts"
MSG_NO_MD5 = "{file} is missing, so main.xml cannot be verified"
MSG_BAD_MD5_FILE = "{file} does not start with an MD5 hex digest"
MSG_MD5 = "{what} MD5 is {actual} but the file says {expected}"
MSG_MISSING_MEMBER = "{file} named in main.xml is missing from the zip"
MSG_TRUNCATED = (
    "{file} is truncated (size mismatch): {size} bytes, expected {expected} ({nx}×{ny} points of {width} bytes)"
)
MSG_TOO_LONG = "size mismatch: {file} has {size} bytes, expected {expected} ({nx}×{ny} points of {width} bytes)"
MSG_LIST_SIZE = "size mismatch: DataList holds {count} values, expected {expected} ({nx}×{ny})"
MSG_LIST_VALUE = "DataList value {value!r} is not a valid {type} number"
MSG_NO_VALID = "{file} named in main.xml is missing; all points taken as valid"
MSG_VALID_SHORT = "{file} is truncated: {size} bytes, expected {expected} for {n} points"


@dataclass(frozen=True, eq=False)
class Surface:
    """A measured areal surface (or a one-row profile) on a regular grid.

    ``heights[i, j]`` is the height in metres at x = j·dx, y = i·dy (row i is Y index i, as
    stored X-fastest in the file); NaN marks a missing point. ``mask`` is an optional integer
    label image of the same shape (0 = background), as FiX3P/x3ptools annotate scans.
    """

    heights: np.ndarray
    dx: float
    dy: float
    meta: Mapping[str, str] = field(default_factory=dict)
    mask: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.heights.shape[0]), int(self.heights.shape[1]))

    def equals(self, other: Surface, *, ignore_meta: tuple[str, ...] = ("source",)) -> bool:
        """Exact equality: bit-identical heights (NaN equal to NaN), increments, mask and meta."""
        a, b = np.asarray(self.heights, dtype=np.float64), np.asarray(other.heights, dtype=np.float64)
        if a.shape != b.shape or self.dx != other.dx or self.dy != other.dy:
            return False
        if not _same_with_nan(a, b):
            return False
        mine, theirs = self.mask, other.mask
        if (mine is None) != (theirs is None):
            return False
        if mine is not None and theirs is not None and not np.array_equal(mine, theirs):
            return False
        strip = set(ignore_meta)
        return {k: v for k, v in self.meta.items() if k not in strip} == {
            k: v for k, v in other.meta.items() if k not in strip
        }


def _same_with_nan(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal where both are numbers (bitwise, so -0.0 ≠ 0.0), and NaN in the same places."""
    na, nb = np.isnan(a), np.isnan(b)
    return bool(np.array_equal(na, nb) and np.array_equal(a[~na].view(np.int64), b[~nb].view(np.int64)))


class _Reader:
    """One read: the file's label for messages, the strictness and the deviations found."""

    def __init__(self, label: str, strict: bool) -> None:
        self.label, self.strict, self.deviations = label, strict, list[str]()

    def fail(self, problem: str) -> None:
        raise InvalidInput(f"{self.label}: {problem}")

    def report(self, problem: str) -> None:
        if self.strict:
            self.fail(f"{problem} (refused in strict mode)")
        self.deviations.append(problem)


def read_x3p(path: Path | str | bytes, *, strict: bool = False, name: str | None = None) -> tuple[Surface, list[str]]:
    """Read an x3p file or its bytes; return the surface and the deviations from ISO 5436-2 found.

    Lenient mode (default) accepts ``main.xml`` in a sub-folder of the zip, a root element
    outside the ISO namespace, a wrong or missing MD5 and a missing ``valid.bin``, and lists
    each. ``strict=True`` raises :class:`InvalidInput` on the first deviation instead. Problems
    no reading can get around (corrupt zip, truncated data, size mismatch, unsupported axes)
    raise in both modes; every message starts with the file's name.
    """
    label = name or ("x3p data" if isinstance(path, bytes) else Path(path).name)
    reader = _Reader(label, strict)
    if isinstance(path, bytes):
        data = path
    else:
        try:
            data = Path(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            raise InvalidInput(f"{label}: {MSG_NOT_FOUND}") from None
    try:
        surface = _read(data, reader)
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InvalidInput(f"{label}: {MSG_NOT_ZIP.format(error=exc)}") from None
    except (RuntimeError, ValueError, LookupError, OverflowError, UnicodeError, OSError, MemoryError) as exc:
        raise InvalidInput(f"{label}: {MSG_UNREADABLE.format(error=exc)}") from None
    meta = dict(surface.meta)
    meta["source"] = label
    return Surface(surface.heights, surface.dx, surface.dy, meta, surface.mask), reader.deviations


def _find_main(archive: zipfile.ZipFile, reader: _Reader) -> str:
    names = [n for n in archive.namelist() if not n.startswith("__MACOSX/") and PurePosixPath(n).name == "main.xml"]
    if not names:
        reader.fail(MSG_NO_MAIN)
    main = min(names, key=lambda n: (n.count("/"), n))
    if main != "main.xml":
        reader.report(MSG_SUBFOLDER.format(folder=main[: -len("main.xml")]))
    return main


def _member(archive: zipfile.ZipFile, base: str, link: str) -> str | None:
    """The zip member a relative link in main.xml points to (tolerating ./ and backslashes)."""
    wanted = str(PurePosixPath(base, link.replace("\\", "/").lstrip("/"))).removeprefix("./")
    names = {n.lower(): n for n in archive.namelist()}
    return names.get(wanted.lower())


def _check_md5(content: bytes, expected: str | None, what: str, reader: _Reader) -> None:
    actual = hashlib.md5(content, usedforsecurity=False).hexdigest()
    if expected is not None and actual != expected.strip().lower():
        reader.report(MSG_MD5.format(what=what, actual=actual, expected=expected.strip().lower()))


def _read(data: bytes, reader: _Reader) -> Surface:
    archive = zipfile.ZipFile(io.BytesIO(data))
    main = _find_main(archive, reader)
    base = main[: -len("main.xml")]
    if archive.getinfo(main).file_size > MAX_XML_BYTES:
        reader.fail(MSG_XML_TOO_BIG.format(size=archive.getinfo(main).file_size))
    xml = archive.read(main)
    header = x3p_xml.parse_header(xml, reader.report, reader.fail)
    _verify_xml(archive, base, xml, header.checksum_file or "md5checksum.hex", reader)
    heights = _heights(archive, base, header, reader)
    mask, mask_meta = decode_mask(archive, base, header, reader.report)
    return Surface(heights, header.dx, header.dy, {**header.meta, **mask_meta}, mask)


def _verify_xml(archive: zipfile.ZipFile, base: str, xml: bytes, checksum_file: str, reader: _Reader) -> None:
    member = _member(archive, base, checksum_file)
    if member is None:
        reader.report(MSG_NO_MD5.format(file=checksum_file))
        return
    match = MD5_RE.match(archive.read(member)[:4096])
    if match is None:
        reader.report(MSG_BAD_MD5_FILE.format(file=checksum_file))
        return
    _check_md5(xml, match.group(1).decode(), "main.xml", reader)


def _heights(archive: zipfile.ZipFile, base: str, header: x3p_xml.Header, reader: _Reader) -> np.ndarray:
    n = header.nx * header.ny
    raw = _from_list(header, reader) if header.data_list is not None else _from_bin(archive, base, header, reader)
    if header.z_type in ("I", "L"):
        z = raw.astype(np.float64) * header.z_increment + header.z_offset
    else:
        z = raw.astype(np.float64)
    if header.valid_link is not None and header.data_list is None:
        valid = _valid_bits(archive, base, header, n, reader)
        if valid is not None:
            z[~valid] = np.nan
    return z.reshape(header.ny, header.nx)


def _from_list(header: x3p_xml.Header, reader: _Reader) -> np.ndarray:
    """Inline ``<DataList><Datum>`` values; an empty Datum is a missing point."""
    values = header.data_list or []
    expected = header.nx * header.ny
    if len(values) != expected:
        reader.fail(MSG_LIST_SIZE.format(count=len(values), expected=expected, nx=header.nx, ny=header.ny))
    parse = int if header.z_type in ("I", "L") else float
    out = np.empty(expected, dtype=np.float64)
    for i, text in enumerate(values):
        if text is None:
            out[i] = np.nan
            continue
        try:
            out[i] = parse(text)
        except ValueError:
            reader.fail(MSG_LIST_VALUE.format(value=text, type=header.z_type))
    return out


def _from_bin(archive: zipfile.ZipFile, base: str, header: x3p_xml.Header, reader: _Reader) -> np.ndarray:
    link = header.data_link or "bindata/data.bin"
    member = _member(archive, base, link)
    if member is None:
        reader.fail(MSG_MISSING_MEMBER.format(file=link))
        raise AssertionError  # pragma: no cover
    dtype = np.dtype(x3p_xml.Z_TYPES[header.z_type])
    expected = header.nx * header.ny * dtype.itemsize
    size = archive.getinfo(member).file_size
    facts = {"file": link, "expected": expected, "nx": header.nx, "ny": header.ny, "width": dtype.itemsize}
    if size > expected:
        reader.fail(MSG_TOO_LONG.format(size=size, **facts))
    content = archive.read(member)
    if len(content) < expected:
        reader.fail(MSG_TRUNCATED.format(size=len(content), **facts))
    _check_md5(content, header.data_md5, link, reader)
    return np.frombuffer(content, dtype=dtype)


def _valid_bits(
    archive: zipfile.ZipFile, base: str, header: x3p_xml.Header, n: int, reader: _Reader
) -> np.ndarray | None:
    """``valid.bin``: one bit per point in data order, least significant bit first; 1 = valid."""
    link = header.valid_link or "bindata/valid.bin"
    member = _member(archive, base, link)
    if member is None:
        reader.report(MSG_NO_VALID.format(file=link))
        return None
    content = archive.read(member)
    if len(content) * 8 < n:
        reader.fail(MSG_VALID_SHORT.format(file=link, size=len(content), expected=(n + 7) // 8, n=n))
    _check_md5(content, header.valid_md5, link, reader)
    bits = np.unpackbits(np.frombuffer(content, dtype=np.uint8), bitorder="little")[:n]
    return bits.astype(bool)


def write_x3p(surface: Surface, path: Path | None = None) -> bytes:
    """The surface as an ISO 5436-2 x3p zip (float64 data, MD5s); also written to ``path`` if given."""
    heights = np.ascontiguousarray(surface.heights, dtype="<f8")
    if heights.ndim != 2 or heights.size == 0:
        raise InvalidInput(f"surface heights must be a non-empty 2-D array, not shape {heights.shape}")
    if not (np.isfinite(surface.dx) and np.isfinite(surface.dy) and surface.dx > 0 and surface.dy > 0):
        raise InvalidInput(f"surface spacing must be positive metres, not dx={surface.dx}, dy={surface.dy}")
    ny, nx = heights.shape
    data = heights.tobytes()
    missing = np.isnan(heights).ravel()
    valid = np.packbits(~missing, bitorder="little").tobytes() if missing.any() else None
    meta = dict(surface.meta)
    mask_png, notes = encode_mask(surface.mask, heights.shape, meta) if surface.mask is not None else (None, None)
    xml = x3p_xml.build_header(
        nx=nx,
        ny=ny,
        dx=surface.dx,
        dy=surface.dy,
        meta=meta,
        data_md5=_md5(data),
        valid_md5=None if valid is None else _md5(valid),
        mask_notes=notes,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main.xml", xml)
        archive.writestr("md5checksum.hex", f"{_md5(xml)} *main.xml\n")
        archive.writestr("bindata/data.bin", data)
        if valid is not None:
            archive.writestr("bindata/valid.bin", valid)
        if mask_png is not None:
            archive.writestr("bindata/mask.png", mask_png)
    content = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(content)
    return content


def _md5(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def sha256_of(path: Path | str | bytes) -> str:
    """SHA-256 of a file (or bytes): the fingerprint an examiner records for the evidence scan."""
    if isinstance(path, bytes):
        return hashlib.sha256(path).hexdigest()
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
