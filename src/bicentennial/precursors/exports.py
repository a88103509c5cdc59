"""Screened tables written as they stream: CSV, or XLSX in openpyxl's write-only mode (flat memory)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.batch import ScreenedRow
from bicentennial.precursors.output import TABLE_COLUMNS, Writer


class TableSink:
    """Receives screened rows; writes them to ``path`` (``.csv`` or ``.xlsx``) or nowhere."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self._rows: Any = None
        self._header: list[str] | None = None

    @classmethod
    @contextmanager
    def open(cls, path: Path | None, writer: Writer) -> Iterator[TableSink]:
        if path is None:
            yield cls(writer)
            return
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise InvalidInput(f"--output: {path.name} must end in .csv or .xlsx")
        sink = cls(writer)
        if suffix == ".csv":
            with path.open("w", encoding="utf-8", newline="") as handle:
                out = csv.writer(handle)
                sink._rows = out.writerow
                yield sink
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("screening")
            sink._rows = sheet.append
            yield sink
            book.save(path)

    def add(self, item: ScreenedRow) -> None:
        if self._rows is None:
            return
        record = self.writer.record(item)
        if self._header is None:
            self._header = [*TABLE_COLUMNS, *(k for k in record if k.startswith("in:"))]
            self._rows(self._header)
        self._rows([record.get(k, "") for k in self._header])
