"""Evaluation specs (YAML) and long panels (CSV), validated with errors that name the problem.

A spec says which columns hold the unit, the period and the outcome, which unit was treated and when,
and what each method needs (predictors and fit window for synthetic control; errors and seasonality for
interrupted time series; the first-treatment column for difference-in-differences).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from bicentennial.core.errors import InvalidInput

METHODS = ("synth", "its", "did")
FIRST_TEXT = "\0first"  # where a text column first showed text, for error messages


@dataclass(frozen=True)
class LongPanel:
    """A long table pivoted to units × periods, one array per numeric column."""

    units: tuple[str, ...]
    periods: tuple[str, ...]  # sorted labels: years ("1997") or months ("2021-10")
    values: dict[str, np.ndarray]  # column -> (n_units, T), NaN where missing
    text: dict[str, dict[str, str]]  # non-numeric columns: column -> unit -> first value seen

    def column(self, name: str, *, spec_field: str) -> np.ndarray:
        if name in self.text:
            first = self.text[name].get(FIRST_TEXT, "")
            raise InvalidInput(f"spec field {spec_field}: column {name!r} is not numeric ({first})")
        if name not in self.values:
            known = ", ".join(sorted(self.values)) or "none"
            raise InvalidInput(f"spec field {spec_field}: no column {name!r} in the data (numeric columns: {known})")
        return self.values[name]

    def unit(self, name: str, *, spec_field: str) -> int:
        try:
            return self.units.index(str(name))
        except ValueError:
            raise InvalidInput(f"spec field {spec_field}: unit {name!r} is not in the data") from None

    def period(self, label: Any, *, spec_field: str) -> int:
        key = period_label(label)
        if key in self.periods:
            return self.periods.index(key)
        raise InvalidInput(
            f"spec field {spec_field}: period {key!r} is not in the data ({self.periods[0]} to {self.periods[-1]})"
        )


def period_label(value: Any) -> str:
    """Years and months as sortable text: 1997 → "1997", "2021-10" stays, 1997.0 → "1997"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) == 7 and text[4] in "-/" and text[:4].isdigit() and text[5:].isdigit():
        return f"{text[:4]}-{text[5:]}"
    return text


def load_spec(text: str, *, name: str, method: str) -> dict[str, Any]:
    """Parse and check a YAML spec; returns a plain dict with defaults filled in."""
    if method not in METHODS:
        raise InvalidInput(f"method: {method!r} is not one of {', '.join(METHODS)}")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise InvalidInput(f"{name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise InvalidInput(f"{name}: expected a mapping of fields (unit, time, outcome, ...)")
    return check_spec(raw, name=name, method=method)


_REQUIRED = {
    "synth": ("unit", "time", "outcome", "treated", "treatment_start"),
    "its": ("time", "outcome", "treatment_start"),
    "did": ("unit", "time", "outcome", "first_treated"),
}
_OPTIONAL: dict[str, dict[str, Any]] = {
    "synth": {
        "exclude": [],
        "donors": None,
        "predictors": [],
        "optimize_fit": None,
        "method": "synth",
        "penalty": None,
        "placebos": False,
    },
    "its": {"unit": None, "treated": None, "errors": "newey-west", "seasonal": True, "period": 12, "alpha": 0.05},
    "did": {"control": "never", "cluster": None, "alpha": 0.05, "bootstrap": 999, "seed": 0},
}


def check_spec(raw: dict[str, Any], *, name: str, method: str) -> dict[str, Any]:
    missing = [f for f in _REQUIRED[method] if raw.get(f) in (None, "")]
    if missing:
        raise InvalidInput(f"{name}: field {missing[0]!r} is required for {method}")
    known = set(_REQUIRED[method]) | set(_OPTIONAL[method])
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(f"{name}: field {unknown[0]!r} is not part of a {method} spec ({', '.join(sorted(known))})")
    spec = {**_OPTIONAL[method], **raw}
    if method == "synth":
        if not isinstance(spec["exclude"], list):
            raise InvalidInput(f"{name}: field 'exclude' must be a list of units")
        if not isinstance(spec["predictors"], list):
            raise InvalidInput(f"{name}: field 'predictors' must be a list of {{variable, from, to}}")
        for k, p in enumerate(spec["predictors"]):
            if not isinstance(p, dict) or not {"variable", "from", "to"} <= set(p):
                raise InvalidInput(f"{name}: predictors[{k}] needs variable, from and to")
        fit = spec["optimize_fit"]
        if fit is not None and (not isinstance(fit, dict) or not {"from", "to"} <= set(fit)):
            raise InvalidInput(f"{name}: optimize_fit needs from and to")
        if spec["method"] not in {"synth", "penalized", "augmented"}:
            raise InvalidInput(f"{name}: method must be synth, penalized or augmented")
    if method == "its" and spec["errors"] not in {"newey-west", "arima"}:
        raise InvalidInput(f"{name}: errors must be newey-west or arima")
    if method == "did" and spec["control"] not in {"never", "not_yet"}:
        raise InvalidInput(f"{name}: control must be never or not_yet")
    return spec


def read_long_csv(text: str, *, name: str, unit: str | None, time: str) -> LongPanel:
    """A long CSV (one row per unit and period) pivoted to arrays; duplicates and bad numbers name their line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _read_rows(reader, name=name, unit=unit, time=time)
    except csv.Error as exc:
        raise InvalidInput(f"{name}, line {reader.line_num}: {exc}") from None


def _read_rows(reader: Any, *, name: str, unit: str | None, time: str) -> LongPanel:
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{name}: empty file") from None
    for field, column in (("unit", unit), ("time", time)):
        if column is not None and column not in header:
            raise InvalidInput(
                f"{name}, line 1: no column {column!r} (spec field {field}); columns: {', '.join(header)}"
            )
    ui = header.index(unit) if unit is not None else None
    ti = header.index(time)
    rows: dict[tuple[str, str], list[str]] = {}
    first_line: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(f"{name}, line {line}: {len(row)} fields, the header has {len(header)}")
        key = (row[ui].strip() if ui is not None else "all", period_label(row[ti]))
        if not key[1]:
            raise InvalidInput(f"{name}, line {line}, field {time}: empty period")
        if key in rows:
            raise InvalidInput(
                f"{name}, line {line}: unit {key[0]!r} and period {key[1]!r} repeat line {first_line[key]}"
            )
        rows[key], first_line[key] = row, line
    if not rows:
        raise InvalidInput(f"{name}: no data rows")
    return _pivot(rows, first_line, header, skip={ui, ti}, name=name)


def _pivot(
    rows: dict[tuple[str, str], list[str]],
    lines: dict[tuple[str, str], int],
    header: list[str],
    *,
    skip: set[Any],
    name: str,
) -> LongPanel:
    units = tuple(sorted({u for u, _ in rows}))
    periods = tuple(sorted({p for _, p in rows}, key=_sort_key))
    ui = {u: i for i, u in enumerate(units)}
    pi = {p: j for j, p in enumerate(periods)}
    columns = [(k, h) for k, h in enumerate(header) if k not in skip]
    numeric = {h: np.full((len(units), len(periods)), np.nan) for _, h in columns}
    text: dict[str, dict[str, str]] = {}
    for (u, p), row in rows.items():
        for k, h in columns:
            cell = row[k].strip()
            if h in text:
                text[h].setdefault(u, cell)
                continue
            if cell in ("", "NA", "NaN", "nan", "."):
                continue
            try:
                value = float(cell.replace(",", "")) if cell.count(",") and "." in cell else float(cell)
            except ValueError:
                text[h] = dict.fromkeys(units, "")  # a text column (names, codes): kept aside, not an error
                text[h][u] = cell
                text[h][FIRST_TEXT] = f"line {lines[(u, p)]}: {cell!r}"
                text[h]["\0first"] = f"line {lines[(u, p)]}: {cell!r}"
                numeric.pop(h, None)
                continue
            if not math.isfinite(value):
                raise InvalidInput(f"{name}, line {lines[(u, p)]}, field {h}: {cell!r} is not a finite number")
            numeric[h][ui[u], pi[p]] = value
    return LongPanel(units, periods, numeric, text)


def _sort_key(label: str) -> tuple[int, str]:
    digits = label.replace("-", "")
    return (int(digits), label) if digits.isdigit() else (0, label)
