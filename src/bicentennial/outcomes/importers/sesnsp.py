"""SESNSP "incidencia delictiva del fuero común" (nueva metodología, 2015→): state crimes
(``IDEFC_NM_*``), state victims (``IDVFC_NM_*``) and municipal crimes (``IDM_NM_*`` and the
2015-2025 historical / 2026 municipal files), wide (12 month columns) to long.

The municipal file is ~2.9 million rows and only ~1 in 8 concerns homicide, feminicide or
kidnapping, so each physical line is screened with a substring test before it is split:
irrelevant rows are never parsed (nor validated). Sums over modalidad / sexo / rango de
edad are kept per (indicator, area, year) as 12-slot lists, one dict lookup per row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed
from bicentennial.outcomes.importers.tidy import columns, fold, sniff_encoding, whole_number

MONTHS = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
          "Noviembre", "Diciembre")  # fmt: skip
_BASE = ("Año", "Clave_Ent", "Entidad", "Bien jurídico afectado", "Tipo de delito", "Subtipo de delito", "Modalidad")
HEADERS = {
    "sesnsp-state-crimes": ",".join((*_BASE, *MONTHS)),
    "sesnsp-state-victims": ",".join((*_BASE, "Sexo", "Rango de edad", *MONTHS)),
    "sesnsp-municipal-crimes": ",".join((*_BASE[:3], "Cve. Municipio", "Municipio", *_BASE[3:], *MONTHS)),
}
HOMICIDE, FEMINICIDE, KIDNAPPING = 0, 1, 2
_CUT = re.compile(r"(?:^|[^a-z])(ene|feb|mar|abr|may|jun|jul|ago|sept?|set|oct|nov|dic)[-_]?(\d{4}|\d{2})(?!\d)")
_CUT_MONTH = {"ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "sept": 9,
              "set": 9, "oct": 10, "nov": 11, "dic": 12}  # fmt: skip
_PSEUDO_NOTE = (
    "{n} municipal row(s) of homicide/feminicide/kidnapping for pseudo-municipalities (codes ending 998 "
    "'No Especificado' / 999 'Otros Municipios') kept out of municipal figures: they name no place; they still "
    "count in the state files (IDEFC_NM)."
)


@dataclass(frozen=True)
class Family:
    municipal: bool
    victims: bool
    indicators: tuple[str, ...]  # by HOMICIDE, FEMINICIDE, KIDNAPPING; victims files have no kidnapping here
    needles: tuple[str, ...]  # lower-case substrings a relevant line must contain


_CASES = ("mx_homicide_cases_sesnsp", "mx_feminicide_cases_sesnsp", "mx_kidnapping_cases_sesnsp")
FAMILIES = {
    "sesnsp-state-crimes": Family(False, False, _CASES, ("homicidio doloso", "feminicidio", "secuestro")),
    "sesnsp-state-victims": Family(
        False, True, ("mx_homicide_victims_sesnsp", "mx_feminicide_victims_sesnsp"), ("homicidio doloso", "feminicidio")
    ),
    "sesnsp-municipal-crimes": Family(True, False, _CASES, ("homicidio doloso", "feminicidio", "secuestro")),
}


def sniff(names: set[str]) -> str | None:
    if not {"ano", "clave ent", "tipo de delito", "subtipo de delito", "modalidad"} <= names:
        return None
    municipal, victims = "cve municipio" in names, "sexo" in names
    if municipal and victims:
        return None  # the 2026 municipal victims layout: no indicator of the framework needs it yet
    return "sesnsp-municipal-crimes" if municipal else "sesnsp-state-victims" if victims else "sesnsp-state-crimes"


def release_cut(file_name: str) -> tuple[int, int] | None:
    """(year, month) of the release from a name like ``IDVFC_NM_dic25.csv`` or ``…_dic2020``."""
    found = _CUT.findall(file_name.lower())
    if not found:
        return None
    month, year = found[-1]
    return (int(year) + (2000 if len(year) == 2 else 0), _CUT_MONTH[month])


def parse_state_crimes(path: Path) -> Parsed:
    return parse(path, "sesnsp-state-crimes")


def parse_state_victims(path: Path) -> Parsed:
    return parse(path, "sesnsp-state-victims")


def parse_municipal_crimes(path: Path) -> Parsed:
    return parse(path, "sesnsp-municipal-crimes")


def parse(path: Path, fmt: str) -> Parsed:
    """Monthly sums per indicator × area; blank months (not yet published) give no observation."""
    family, cut = FAMILIES[fmt], release_cut(path.name)
    parsed = Parsed(format=fmt, source="SESNSP", vintage=f"{cut[0]}-{cut[1]:02d}" if cut else None)
    encoding = sniff_encoding(path, ascii_as="cp1252")
    scan = _Scan(path.name, family, cut)
    try:
        with path.open(encoding=encoding, newline="") as f:
            scan.run(f, fmt)
    except UnicodeDecodeError as exc:  # text is decoded in blocks: the bad byte is at or soon after this line
        expected = f"text in one encoding ({encoding}), found undecodable bytes here or a little after"
        raise ImportFormatError(path.name, scan.line + 1, None, expected) from exc
    parsed.observations = list(scan.observations())
    if family.municipal and scan.pseudo:
        parsed.notes.append(_PSEUDO_NOTE.format(n=scan.pseudo))
    if scan.blank:
        parsed.notes.append(f"{scan.blank} blank month cell(s) (not yet published) gave no observation.")
    if cut is None:
        parsed.notes.append("No release cut (e.g. 'dic25') in the file name: vintage unknown, months not checked.")
    return parsed


class _Scan:
    """One pass over the file: the header, then the relevant rows summed into ``sums``."""

    def __init__(self, file: str, family: Family, cut: tuple[int, int] | None) -> None:
        self.file, self.family, self.cut = file, family, cut
        self.cut_label = f"{cut[0]}-{cut[1]:02d}" if cut else ""
        self.line = self.pseudo = self.blank = 0
        self.sums: dict[tuple[int, str, int], list[int | None]] = {}  # slot 0: first line, 1-12: months
        self.seen: set[int] = set()  # hashes of row keys: a duplicated row would otherwise count twice
        self.areas: dict[int, str] = {}

    def run(self, f: TextIO, fmt: str) -> None:
        self.header = header = self._header(f, fmt)
        at = columns(self.file, header, {fold(h): h for h in HEADERS[fmt].split(",")}, self.line)
        self.width, self.months = len(header), [at[fold(m)] for m in MONTHS]
        self.year_i, self.ent_i, self.mun_i = at["ano"], at["clave ent"], at.get("cve municipio", -1)
        self.tipo_i, self.subtipo_i = at["tipo de delito"], at["subtipo de delito"]
        keys = ("bien juridico afectado", "tipo de delito", "subtipo de delito", "modalidad", "sexo", "rango de edad")
        self.key_cols = [at[k] for k in keys if k in at]
        for line, row in self._relevant(f):
            self._add(line, row)

    def _header(self, f: TextIO, fmt: str) -> list[str]:
        for raw in f:
            self.line += 1
            if raw.strip(", \t\r\n"):
                header = [h.strip() for h in self._split(raw)]
                found = sniff({fold(h) for h in header})
                if found != fmt:
                    what = f"this is a {found} file" if found else "not a SESNSP layout"
                    raise ImportFormatError(self.file, self.line, None, f"the {fmt} header {HEADERS[fmt]!r} ({what})")
                return header
        raise ImportFormatError(self.file, None, None, f"the {fmt} header {HEADERS[fmt]!r} (the file is empty)")

    def _relevant(self, f: TextIO) -> Iterator[tuple[int, list[str]]]:
        """Rows that mention a crime of interest; the rest are skipped before any split.

        The hot loop of the importer (millions of lines): locals only, no per-line calls
        beyond ``lower`` and three substring tests."""
        a, b, c = (*self.family.needles, *self.family.needles)[:3]
        n = self.line
        for raw in f:
            n += 1
            text = raw
            if '"' in text and text.count('"') % 2:  # a quoted cell runs over a line break
                self.line = n
                text = self._rest_of_record(f, text)
                first, n = n, self.line
            else:
                first = n
            low = text.lower()
            if a in low or b in low or c in low:
                self.line = first
                yield first, (self._split(text) if '"' in text else text.rstrip("\r\n").split(","))
                continue
            if not n & 0xFFF:
                self.line = n  # now and then, so that an undecodable block is reported near its line
        self.line = n

    def _rest_of_record(self, f: TextIO, text: str) -> str:
        start = self.line
        for raw in f:
            self.line += 1
            text += raw
            if not text.count('"') % 2:
                return text
        raise ImportFormatError(self.file, start, None, "a closing quote before the end of the file")

    def _split(self, text: str) -> list[str]:
        try:
            return next(csv.reader([text]), [])
        except csv.Error as exc:
            raise ImportFormatError(self.file, self.line, None, f"well-formed CSV ({exc})") from exc

    def _add(self, line: int, row: list[str]) -> None:
        if len(row) != self.width and (len(row) < self.width or "".join(row[self.width :]).strip()):
            missing = f", column {self.header[len(row)]!r} missing" if len(row) < self.width else ""
            expected = f"{self.width} fields like the header, got {len(row)}{missing} (an unquoted comma?)"
            raise ImportFormatError(self.file, line, None, expected)
        kind = self._kind(row)
        area = None if kind is None else self._area(line, row)
        if kind is None or area is None:
            return
        year = self._year(line, row)
        marker = hash((area, year, *(row[i].strip().lower() for i in self.key_cols)))
        if marker in self.seen:
            raise ImportFormatError(self.file, line, None, "one row per area, year, crime and modalidad (a duplicate)")
        self.seen.add(marker)
        self._months(line, row, kind, area, year)

    def _kind(self, row: list[str]) -> int | None:
        tipo = row[self.tipo_i].strip().lower()
        if tipo == "homicidio":
            return HOMICIDE if row[self.subtipo_i].strip().lower() == "homicidio doloso" else None
        if tipo == "feminicidio":
            return FEMINICIDE
        return KIDNAPPING if tipo == "secuestro" and len(self.family.indicators) > KIDNAPPING else None

    def _area(self, line: int, row: list[str]) -> str | None:
        ent = self._number(line, row, self.ent_i)
        if ent is None or not 1 <= ent <= 32:
            got = row[self.ent_i].strip()[:20]
            raise ImportFormatError(self.file, line, self.header[self.ent_i], f"a state code 1-32, got {got!r}")
        code = ent
        if self.family.municipal:
            code = self._number(line, row, self.mun_i) or 0
            if code // 1000 != ent or code % 1000 == 0:
                expected = f"a municipality code of state {ent} ({ent}001-{ent}999), got {row[self.mun_i].strip()!r}"
                raise ImportFormatError(self.file, line, self.header[self.mun_i], expected)
            if code % 1000 >= 998:
                self.pseudo += 1
                return None
        area = self.areas.get(code)
        if area is None:
            area = self.areas[code] = f"mx:{code:05d}" if self.family.municipal else f"mx:{code:02d}"
        return area

    def _year(self, line: int, row: list[str]) -> int:
        text = row[self.year_i].strip()
        if not (len(text) == 4 and text.isdecimal() and 1990 <= int(text) <= 2100):
            raise ImportFormatError(self.file, line, self.header[self.year_i], f"a year, got {text[:20]!r}")
        return int(text)

    def _number(self, line: int, row: list[str], i: int) -> int | None:
        text = row[i]
        return (
            int(text)
            if text.isdecimal() and len(text) < 10
            else whole_number(text, file=self.file, line=line, column=self.header[i])
        )

    def _months(self, line: int, row: list[str], kind: int, area: str, year: int) -> None:
        cut = self.cut
        published = 12 if cut is None or year < cut[0] else cut[1] if year == cut[0] else 0
        key = (kind, area, year)
        acc = self.sums.get(key)
        if acc is None:
            acc = self.sums[key] = [line, *([None] * 12)]
        for slot, i in enumerate(self.months, start=1):
            text = row[i]
            value = int(text) if text.isdecimal() and len(text) < 10 else self._odd_cell(line, i, text)
            if value is None:
                continue
            if slot > published:
                expected = f"a blank cell: {year}-{slot:02d} is after the release cut {self.cut_label}"
                raise ImportFormatError(self.file, line, self.header[i], expected)
            held = acc[slot]
            acc[slot] = value if held is None else held + value

    def _odd_cell(self, line: int, i: int, text: str) -> int | None:
        value = whole_number(text, file=self.file, line=line, column=self.header[i])
        self.blank += value is None
        return value

    def observations(self) -> Iterator[Observation]:
        indicators = self.family.indicators
        periods: dict[int, list[str]] = {}
        for (kind, area, year), acc in self.sums.items():
            months = periods.get(year) or periods.setdefault(year, [f"{year}-{m:02d}" for m in range(1, 13)])
            first = acc[0] or 0
            for slot in range(1, 13):
                value = acc[slot]
                if value is not None:
                    yield Observation(indicators[kind], area, months[slot - 1], float(value), first)
