"""SaTScan-style text files: read case, population and coordinates files; write results and exports.

The formats are SaTScan's ASCII input files (whitespace separated, ``;`` starts a comment line):
case ``<location> <count> <date>``, population ``<location> <year or date> <population>``,
coordinates ``<location> <latitude> <longitude>``. Results are written as SaTScan's cluster
information (``*.col.txt``) and location information (``*.gis.txt``) files, so that an analysis
run here can be compared column by column with one run in SaTScan on the exported inputs.
Reference: SaTScan User Guide v10, sections Input Data and Results of Analysis.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.scan import ScanResult

MAX_PERIODS = 1200  # a century of months; guards memory against a mistyped year
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})(?:\2(\d{1,2}))?", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_COUNT = re.compile(r"\d{1,12}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)


@dataclass(frozen=True)
class ScanInput:
    """Inputs of :func:`bicentennial.hotspots.scan.scan_space_time`, areas in coordinates-file order."""

    ids: tuple[str, ...]
    periods: tuple[str, ...]  # "YYYY-MM"
    cases: np.ndarray  # int64 (n_areas, n_periods)
    population: np.ndarray | None  # float64 (n_areas, n_periods), None without a population file
    coords: np.ndarray  # float64 (n_areas, 2): latitude, longitude


def read_scan_input(
    cases_text: str,
    coords_text: str,
    population_text: str | None = None,
    *,
    cases_name: str,
    coords_name: str,
    population_name: str = "population file",
    start: str | None = None,
    end: str | None = None,
) -> ScanInput:
    """Parse and assemble SaTScan case, coordinates and (optional) population files into monthly tables.

    Notes
    -----
    Case dates may be ``YYYY-MM``, ``YYYY/MM`` or ``YYYY/MM/DD`` and are aggregated by month; the
    study period is ``start`` to ``end`` (default: the first and last case months). A population is
    linearly interpolated between its dates and held constant before the first and after the last,
    as SaTScan does (User Guide, Population File); a year alone stands for 1 July, and a month's
    population is the value at its middle, which is the month's average under linear change.
    Every mistake raises :class:`InvalidInput` naming the file, line and field.
    """
    ids, coords = _read_coordinates(coords_text, coords_name)
    index = {loc: i for i, loc in enumerate(ids)}
    lines = list(_case_lines(cases_text, cases_name, index))
    first = _month_arg(start, "start") if start is not None else min((m for *_, m in lines), default=None)
    last = _month_arg(end, "end") if end is not None else max((m for *_, m in lines), default=None)
    if first is None or last is None:
        raise InvalidInput(f"{cases_name}: no cases; give start and end to scan an empty period")
    if first > last:
        raise InvalidInput(f"start {_label(first)} is after end {_label(last)}")
    if last - first >= MAX_PERIODS:
        raise InvalidInput(f"study period {_label(first)} to {_label(last)} is longer than {MAX_PERIODS} months")
    cases = np.zeros((len(ids), last - first + 1), dtype=np.int64)
    first_line: dict[tuple[int, int], int] = {}
    for number, area, count, month in lines:
        if not first <= month <= last:
            raise InvalidInput(
                f"{cases_name}, line {number}, field date: {_label(month)} is outside the study period "
                f"{_label(first)} to {_label(last)}"
            )
        cases[area, month - first] += count
        if count:
            first_line.setdefault((area, month - first), number)
    population = None
    if population_text is not None:
        population = _read_population(population_text, population_name, index, first, last)
        for (area, period), number in sorted(first_line.items(), key=lambda kv: kv[1]):
            if population[area, period] <= 0:
                raise InvalidInput(
                    f"{cases_name}, line {number}, field count: cases at {ids[area]} in {_label(first + period)} "
                    f"but {population_name} gives it no population then"
                )
    periods = tuple(_label(m) for m in range(first, last + 1))
    return ScanInput(tuple(ids), periods, cases, population, coords)


def format_clusters(result: ScanResult, ids: Sequence[str], periods: Sequence[str], coords: np.ndarray) -> str:
    """SaTScan's cluster information file (``*.col.txt``): one row per cluster, LOC_ID = the centre."""
    header = "CLUSTER LOC_ID LATITUDE LONGITUDE RADIUS START_DATE END_DATE NUMBER_LOC TEST_STAT P_VALUE"
    rows = [[*header.split(), "RECURR_INT", "OBSERVED", "EXPECTED", "ODE", "REL_RISK", "GUMBEL_P"]]
    for c in result.clusters:
        rows.append(
            [
                str(c.rank),
                _id(ids[c.centre]),
                f"{coords[c.centre][0]:.6f}",
                f"{coords[c.centre][1]:.6f}",
                f"{c.radius_km:.2f}",
                _month_start(periods[c.start]),
                _month_end(periods[c.end]),
                str(len(c.locations)),
                f"{c.llr:.6f}",
                _number(c.p_value),
                _number(c.recurrence_interval),
                str(c.observed),
                f"{c.expected:.2f}",
                f"{c.observed / c.expected:.3f}",
                f"{c.relative_risk:.3f}",
                _number(c.gumbel_p_value),
            ]
        )
    return _table(rows)


def format_gis(result: ScanResult, ids: Sequence[str]) -> str:
    """SaTScan's location information file (``*.gis.txt``): one row per location in a reported cluster."""
    rows = [
        ["LOC_ID", "CLUSTER", "P_VALUE", "CLU_OBS", "CLU_EXP", "CLU_ODE", "CLU_RR", "LOC_OBS", "LOC_EXP", "LOC_ODE"]
    ]
    for c in result.clusters:
        for area, obs, exp in zip(c.locations, c.location_observed, c.location_expected, strict=True):
            clu = [
                str(c.rank),
                _number(c.p_value),
                str(c.observed),
                f"{c.expected:.2f}",
                f"{c.observed / c.expected:.3f}",
            ]
            loc_ode = f"{obs / exp:.3f}" if exp > 0 else "NA"
            rows.append([_id(ids[area]), *clu, f"{c.relative_risk:.3f}", str(obs), f"{exp:.2f}", loc_ode])
    return _table(rows)


def write_case_file(ids: Sequence[str], periods: Sequence[str], cases: np.ndarray) -> str:
    """Case file ``<location> <count> <YYYY/MM>`` for SaTScan with month time precision (zero cells left out)."""
    months = [_label(_month_arg(p, "periods")).replace("-", "/") for p in periods]
    table = np.asarray(cases)
    rows = (f"{_id(ids[a])} {int(table[a, t])} {months[t]}" for a, t in zip(*np.nonzero(table), strict=True))
    return "".join(row + "\n" for row in rows)


def write_population_file(ids: Sequence[str], dates: Sequence[str], population: np.ndarray) -> str:
    """Population file ``<location> <date> <population>``; ``dates`` are years or dates, one per column."""
    table = np.asarray(population, dtype=np.float64)
    for d in dates:
        if _census_time(str(d)) is None:
            raise InvalidInput(f"population date {d!r} is not a year (YYYY) or a date")
    rows = (f"{_id(ids[a])} {d} {_exact(table[a, j])}" for a in range(len(ids)) for j, d in enumerate(dates))
    return "".join(row + "\n" for row in rows)


def write_coordinates_file(ids: Sequence[str], coords: np.ndarray) -> str:
    """Coordinates file ``<location> <latitude> <longitude>`` in degrees."""
    return "".join(f"{_id(loc)} {_exact(lat)} {_exact(lon)}\n" for loc, (lat, lon) in zip(ids, coords, strict=True))


def _fields(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(";"):
            yield number, stripped.split()


def _fail(name: str, number: int, field: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{name}, line {number}, field {field}: {problem}")


def _read_coordinates(text: str, name: str) -> tuple[list[str], np.ndarray]:
    ids: list[str] = []
    seen: dict[str, int] = {}
    rows: list[tuple[float, float]] = []
    for number, fields in _fields(text):
        if len(fields) != 3:
            raise _fail(name, number, "line", f"expected <location> <latitude> <longitude>, got {len(fields)} fields")
        loc = fields[0]
        if loc in seen:
            raise _fail(name, number, "location", f"{loc!r} already given on line {seen[loc]}")
        lat = _float(fields[1], name, number, "latitude")
        lon = _float(fields[2], name, number, "longitude")
        if not -90 <= lat <= 90:
            raise _fail(name, number, "latitude", f"{fields[1]} is outside -90 to 90")
        if not -180 <= lon <= 180:
            raise _fail(name, number, "longitude", f"{fields[2]} is outside -180 to 180")
        seen[loc] = number
        ids.append(loc)
        rows.append((lat, lon))
    if not ids:
        raise InvalidInput(f"{name}: no locations")
    return ids, np.array(rows, dtype=np.float64)


def _case_lines(text: str, name: str, index: dict[str, int]) -> Iterator[tuple[int, int, int, int]]:
    for number, fields in _fields(text):
        if len(fields) != 3:
            raise _fail(name, number, "line", f"expected <location> <count> <date>, got {len(fields)} fields")
        if fields[0] not in index:
            raise _fail(name, number, "location", f"{fields[0]!r} is not in the coordinates file")
        if not _COUNT.fullmatch(fields[1]):
            raise _fail(name, number, "count", f"{fields[1]!r} is not a whole number of cases >= 0")
        month = _month(fields[2])
        if month is None:
            raise _fail(name, number, "date", f"{fields[2]!r} is not a date (YYYY-MM, YYYY/MM or YYYY/MM/DD)")
        yield number, index[fields[0]], int(fields[1]), int(month)


def _read_population(text: str, name: str, index: dict[str, int], first: int, last: int) -> np.ndarray:
    points: dict[int, dict[float, float]] = {}
    for number, fields in _fields(text):
        if len(fields) != 3:
            raise _fail(name, number, "line", f"expected <location> <year> <population>, got {len(fields)} fields")
        if fields[0] not in index:
            raise _fail(name, number, "location", f"{fields[0]!r} is not in the coordinates file")
        when = _census_time(fields[1])
        if when is None:
            raise _fail(name, number, "year", f"{fields[1]!r} is not a year (YYYY) or a date")
        value = _float(fields[2], name, number, "population")
        if not 0 <= value <= 1e12:
            raise _fail(name, number, "population", f"{fields[2]} is not a population (0 to 10^12)")
        series = points.setdefault(index[fields[0]], {})
        series[when] = series.get(when, 0.0) + value  # several lines for one date are strata: add them
    middles = np.arange(first, last + 1) + 0.5
    table = np.zeros((len(index), last - first + 1))
    for area, series in points.items():
        times = sorted(series)
        table[area] = np.interp(middles, times, [series[t] for t in times])  # constant outside, as SaTScan
    return table


def _float(text: str, name: str, number: int, field: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise _fail(name, number, field, f"{text!r} is not a number")
    return float(text)


def _month(text: str) -> int | None:
    """Months since year 0 of a YYYY-MM, YYYY/MM or YYYY/MM/DD date; None when it is no real date."""
    match = _DATE.fullmatch(text)
    if not match:
        return None
    year, month = int(match[1]), int(match[3])
    if year < 1 or not 1 <= month <= 12:
        return None
    if match[4] is not None and not 1 <= int(match[4]) <= calendar.monthrange(year, month)[1]:
        return None
    return 12 * year + month - 1


def _census_time(text: str) -> float | None:
    if _YEAR.fullmatch(text):
        return 12 * int(text) + 6.0 if int(text) >= 1 else None  # a year alone: 1 July
    month = _month(text)
    if month is None:
        return None
    day = _DATE.fullmatch(text)[4]  # type: ignore[index]
    if day is None:
        return float(month)
    year, mon = divmod(month, 12)
    return month + (int(day) - 1) / calendar.monthrange(year, mon + 1)[1]


def _month_arg(text: str, field: str) -> int:
    month = _month(str(text))
    if month is None:
        raise InvalidInput(f"{field}: {text!r} is not a month (YYYY-MM, YYYY/MM or YYYY/MM/DD)")
    return month


def _label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def _month_start(period: str) -> str:
    return _label(_month_arg(period, "periods")).replace("-", "/") + "/01"


def _month_end(period: str) -> str:
    year, month = divmod(_month_arg(period, "periods"), 12)
    return f"{year:04d}/{month + 1:02d}/{calendar.monthrange(year, month + 1)[1]:02d}"


def _id(location: str) -> str:
    if not location or any(ch.isspace() for ch in location) or location.startswith(";"):
        raise InvalidInput(f"location id {location!r} cannot be written to a whitespace-separated SaTScan file")
    return location


def _number(value: float | None) -> str:
    return "NA" if value is None else f"{value:.6g}"


def _exact(value: float) -> str:
    if not math.isfinite(value):
        raise InvalidInput(f"value {value!r} cannot be written to a SaTScan file")
    return np.format_float_positional(float(value), trim="-")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    return "".join(" ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in rows)
