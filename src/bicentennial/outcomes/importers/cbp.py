"""CBP "Nationwide Drug Seizures" (``nationwide-drugs-fy23-fy26-jul.csv`` and kin): pounds of
fentanyl seized, summed over components, regions and ports, by calendar month.

Fiscal years start in October (FY2021 ``OCT`` is 2020-10). The files hold one row per
place and drug where something was seized, so a month present in the file without a
fentanyl row is a month with no fentanyl seized: it is recorded as 0, not left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed
from bicentennial.outcomes.importers.tidy import cell, columns, csv_rows, decimal_number, fold, is_blank, sniff_encoding

HEADER = "FY,Month (abbv),Component,Region,Land Filter,Area of Responsibility,Drug Type,Count of Event,Sum Qty (lbs)"
HEADERS = {"cbp-seizures": HEADER}
INDICATOR = "us_cbp_fentanyl_seizures"
# fiscal month → (calendar month, years to subtract from the fiscal year)
FISCAL_MONTHS = {
    "OCT": (10, 1), "NOV": (11, 1), "DEC": (12, 1), "JAN": (1, 0), "FEB": (2, 0), "MAR": (3, 0),
    "APR": (4, 0), "MAY": (5, 0), "JUN": (6, 0), "JUL": (7, 0), "AUG": (8, 0), "SEP": (9, 0),
}  # fmt: skip
_REQUIRED = {"fy": "FY", "month (abbv)": "Month (abbv)", "drug type": "Drug Type", "sum qty (lbs)": "Sum Qty (lbs)"}
_FY = re.compile(r"((?:19|20)\d\d)(?:\s*\(FYTD\))?", re.ASCII | re.IGNORECASE)


def sniff(names: set[str]) -> str | None:
    return "cbp-seizures" if set(_REQUIRED) <= names else None


def parse(path: Path) -> Parsed:
    """Pounds of fentanyl by calendar month, nationally (area ``us``)."""
    file = path.name
    rows = csv_rows(path, sniff_encoding(path))
    header_line, header = next(((n, r) for n, r in rows if not is_blank(r)), (1, []))
    at = columns(file, header, _REQUIRED, header_line)
    pounds: dict[str, float] = {}  # every month in the file, fentanyl or not
    first: dict[str, int] = {}
    blank = fytd = 0
    for line, row in rows:
        if is_blank(row):
            continue
        period, partial = _period(file, line, row, at)
        first.setdefault(period, line)
        fytd += partial
        pounds.setdefault(period, 0.0)
        if fold(cell(file, line, row, at["drug type"], "Drug Type")) != "fentanyl":
            continue
        qty = cell(file, line, row, at["sum qty (lbs)"], "Sum Qty (lbs)")
        value = decimal_number(qty, file=file, line=line, column="Sum Qty (lbs)")
        if value is None:
            blank += 1
        elif value < 0:
            raise ImportFormatError(file, line, "Sum Qty (lbs)", f"a quantity ≥ 0, got {value}")
        else:
            pounds[period] += value
    parsed = Parsed(format="cbp-seizures", source="CBP", vintage=None)
    parsed.observations = [Observation(INDICATOR, "us", p, round(v, 6), first[p]) for p, v in sorted(pounds.items())]
    _notes(parsed, pounds, blank, fytd)
    return parsed


def _period(file: str, line: int, row: list[str], at: dict[str, int]) -> tuple[str, bool]:
    """Calendar ``YYYY-MM`` of a fiscal year and month, and whether the year is marked FYTD."""
    fy_text = cell(file, line, row, at["fy"], "FY")
    fy = _FY.fullmatch(fy_text)
    if fy is None:
        raise ImportFormatError(file, line, "FY", f"a fiscal year like 2024 or '2026 (FYTD)', got {fy_text[:20]!r}")
    month_text = cell(file, line, row, at["month (abbv)"], "Month (abbv)")
    month = FISCAL_MONTHS.get(month_text.upper())
    if month is None:
        raise ImportFormatError(file, line, "Month (abbv)", f"a month OCT…SEP, got {month_text[:20]!r}")
    return f"{int(fy.group(1)) - month[1]}-{month[0]:02d}", "FYTD" in fy_text.upper()


def _notes(parsed: Parsed, pounds: dict[str, float], blank: int, fytd: int) -> None:
    if none := sum(1 for v in pounds.values() if v == 0):
        parsed.notes.append(f"{none} month(s) in the file have no fentanyl seizure rows: recorded as 0 lb.")
    if blank:
        parsed.notes.append(f"{blank} fentanyl row(s) with a blank quantity: skipped.")
    if fytd:
        parsed.notes.append(
            "The file's latest fiscal year is year-to-date (FYTD): its months after the cut are absent."
        )
