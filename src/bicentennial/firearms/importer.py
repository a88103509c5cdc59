"""Read firearm trace files (eTrace exports, FGR/SEDENA spreadsheets saved as CSV) into TraceRows.

Files come from both sides of the border: English or Spanish headers, UTF-8 (with or
without BOM) or latin-1, ISO or day-first dates. The parser streams, normalises each
value through cached lookups (a million rows repeat a few thousand distinct values) and
reports every bad row with its line and column instead of stopping at the first one;
the caller decides whether to import the valid rows (`--partial`) or nothing.

XLSX workbooks are read with openpyxl (first sheet, read-only, streamed); their dates
arrive as dates and are written back in ISO form before the same row checks run.
"""

from __future__ import annotations

import csv
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from bicentennial.core.errors import InvalidInput
from bicentennial.core.uploads import text_encoding
from bicentennial.firearms import reference as ref
from bicentennial.firearms.rows import TraceRow
from bicentennial.firearms.serials import OBLITERATED, normalize_serial, valid_ffl

REQUIRED = ("serial", "recovery_date", "recovery_state")
_CACHE = 65536
_YES = frozenset({"Y", "YES", "S", "SI", "TRUE", "1", "X", "VERDADERO"})
_NO = frozenset({"", "N", "NO", "FALSE", "0", "FALSO"})
_STATUS = {"COMPLETED": "completed", "COMPLETADO": "completed", "RASTREADO": "completed", "TRACED": "completed",
           "NOT TRACED": "not_traced", "NOT_TRACED": "not_traced", "NO RASTREADO": "not_traced",
           "NO_RASTREADO": "not_traced", "UNTRACED": "not_traced"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based physical line in the file; the header is line 1
    column: str  # the header as written in the file
    message: str


@dataclass
class ParsedTraces:
    rows: list[TraceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (first line, repeated line)
    columns: dict[str, str] = field(default_factory=dict)  # file header → field


@cache
def _field_names() -> dict[str, str]:
    """Header key → field, from data/trace_columns.csv (English field names and Spanish aliases)."""
    index: dict[str, str] = {}
    for row in ref.read_table("bicentennial.firearms", "trace_columns.csv"):
        for name in [row["field"], *row["aliases"].split("|")]:
            index[name] = row["field"]
    return index


class _Cells(NamedTuple):
    """The raw cells of one row by field; absent columns read as ""."""

    serial: str
    manufacturer: str
    model: str
    caliber: str
    type: str
    recovery_date: str
    recovery_state: str
    recovery_municipality: str
    purchase_date: str
    ffl: str
    dealer_name: str
    dealer_state: str
    purchaser_id: str
    possessor_id: str
    multiple_sale: str
    trace_status: str
    not_traced_reason: str
    country_of_origin: str
    importer: str
    crime_code: str
    case_number: str


FIELDS: tuple[str, ...] = _Cells._fields
if set(FIELDS) != set(_field_names().values()):  # the vocabulary file and this code must agree
    raise ValueError(f"trace_columns.csv fields differ from _Cells: {set(FIELDS) ^ set(_field_names().values())}")


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", ref.fold(header).lower()).strip("_")


def map_columns(header: list[str]) -> dict[str, str]:
    """File header → field; raise InvalidInput naming unknown, repeated or missing columns."""
    names = _field_names()
    columns = {h: names[_header_key(h)] for h in header if _header_key(h) in names}
    unknown = [h for h in header if h not in columns and h.strip()]
    if unknown:
        raise InvalidInput(f"unknown columns: {', '.join(map(repr, unknown))}; recognised: {', '.join(sorted(names))}")
    repeated = [f for f, n in itertools.groupby(sorted(columns.values())) if len(list(n)) > 1]
    if repeated or len(columns) < len([h for h in header if h.strip()]):
        raise InvalidInput(f"columns given twice: {', '.join(repeated) or 'same header repeated'}")
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        raise InvalidInput(f"missing required columns: {', '.join(missing)}")
    return columns


@lru_cache(maxsize=_CACHE)
def parse_date(text: str) -> date:
    """ISO `2021-03-05` (a time after it is ignored) or day-first `05/03/2021`; ValueError otherwise."""
    text = text.strip()
    if len(text) >= 10 and text[4] == "-":
        return date.fromisoformat(text[:10])
    parts = re.split(r"[/.-]", text.split(" ")[0])
    if len(parts) == 3 and len(parts[2]) == 4 and all(p.isascii() and p.isdigit() for p in parts):
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    raise ValueError(text)


@lru_cache(maxsize=_CACHE)
def _yes_no(text: str) -> bool | None:
    key = ref.fold(text)
    return True if key in _YES else False if key in _NO else None


@lru_cache(maxsize=_CACHE)
def _reason(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", ref.fold(text).lower()).strip("_")


class _RowBuilder:
    """Turns the cells of one row into a TraceRow, or the problems that keep it out."""

    def __init__(self, columns: dict[str, str], today: date) -> None:
        self.header = {f: h for h, f in columns.items()}
        self.today = today

    def build(self, line: int, c: _Cells) -> TraceRow | list[RowError]:
        problems: list[tuple[str, str]] = []
        warnings: list[str] = []
        normalized, serial_warnings = normalize_serial(c.serial)
        if not normalized:
            problems.append(("serial", "serial is required; write OBLITERATED when it cannot be read"))
        obliterated = serial_warnings[:1] == [OBLITERATED]
        warnings += serial_warnings
        recovered = self._date(c, "recovery_date", problems)
        purchased = self._date(c, "purchase_date", problems)
        if recovered and purchased and recovered < purchased:
            problems.append(("purchase_date", f"recovered ({recovered}) before purchase ({purchased})"))
        state = self._state(c, problems)
        area = self._area(c, state, warnings)
        ffl = valid_ffl(c.ffl) if c.ffl.strip() else ""
        if ffl is None:
            problems.append(("ffl", f"invalid FFL number {c.ffl!r} (15 characters, e.g. 5-74-123-01-2A-12345)"))
        dealer_state = ref.us_state(c.dealer_state) if c.dealer_state.strip() else ""
        if dealer_state is None:
            problems.append(("dealer_state", f"unknown US state {c.dealer_state!r}"))
        multiple = _yes_no(c.multiple_sale)
        if multiple is None:
            problems.append(("multiple_sale", f"not yes/no: {c.multiple_sale!r}"))
        status = _STATUS.get(ref.fold(c.trace_status)) if c.trace_status.strip() else None
        if c.trace_status.strip() and status is None:
            problems.append(("trace_status", f"unknown trace status {c.trace_status!r} (completed or not_traced)"))
        if problems:
            return [RowError(line, self.header.get(f, f), m) for f, m in problems]
        status = status or ("not_traced" if obliterated else "completed")
        default_reason = "obliterated_serial" if status == "not_traced" and obliterated else ""
        assert recovered is not None and state is not None  # both required: a problem otherwise
        return TraceRow(
            line=line,
            serial=c.serial.strip(),
            serial_normalized=normalized,
            serial_obliterated=obliterated,
            firearm_type=self._type(c.type, warnings),
            manufacturer=ref.canonical_manufacturer(c.manufacturer) if c.manufacturer else "",
            model=c.model.strip(),
            caliber=ref.canonical_caliber(c.caliber)[0] if c.caliber else "",
            recovery_date=recovered,
            recovery_state=state,
            recovery_area=area,
            country_of_origin=self._country(c.country_of_origin, warnings),
            importer=c.importer.strip(),
            crime_code=c.crime_code.strip(),
            case_number=c.case_number.strip(),
            possessor_id=c.possessor_id.strip(),
            trace_status=status,
            not_traced_reason=_reason(c.not_traced_reason) or default_reason,
            dealer_ffl=ffl or "",
            dealer_name=c.dealer_name.strip(),
            dealer_state=dealer_state or "",
            purchaser_id=c.purchaser_id.strip(),
            purchase_date=purchased,
            multiple_sale=bool(multiple),
            warnings=warnings,
        )

    def _date(self, c: _Cells, name: str, problems: list[tuple[str, str]]) -> date | None:
        text = getattr(c, name)
        if not text.strip():
            if name in REQUIRED:
                problems.append((name, f"{name} is required"))
            return None
        try:
            value = parse_date(text)
        except ValueError:
            problems.append((name, f"not a date: {text!r} (write 2021-03-05 or 05/03/2021)"))
            return None
        if value > self.today:
            problems.append((name, f"{value} is in the future"))
        return value

    def _state(self, c: _Cells, problems: list[tuple[str, str]]) -> str | None:
        state = ref.mx_state(c.recovery_state)
        if state is None:
            problems.append(("recovery_state", f"unknown Mexican state code {c.recovery_state!r}"))
        return state

    @staticmethod
    def _area(c: _Cells, state: str | None, warnings: list[str]) -> str:
        if not state or not c.recovery_municipality.strip():
            return state or ""
        area = ref.mx_municipality(c.recovery_municipality, state)
        if area is None:
            warnings.append(f"unknown municipality {c.recovery_municipality!r}; placed at state level")
        return area or state

    @staticmethod
    def _type(text: str, warnings: list[str]) -> str:
        found = ref.firearm_type(text) if text.strip() else "other"
        if found is None:
            warnings.append(f"unknown firearm type {text!r}; recorded as other")
        return found or "other"

    @staticmethod
    def _country(text: str, warnings: list[str]) -> str:
        found = ref.country_code(text) if text.strip() else ""
        if found is None:
            warnings.append(f"unknown country of origin {text!r}")
        return found if found is not None else text.strip()


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each non-blank row; the delimiter is `;` when the header has more of them."""
    lines = iter(lines)
    first = next(lines, "")
    reader = csv.reader(itertools.chain([first], lines), delimiter=";" if first.count(";") > first.count(",") else ",")
    for row in reader:
        if row and "".join(row).strip():
            yield reader.line_num, row


def _parse(records: Iterator[tuple[int, list[str]]], today: date) -> ParsedTraces:
    _, header = next(records, (0, []))
    if not header:
        raise InvalidInput("the file is empty")
    result = ParsedTraces(columns=map_columns(header))
    width = len(header)
    # Absent fields read the empty cell appended after the last column.
    where = {result.columns[h]: i for i, h in enumerate(header) if h in result.columns}
    getter = itemgetter(*[where.get(f, width) for f in FIELDS])
    builder = _RowBuilder(result.columns, today)
    seen: dict[tuple[str, str, date], int] = {}
    for line, cells in records:
        if len(cells) != width:
            if any(cell.strip() for cell in cells[width:]):
                result.errors.append(RowError(line, "", f"row has {len(cells)} cells, the header has {width}"))
                continue
            # Spreadsheet exports drop trailing empty cells.
            cells = (cells + [""] * width)[:width]  # noqa: PLW2901
        cells.append("")
        built = builder.build(line, _Cells._make(getter(cells)))
        if isinstance(built, list):
            result.errors.extend(built)
            continue
        result.rows.append(built)
        if not built.serial_obliterated:
            first = seen.setdefault((built.serial_normalized, built.manufacturer, built.recovery_date), line)
            if first != line:
                result.duplicates.append((first, line))
    return result


def parse_traces(path: Path, *, today: date | None = None) -> ParsedTraces:
    """Parse a trace CSV; raise InvalidInput for file-level problems, list row-level ones in `errors`."""
    today = today or date.today()
    if path.suffix.lower() == ".xls":
        raise InvalidInput(f"{path.name}: the old .xls format is not read; save it as .xlsx or CSV")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _parse(_xlsx_records(path), today)
    with path.open(encoding=text_encoding(path), newline="") as f:
        return _parse(_records(f), today)


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_xlsx_text(v) for v in row]
            if "".join(cells).strip():
                yield number, cells
    finally:
        book.close()


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
