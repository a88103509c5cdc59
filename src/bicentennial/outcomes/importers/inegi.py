"""INEGI death records (EDR microdata, "defunciones registradas"): presumed homicides.

One file per registration year: ``DEFUNyy.dbf`` (upper-case field names, dBase III) or the
open-data CSV (lower-case names, latin-1). A death is a presumed homicide when its intent
code is 2; the code lives in ``PRESUNTO`` up to 2021 and in ``TIPO_DEFUN`` from 2022 on
(INEGI renamed it; the other codes were renumbered in 2021 — natural 8 → 4, unspecified
→ 9 — but homicide stayed 2), so the column is chosen by year of registration.

INEGI's published national series counts by year of *registration*; hotspot work wants
place and month of *occurrence*. Both are emitted, as separate indicators.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from dbfread import DBF

from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed
from bicentennial.outcomes.importers.tidy import csv_rows, fold, is_blank, sniff_encoding, whole_number

ANNUAL, MONTHLY = "mx_homicides_inegi", "mx_homicides_inegi_monthly"
HOMICIDE = 2
RENAMED_IN = 2022  # first registration year whose intent code is in TIPO_DEFUN
HEADERS = {
    "inegi-deaths": "ent_regis,…,ent_ocurr,…,mes_ocurr,anio_ocur,…,anio_regis,…,presunto (tipo_defun from 2022),…"
}
_NEEDED = {"ent ocurr": "ENT_OCURR", "mes ocurr": "MES_OCURR", "anio ocur": "ANIO_OCUR", "anio regis": "ANIO_REGIS"}
_DBF_SIGNATURES = {0x03, 0x83, 0x30, 0x31, 0x8B, 0xF5}
Row = list[str] | list[bytes]


def sniff(names: set[str]) -> str | None:
    return "inegi-deaths" if set(_NEEDED) <= names and names & {"presunto", "tipo defun"} else None


def is_dbf(path: Path) -> bool:
    """A dBase table, by name or by its 32-byte header (uploads may lose the extension)."""
    if path.suffix.lower() == ".dbf":
        return True
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        return False
    if len(head) < 12 or head[0] not in _DBF_SIGNATURES or not (1 <= head[2] <= 12 and 1 <= head[3] <= 31):
        return False
    header_length = struct.unpack("<H", head[8:10])[0]
    return header_length >= 65 and (header_length - 33) % 32 in (0, 1)


def parse(path: Path) -> Parsed:
    """Presumed homicides by year of registration (states and national) and by month and
    state of occurrence."""
    header_line, header, records = _open(path)
    count = _Count(path.name)
    count.columns(header, header_line)
    for line, row in records:
        count.add(line, row)
    parsed = Parsed(format="inegi-deaths", source="INEGI", vintage=None)
    parsed.observations = list(count.observations())
    parsed.notes = count.notes()
    return parsed


def _open(path: Path) -> tuple[int, list[str], Iterator[tuple[int, Row]]]:
    """(header line, header, records): CSV cells are str by line, DBF cells raw bytes by record."""
    if not is_dbf(path):
        rows = ((n, r) for n, r in csv_rows(path, sniff_encoding(path, ascii_as="cp1252")) if not is_blank(r))
        line, header = next(rows, (1, []))
        return line, header, rows
    try:
        table = DBF(
            str(path),
            raw=True,  # parse only the 5 fields needed, not all 60
            recfactory=lambda items: [value for _, value in items],
            ignorecase=False,
            ignore_missing_memofile=True,
        )
    except (OSError, ValueError, struct.error, UnicodeDecodeError, LookupError) as exc:
        raise ImportFormatError(path.name, None, None, f"a readable dBase (DBF) table ({exc})") from exc
    return 0, list(table.field_names), _dbf_records(path.name, table)


def _dbf_records(file: str, table: DBF) -> Iterator[tuple[int, Row]]:
    line = 0
    try:
        for line, record in enumerate(table, start=1):
            yield line, record
    except (OSError, ValueError, struct.error) as exc:
        raise ImportFormatError(file, line + 1, None, f"a readable dBase (DBF) record ({exc})") from exc


def dbf_field_names(path: Path) -> list[str]:
    """A DBF table's field names, folded for matching."""
    return [fold(name) for name in _open(path)[1]]


class _Count:
    def __init__(self, file: str) -> None:
        self.file = file
        self.annual: Counter[tuple[int, int]] = Counter()  # (state or 0 for national, registration year)
        self.monthly: Counter[tuple[int, int, int]] = Counter()  # (state, year, month) of occurrence
        self.first: dict[tuple[int, ...], int] = {}
        self.unknown_state = self.unknown_time = 0
        self.intent_used: set[tuple[str, bool]] = set()

    def columns(self, header: list[str], line: int) -> None:
        self.header = header
        at = {fold(name): i for i, name in reversed(list(enumerate(header)))}
        for key, display in _NEEDED.items():
            if key not in at:
                raise ImportFormatError(self.file, line, display, f"a column named {display} (or {display.lower()})")
        # PRESUNTO for registrations before 2022, TIPO_DEFUN from 2022 on; a file with only one
        # of them (a re-export that renamed it back, as death.index does) uses it for every year
        present = [(at[k], name) for k, name in (("presunto", "PRESUNTO"), ("tipo defun", "TIPO_DEFUN")) if k in at]
        if not present:
            raise ImportFormatError(self.file, line, "PRESUNTO", "a PRESUNTO (≤2021) or TIPO_DEFUN (2022+) column")
        self.intent_columns = (present[0], present[-1])
        self.ent, self.month, self.year, self.regis = (at[k] for k in _NEEDED)

    def add(self, line: int, row: Row) -> None:
        regis = self._code(line, row, self.regis)
        if not 1900 <= regis <= 2100:
            raise ImportFormatError(self.file, line, self.header[self.regis], f"a year of registration, got {regis}")
        if self._intent(line, row, regis) != HOMICIDE:
            return
        ent = self._code(line, row, self.ent)
        state = ent if 1 <= ent <= 32 else 0  # 33-35 abroad, 99 unknown: national total only
        self.unknown_state += not state
        for key in ((0, regis), (state, regis)) if state else ((0, regis),):
            self.annual[key] += 1
            self.first.setdefault(key, line)
        year, month = self._code(line, row, self.year), self._code(line, row, self.month)
        if year == 9999 or month == 99:
            self.unknown_time += 1
            return
        if not 1900 <= year <= 2100:
            raise ImportFormatError(self.file, line, self.header[self.year], f"a year (or 9999), got {year}")
        if not 1 <= month <= 12:
            raise ImportFormatError(self.file, line, self.header[self.month], f"a month 1-12 (or 99), got {month}")
        if state:
            self.monthly[state, year, month] += 1
            self.first.setdefault((state, year, month), line)

    def _intent(self, line: int, row: Row, regis: int) -> int:
        renamed = regis >= RENAMED_IN
        i, name = self.intent_columns[renamed]
        self.intent_used.add((name, renamed))
        return self._code(line, row, i)

    def _code(self, line: int, row: Row, i: int) -> int:
        column = self.header[i]
        if i >= len(row):
            raise ImportFormatError(self.file, line, column, f"a value (the row has only {len(row)} fields)")
        value = row[i]
        text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
        if text.isascii() and text.isdigit() and len(text) < 10:
            return int(text)
        number = whole_number(text, file=self.file, line=line, column=column)
        if number is None:
            raise ImportFormatError(self.file, line, column, "expected a whole number, got a blank")
        return number

    def observations(self) -> Iterator[Observation]:
        """National and state totals per registration year, then state-months of occurrence;
        states and months of a registration year with no homicide get an explicit 0."""
        years = sorted({year for _, year in self.annual})
        monthly_years = set(years)
        annual = {(s, y): 0 for y in years for s in range(33)}
        annual.update(self.annual)
        for (state, year), n in sorted(annual.items()):
            area = f"mx:{state:02d}" if state else "mx"
            yield Observation(ANNUAL, area, str(year), float(n), self.first.get((state, year), 0))
        monthly = {(s, y, m): 0 for y in years for s in range(1, 33) for m in range(1, 13)}
        monthly.update((key, n) for key, n in self.monthly.items() if key[1] in monthly_years)
        for (state, year, month), n in sorted(monthly.items()):
            first = self.first.get((state, year, month), 0)
            yield Observation(MONTHLY, f"mx:{state:02d}", f"{year}-{month:02d}", float(n), first)

    def notes(self) -> list[str]:
        notes = [
            f"Presumed intent read from {name} for {'2022+' if renamed else 'pre-2022'} registrations."
            for name, renamed in sorted(self.intent_used)
        ]
        if self.unknown_state:
            notes.append(
                f"{self.unknown_state} homicide(s) with the state of occurrence unknown or abroad (ENT_OCURR "
                "outside 1-32): counted in the national total only."
            )
        if self.unknown_time:
            notes.append(
                f"{self.unknown_time} homicide(s) with unknown month or year of occurrence (MES_OCURR 99 / "
                "ANIO_OCUR 9999): not in the monthly series."
            )
        years = {year for _, year in self.annual}
        if late := sum(n for (_, year, _), n in self.monthly.items() if year not in years):
            notes.append(
                f"{late} homicide(s) that occurred before the registration year(s) of this file left out of the "
                "monthly series: each file is stored as a release of its own, so these few late registrations "
                "would replace the full counts imported from the earlier year's file."
            )
        notes.append(
            "Monthly counts by occurrence hold only the deaths registered in this file's year(s): the months of "
            "the latest year grow with later registrations (INEGI's totals by year of occurrence are higher)."
        )
        return notes
