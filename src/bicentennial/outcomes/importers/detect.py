"""Which importer reads a file, told by its header line (or its DBF field list), and one
entry point that parses any supported file."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from bicentennial.outcomes.importers import cbp, cdc, inegi, sesnsp, tidy
from bicentennial.outcomes.importers.base import ImportFormatError, Parsed
from bicentennial.outcomes.importers.tidy import fold, sniff_encoding

FORMATS: dict[str, Callable[[Path], Parsed]] = {
    "sesnsp-state-crimes": sesnsp.parse_state_crimes,
    "sesnsp-state-victims": sesnsp.parse_state_victims,
    "sesnsp-municipal-crimes": sesnsp.parse_municipal_crimes,
    "inegi-deaths": inegi.parse,
    "cdc-vsrr": cdc.parse,
    "cbp-seizures": cbp.parse,
    "tidy": tidy.parse,
}
# Tried in this order: the SESNSP layouts are told apart by columns the others lack
SNIFFERS: tuple[Callable[[set[str]], str | None], ...] = (sesnsp.sniff, inegi.sniff, cdc.sniff, cbp.sniff, tidy.sniff)
HEADERS = {**sesnsp.HEADERS, **inegi.HEADERS, **cdc.HEADERS, **cbp.HEADERS, **tidy.HEADERS}
_HEADER_SEARCH = 50  # lines: leading blank lines are tolerated, a preamble is not a header


def detect_format(path: Path) -> str:
    """The format id of ``path``; ImportFormatError listing the expected headers when none matches."""
    path = Path(path)
    if inegi.is_dbf(path):
        names, line, shown = set(inegi.dbf_field_names(path)), None, "DBF fields"
    else:
        line, header = _header(path)
        names, shown = {fold(h) for h in header}, ",".join(header)
    for sniff in SNIFFERS:
        if found := sniff(names):
            return found
    if {"cve municipio", "sexo", "tipo de delito"} <= names:
        raise ImportFormatError(path.name, line, None, "a supported layout: SESNSP municipal victims are not imported")
    expected = "; ".join(f"{fmt}: {header}" for fmt, header in HEADERS.items())
    raise ImportFormatError(path.name, line, None, f"unknown header {shown[:160]!r}; expected one of — {expected}")


def parse_file(path: Path, fmt: str | None = None) -> Parsed:
    """Parse ``path`` as ``fmt`` (detected from its header when None)."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportFormatError(path.name, None, None, f"a format id among {', '.join(FORMATS)}, got {fmt!r}")
    return FORMATS[fmt](path)


def _header(path: Path) -> tuple[int, list[str]]:
    """The first non-blank line, split as CSV (decoding errors replaced: the parser reports them)."""
    encoding = sniff_encoding(path, ascii_as="cp1252")
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        for number, raw in enumerate(f, start=1):
            if number > _HEADER_SEARCH:
                break
            if raw.strip(", \t\r\n"):
                try:
                    return number, [h.strip() for h in next(csv.reader([raw]), [])]
                except csv.Error as exc:
                    raise ImportFormatError(path.name, number, None, f"a CSV header line ({exc})") from exc
    raise ImportFormatError(path.name, None, None, "a header line (the file is empty)")
