"""From a checked spec and a long panel to each method's arrays, refusing what would give a silent NaN."""

from __future__ import annotations

from typing import Any

import numpy as np

from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation.spec import FIRST_TEXT, LongPanel, period_label


def _window(panel: LongPanel, start: Any, end: Any, field: str) -> list[int]:
    i, j = panel.period(start, spec_field=f"{field}.from"), panel.period(end, spec_field=f"{field}.to")
    if i > j:
        raise InvalidInput(f"spec field {field}: from {period_label(start)} is after to {period_label(end)}")
    return list(range(i, j + 1))


def synth_input(spec: dict[str, Any], panel: LongPanel) -> Any:
    """The SynthInput of a synthetic-control spec: predictors as means over their windows, NaNs skipped."""
    from bicentennial.evaluation.synth import SynthInput

    outcome = panel.column(spec["outcome"], spec_field="outcome")
    treated = panel.unit(spec["treated"], spec_field="treated")
    start = panel.period(spec["treatment_start"], spec_field="treatment_start")
    if start == 0:
        raise InvalidInput("spec field treatment_start: no period before it in the data")
    excluded = {panel.unit(u, spec_field="exclude") for u in spec["exclude"]}
    if spec.get("donors"):
        donors = [panel.unit(u, spec_field="donors") for u in spec["donors"]]
    else:
        donors = [i for i in range(len(panel.units)) if i != treated and i not in excluded]
    if treated in donors:
        raise InvalidInput(f"spec: the treated unit {panel.units[treated]!r} cannot be a donor")
    if np.isnan(outcome[treated, :start]).all():
        raise InvalidInput(
            f"spec field treated: unit {panel.units[treated]!r} has no {spec['outcome']} before treatment"
        )
    donors = [d for d in donors if not np.isnan(outcome[d, :start]).all()]
    if len(donors) < 2:
        raise InvalidInput("spec: fewer than two donors with outcome data before treatment")
    fit = spec["optimize_fit"] or {"from": panel.periods[0], "to": panel.periods[start - 1]}
    fit_periods = _window(panel, fit["from"], fit["to"], "optimize_fit")
    if fit_periods[-1] >= start:
        raise InvalidInput("spec field optimize_fit: the fit window must end before treatment_start")
    predictors = spec["predictors"] or [{"variable": spec["outcome"], "from": fit["from"], "to": fit["to"]}]
    rows, names = [], []
    for k, p in enumerate(predictors):
        values = panel.column(p["variable"], spec_field=f"predictors[{k}].variable")
        cols = _window(panel, p["from"], p["to"], f"predictors[{k}]")
        block = values[:, cols]
        with np.errstate(invalid="ignore"):
            means = np.nanmean(np.where(np.isnan(block), np.nan, block), axis=1) if block.size else block
        label = f"{p['variable']} {period_label(p['from'])}" + (
            f"–{period_label(p['to'])}" if period_label(p["to"]) != period_label(p["from"]) else ""
        )
        rows.append(means)
        names.append(label)
    return SynthInput(
        units=panel.units,
        periods=panel.periods,
        outcome=outcome,
        predictors=np.vstack(rows),
        predictor_names=tuple(names),
        treated=treated,
        donors=tuple(donors),
        treatment_start=start,
        fit_periods=tuple(fit_periods),
    )


def its_series(spec: dict[str, Any], panel: LongPanel) -> tuple[np.ndarray, tuple[str, ...], int]:
    """One unit's outcome series (the only unit, or ``treated``), and the index where treatment starts."""
    outcome = panel.column(spec["outcome"], spec_field="outcome")
    if spec.get("treated") is not None:
        row = panel.unit(spec["treated"], spec_field="treated")
    elif len(panel.units) == 1:
        row = 0
    else:
        raise InvalidInput(f"spec: the data hold {len(panel.units)} units; name one in field 'treated'")
    start = panel.period(spec["treatment_start"], spec_field="treatment_start")
    y = outcome[row]
    present = ~np.isnan(y)
    if not present.any():
        raise InvalidInput(f"spec field outcome: unit {panel.units[row]!r} has no {spec['outcome']} values")
    first, last = int(np.argmax(present)), len(y) - int(np.argmax(present[::-1]))
    if np.isnan(y[first:last]).any():
        gap = first + int(np.argmax(np.isnan(y[first:last])))
        raise InvalidInput(f"spec field outcome: {spec['outcome']} is missing for period {panel.periods[gap]}")
    if not first < start < last:
        raise InvalidInput("spec field treatment_start: the series needs periods before and after it")
    return y[first:last], panel.periods[first:last], start - first


def did_arrays(
    spec: dict[str, Any], panel: LongPanel
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], np.ndarray | None]:
    """Outcome (units × periods), first-treatment index per unit (−1 never), periods, clusters."""
    y = panel.column(spec["outcome"], spec_field="outcome")
    if np.isnan(y).any():
        i, t = np.argwhere(np.isnan(y))[0]
        raise InvalidInput(
            f"spec field outcome: the panel is unbalanced — no {spec['outcome']} for unit {panel.units[i]!r}, "
            f"period {panel.periods[t]}"
        )
    column = spec["first_treated"]
    if column in panel.text:
        raw = {u: v for u, v in panel.text[column].items() if u != FIRST_TEXT}
    elif column in panel.values:
        raw = {}
        for i, u in enumerate(panel.units):
            seen = panel.values[column][i][~np.isnan(panel.values[column][i])]
            raw[u] = period_label(float(seen[0])) if seen.size else ""
    else:
        raise InvalidInput(f"spec field first_treated: no column {column!r} in the data")
    first = np.full(len(panel.units), -1, dtype=np.int64)
    for i, u in enumerate(panel.units):
        label = period_label(raw.get(u, "")) if raw.get(u, "") not in ("", "0", "0.0", "never", "Inf") else ""
        if label:
            if label not in panel.periods:
                raise InvalidInput(
                    f"spec field first_treated: unit {u!r} is first treated in {label}, not a data period"
                )
            first[i] = panel.periods.index(label)
    clusters = None
    if spec.get("cluster"):
        c = spec["cluster"]
        if c in panel.text:
            labels = [panel.text[c].get(u, "") for u in panel.units]
        else:
            labels = [str(panel.column(c, spec_field="cluster")[i][0]) for i in range(len(panel.units))]
        clusters = np.unique(labels, return_inverse=True)[1]
    return y, first, panel.periods, clusters
