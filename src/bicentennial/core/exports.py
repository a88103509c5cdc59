"""CSV and JSON downloads with the same rows the screen shows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

from fastapi.responses import Response


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    return value


def rows_of(items: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        row = asdict(item) if is_dataclass(item) and not isinstance(item, type) else dict(item)
        out.append({k: _plain(v) for k, v in row.items()})
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[Mapping[str, Any]], preamble: Iterable[str] = ()) -> str:
    buffer = io.StringIO()
    for line in preamble:  # notes such as handling codes travel with the file
        buffer.write(f"# {line}\n")
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def download(rows: Sequence[Mapping[str, Any]], *, name: str, fmt: str, preamble: Iterable[str] = ()) -> Response:
    if fmt == "csv":
        return Response(
            to_csv(rows, preamble),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    body = {"notes": list(preamble), "rows": rows}
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain)


def table_bytes(records: Iterable[dict[str, Any]], fmt: str) -> bytes:
    """A table as CSV (UTF-8 with a BOM, so Excel reads accents) or XLSX bytes, for downloads."""
    rows = list(records)
    header = list(rows[0]) if rows else []
    if fmt == "csv":
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(header)
        out.writerows([r.get(k, "") for k in header] for r in rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("screening")
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(k, "") for k in header])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


TABLE_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_download(records: Iterable[dict[str, Any]], *, fmt: str, name: str) -> Response:
    """A table as a CSV or XLSX attachment named ``name.fmt``."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return Response(table_bytes(records, fmt), media_type=TABLE_MEDIA[fmt], headers=headers)
