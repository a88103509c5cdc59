"""Tables as people keep them — CSV in any common dialect and encoding, or XLSX — streamed row by row.

Columns are recognised by header through a table of accepted spellings (English and Spanish, any
case, accents or spacing); other columns are carried through untouched. Rows are streamed, never
loaded whole, so a million-row file reads in flat memory. A row whose field count differs from the
header's is reported as that row's problem; the file goes on.
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bicentennial.core.errors import InvalidInput
from bicentennial.core.uploads import text_encoding

T = TypeVar("T")
_SQUEEZE = re.compile(r"[\s_.\-/()#]+")


def squeeze(header: str) -> str:
    """A header without accents, case, spaces or punctuation: "Fracción arancelaria" -> "fraccionarancelaria"."""
    decomposed = unicodedata.normalize("NFKD", header or "")
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _SQUEEZE.sub("", folded)


@dataclass(slots=True)
class TableRow:
    line: int  # line in the file (1 = header)
    fields: dict[str, str]  # canonical field -> value (stripped); only recognised columns
    extra: dict[str, str] = field(default_factory=dict)  # other columns, by their header
    problem: str | None = None  # e.g. a field count that differs from the header's

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass
class Table:
    path: Path
    display_name: str
    headers: list[str]
    columns: dict[str, int]  # canonical field -> column index
    rows: Iterator[TableRow]


def open_table(
    path: Path,
    headers: Mapping[str, tuple[str, ...]],
    *,
    required_any: tuple[str, ...],
    what: str,
    display_name: str | None = None,
) -> Table:
    """Open a CSV or XLSX table whose columns are recognised through ``headers`` (canonical field ->
    accepted spellings, folded and squeezed); at least one of ``required_any`` must be present.
    Raises :class:`InvalidInput` naming the file when it cannot be read."""
    name = display_name or path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        found, rows = _xlsx_rows(path, name)
    else:
        found, rows = _csv_rows(path, name)
    lookup = {squeeze(alias): canonical for canonical, aliases in headers.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, header in enumerate(found):
        canonical = lookup.get(squeeze(header))
        if canonical and canonical not in columns:
            columns[canonical] = index
    if not any(c in columns for c in required_any):
        raise InvalidInput(
            f"{name}, line 1: no column {what} — expected one of {', '.join(required_any)}; "
            f"found: {', '.join(h for h in found if h) or 'no headers'}"
        )
    return Table(path, name, found, columns, _records(found, columns, rows))


def _records(headers: list[str], columns: dict[str, int], rows: Iterator[tuple[int, list[str]]]) -> Iterator[TableRow]:
    known = set(columns.values())
    extras = [(i, h) for i, h in enumerate(headers) if i not in known and h]
    width = len(headers)
    wanted = list(columns.items())
    for line, values in rows:
        count = len(values)
        if count == width:
            fields = {c: values[i].strip() for c, i in wanted if values[i] and not values[i].isspace()}
            problem = None
        else:
            fields = {c: values[i].strip() for c, i in wanted if i < count and values[i].strip()}
            problem = None
            if count < width or any(v.strip() for v in values[width:]):
                problem = f"line {line} has {count} fields, the header has {width}"
        extra = {h: values[i] for i, h in extras if i < count and values[i]} if extras else {}
        yield TableRow(line, fields, extra, problem)


def _csv_rows(path: Path, name: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        handle = path.open(encoding=text_encoding(path), newline="")
    except OSError as exc:
        raise InvalidInput(f"{name}: cannot be read ({exc.strerror})") from None
    sample = handle.read(65536)
    handle.seek(0)
    if not sample.strip():
        handle.close()
        raise InvalidInput(f"{name}: the file is empty")
    try:
        dialect: Any = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect)
    headers = next(reader)

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            try:
                for values in reader:
                    if values:
                        yield reader.line_num, values
            except csv.Error as exc:
                raise InvalidInput(f"{name}, line {reader.line_num}: {exc}") from None

    return [h.strip() for h in headers], rows()


def _xlsx_rows(path: Path, name: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook  # only XLSX manifests need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors for a broken file
        raise InvalidInput(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    numbered = ((i, ["" if v is None else _cell(v) for v in row]) for i, row in enumerate(values, start=1))
    first = next((item for item in numbered if any(item[1])), None)
    if first is None:
        book.close()
        raise InvalidInput(f"{name}: the first sheet is empty")
    headers = first[1]

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for line, row in numbered:
                while row and row[-1] == "":
                    row.pop()
                if row:
                    yield line, row + [""] * max(0, len(headers) - len(row))
        finally:
            book.close()

    return [h.strip() for h in headers], rows()


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value)


def chunks(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    """Rows in lists of ``size`` (the unit of work sent to a worker)."""
    while batch := list(itertools.islice(rows, size)):
        yield batch
