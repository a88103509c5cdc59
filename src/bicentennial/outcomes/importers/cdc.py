"""CDC/NCHS VSRR Provisional Drug Overdose Death Counts (data.cdc.gov ``xkb8-kh2a``).

Every value is a 12-month-ending sum; the period is the ending month, so ``2024-12`` is
calendar 2024. Reported counts (``Data Value``) and CDC's delay-adjusted counts
(``Predicted Value``, the headline figure) are separate indicators.
"""

from __future__ import annotations

from pathlib import Path

from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed
from bicentennial.outcomes.importers.tidy import cell, columns, csv_rows, decimal_number, fold, is_blank, sniff_encoding

HEADER = (
    "State,Year,Month,Period,Indicator,Data Value,Percent Complete,Percent Pending Investigation,State Name,"
    "Footnote,Footnote Symbol,Predicted Value"
)
HEADERS = {"cdc-vsrr": HEADER}
# Indicator text → (reported id, predicted id)
INDICATORS = {
    "number of drug overdose deaths": ("us_overdose_deaths", "us_overdose_deaths_predicted"),
    "synthetic opioids, excl. methadone (t40.4)": (
        "us_synthetic_opioid_deaths",
        "us_synthetic_opioid_deaths_predicted",
    ),
}
FIPS = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09", "DE": "10", "DC": "11",
    "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17", "IN": "18", "IA": "19", "KS": "20", "KY": "21",
    "LA": "22", "ME": "23", "MD": "24", "MA": "25", "MI": "26", "MN": "27", "MS": "28", "MO": "29", "MT": "30",
    "NE": "31", "NV": "32", "NH": "33", "NJ": "34", "NM": "35", "NY": "36", "NC": "37", "ND": "38", "OH": "39",
    "OK": "40", "OR": "41", "PA": "42", "RI": "44", "SC": "45", "SD": "46", "TN": "47", "TX": "48", "UT": "49",
    "VT": "50", "VA": "51", "WA": "53", "WV": "54", "WI": "55", "WY": "56",
}  # fmt: skip
MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), start=1)}  # fmt: skip
_REQUIRED = ("State", "Year", "Month", "Period", "Indicator", "Data Value")


def sniff(names: set[str]) -> str | None:
    return "cdc-vsrr" if {fold(c) for c in _REQUIRED} <= names else None


def parse(path: Path) -> Parsed:
    """Counts for the overdose and T40.4 indicators by jurisdiction and 12-month-ending month."""
    file = path.name
    rows = csv_rows(path, sniff_encoding(path))
    header_line, header = next(((n, r) for n, r in rows if not is_blank(r)), (1, []))
    at = columns(file, header, {fold(c): c for c in _REQUIRED}, header_line)
    predicted_i = next((i for i, h in enumerate(header) if fold(h) == "predicted value"), None)
    parsed = Parsed(format="cdc-vsrr", source="CDC/NCHS", vintage=None)
    blank = {"reported": 0, "predicted": 0}
    nyc = 0
    for line, row in rows:
        if is_blank(row):
            continue
        get = {key: cell(file, line, row, i, header[i]) for key, i in at.items()}
        ids = INDICATORS.get(" ".join(get["indicator"].lower().split()))
        if ids is None:
            continue
        if get["state"].upper() == "YC":
            nyc += 1
            continue
        area, period = _area(file, line, get["state"]), _period(file, line, get)
        for kind, indicator, i in (("reported", ids[0], at["data value"]), ("predicted", ids[1], predicted_i)):
            if i is None:
                continue
            value = decimal_number(cell(file, line, row, i, header[i]), file=file, line=line, column=header[i])
            if value is None:
                blank[kind] += 1
            else:
                parsed.observations.append(Observation(indicator, area, period, value, line))
    _notes(parsed, blank, nyc, predicted_i is not None)
    return parsed


def _area(file: str, line: int, state: str) -> str:
    code = state.upper()
    if code == "US":
        return "us"
    if code not in FIPS:
        raise ImportFormatError(file, line, "State", f"a state abbreviation (50 states, DC, US or YC), got {state!r}")
    return f"us:{FIPS[code]}"


def _period(file: str, line: int, get: dict[str, str]) -> str:
    if " ".join(get["period"].lower().split()) != "12 month-ending":
        raise ImportFormatError(file, line, "Period", f"'12 month-ending', got {get['period'][:40]!r}")
    year, month = get["year"], MONTHS.get(get["month"].lower())
    if not (len(year) == 4 and year.isascii() and year.isdigit()):
        raise ImportFormatError(file, line, "Year", f"a year, got {year[:20]!r}")
    if month is None:
        raise ImportFormatError(file, line, "Month", f"an English month name, got {get['month'][:20]!r}")
    return f"{year}-{month:02d}"


def _notes(parsed: Parsed, blank: dict[str, int], nyc: int, has_predicted: bool) -> None:
    if blank["reported"]:
        parsed.notes.append(f"{blank['reported']} blank Data Value cell(s) (suppressed <10 or low quality): skipped.")
    if blank["predicted"]:
        parsed.notes.append(f"{blank['predicted']} blank Predicted Value cell(s): skipped.")
    if nyc:
        parsed.notes.append(f"{nyc} New York City (YC) row(s) skipped: NYC is part of New York (NY).")
    if not has_predicted:
        parsed.notes.append("No 'Predicted Value' column: predicted indicators not imported.")
