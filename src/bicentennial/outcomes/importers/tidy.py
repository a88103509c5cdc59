"""The tidy long format, and the plain-CSV reading every importer shares.

Two layouts are accepted: ``indicator,area,period,value[,note]`` (what a user types or
exports from a spreadsheet) and the project's reference series
``series,geography,period,value,unit,source,source_url_or_title,note``
(``shared/data/series``), whose geography is upper-case (``MX:09``).

The shared helpers live here because this is the generic CSV module: encoding sniffing
(official files come as windows-1252 *or* UTF-8 with a BOM, and the header says which
only by its accents), header folding (``Año``/``AÑO``/``Ano`` name the same column) and
number cells that either parse or name their line and column.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed

SNIFF_BYTES = 1 << 20
_WHOLE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.0*)?", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+", re.ASCII)
_AREA = re.compile(r"(?:mx|us)(?::\d{2}(?:\d{3})?)?", re.ASCII)
_PERIOD = re.compile(r"(?:FY)?(?:19|20)\d\d|(?:19|20)\d\d-(?:0[1-9]|1[0-2])", re.ASCII)
_INDICATOR = re.compile(r"[a-z][a-z0-9_]*")


def sniff_encoding(path: Path, *, ascii_as: str = "utf-8") -> str:
    """The file's text encoding: ``utf-8-sig`` with a BOM, ``utf-8`` if its first MiB decodes
    as such, else ``cp1252``. Pure-ASCII samples prove nothing, so the caller says what its
    publisher's legacy default is."""
    try:
        with path.open("rb") as f:
            sample = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise ImportFormatError(path.name, None, None, f"a readable file ({exc.strerror})") from exc
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return ascii_as if text.isascii() else "utf-8"


def fold(name: str) -> str:
    """A header cell folded for matching: no accents, lower-case, ``.``/``_`` as spaces."""
    plain = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return " ".join(plain.replace(".", " ").replace("_", " ").split())


def csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) for every record; undecodable text or broken CSV is an
    ImportFormatError naming the line, never a raw exception."""
    line = 1
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f)
            for row in reader:
                yield line, row
                line = reader.line_num + 1
    except UnicodeDecodeError as exc:
        expected = f"text in one encoding ({encoding}), found undecodable bytes here or a little after"
        raise ImportFormatError(path.name, line, None, expected) from exc
    except csv.Error as exc:
        raise ImportFormatError(path.name, line, None, f"well-formed CSV ({exc})") from exc


def is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def columns(file: str, header: list[str], wanted: dict[str, str], line: int = 1) -> dict[str, int]:
    """Index of each wanted column (folded name → display name), by name, so that extra
    trailing columns (SESNSP's ``Total``) and reordered exports do not matter."""
    index = {fold(name): i for i, name in reversed(list(enumerate(header)))}
    for key, display in wanted.items():
        if key not in index:
            raise ImportFormatError(file, line, display, f"a column named {display!r} in the header")
    return {key: index[key] for key in wanted}


def cell(file: str, line: int, row: list[str], i: int, column: str) -> str:
    if i >= len(row):
        raise ImportFormatError(file, line, column, f"a value (the row has only {len(row)} fields)")
    return row[i].strip()


def whole_number(text: str, *, file: str, line: int, column: str) -> int | None:
    """A count: ``12``, ``1,234`` (thousands separators), ``12.0`` (re-exported by pandas);
    blank is None (not published / suppressed)."""
    text = text.strip()
    if not text:
        return None
    if len(text) > 18 or not _WHOLE.fullmatch(text):  # 18 digits: no count is larger, and int() stays cheap
        raise ImportFormatError(file, line, column, f"expected a whole number, got {text[:40]!r}")
    return int(text.replace(",", "").partition(".")[0])


def decimal_number(text: str, *, file: str, line: int, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise ImportFormatError(file, line, column, f"expected a number, got {text[:40]!r}")
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ImportFormatError(file, line, column, f"expected a finite number, got {text[:40]!r}")
    return value


# --- the tidy format ------------------------------------------------------------------

# role → column name in each layout
TIDY = {"indicator": "indicator", "area": "area", "period": "period", "value": "value"}
REFERENCE = {"indicator": "series", "area": "geography", "period": "period", "value": "value"}
_CHECKS = {
    "indicator": (_INDICATOR, "an indicator id (lower-case letters, digits, _)"),
    "area": (_AREA, "an area code like mx, mx:09, mx:09015 or us:06"),
    "period": (_PERIOD, "a period YYYY, YYYY-MM or FYYYYY"),
}
HEADERS = {
    "tidy": "indicator,area,period,value[,note]",
    "tidy (reference series)": "series,geography,period,value,unit,source,source_url_or_title,note",
}


def sniff(names: set[str]) -> str | None:
    return "tidy" if set(TIDY.values()) <= names or set(REFERENCE.values()) <= names else None


def parse(path: Path) -> Parsed:
    """Parse a tidy CSV (either layout): one observation per data row; a blank value is None."""
    file = path.name
    rows = csv_rows(path, "utf-8-sig")
    header_line, header = next(((n, r) for n, r in rows if not is_blank(r)), (1, []))
    layout = REFERENCE if set(REFERENCE.values()) <= {fold(h) for h in header} else TIDY
    by_name = columns(file, header, {name: name for name in layout.values()}, header_line)
    at = {role: by_name[name] for role, name in layout.items()}
    extra = {name: i for i, h in enumerate(header) if (name := fold(h)) in ("note", "source", "source url or title")}
    parsed = Parsed(format="tidy", source="tidy", vintage=None)
    sources: dict[str, None] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        if is_blank(row):
            continue
        key = {role: _checked(file, line, row, at[role], header[at[role]], role) for role in _CHECKS}
        first = seen.setdefault((key["indicator"], key["area"], key["period"]), line)
        if first != line:
            # one import is one release (vintage): it cannot hold two values for one period
            raise ImportFormatError(
                file, line, None, f"one value per indicator, area and period (line {first} has one)"
            )
        value = decimal_number(
            cell(file, line, row, at["value"], header[at["value"]]), file=file, line=line, column=header[at["value"]]
        )
        meta = {name: row[i].strip() for name, i in extra.items() if i < len(row)}
        sources.setdefault(meta.get("source", ""))
        note = "; ".join(t for t in (meta.get("note", ""), meta.get("source url or title", "")) if t)
        parsed.observations.append(Observation(key["indicator"], key["area"], key["period"], value, line, note))
    parsed.source = "; ".join(s for s in sources if s) or "tidy"
    return parsed


def _checked(file: str, line: int, row: list[str], i: int, column: str, role: str) -> str:
    text = cell(file, line, row, i, column)
    text = text.lower() if role == "area" else text
    pattern, expected = _CHECKS[role]
    if not pattern.fullmatch(text):
        raise ImportFormatError(file, line, column, f"expected {expected}, got {text[:40]!r}")
    return text
