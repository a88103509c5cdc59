"""The scorecard: for each indicator, where it stands, which way it moves, and whether that is enough.

Outcomes come first; outputs are labelled "output — not a measure of success".
Trends use the non-parametric Theil–Sen slope with a Mann–Kendall test (seasonal
Mann–Kendall on monthly data); the status rule in ``trends.status`` reads the slope's
confidence interval, never a point estimate alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from bicentennial.outcomes import trends
from bicentennial.outcomes.framework import Indicator, framework
from bicentennial.outcomes.store import Point, period_key, series

ANNUAL_WINDOW = 10  # years of annual data the trend looks at
MONTHLY_WINDOW = 60  # months of monthly data


def country_of(indicator: Indicator) -> str:
    return "us" if indicator.id.startswith("us_") else "mx"


def is_annual(period: str) -> bool:
    return len(period) == 4 or period.startswith("FY")


def annual_view(indicator: Indicator, points: list[Point]) -> list[tuple[str, float]]:
    """One value a year: published annual figures, else complete years of monthly data."""
    annual = {p.period: p.value for p in points if is_annual(p.period) and p.value is not None}
    months: dict[str, dict[str, float]] = {}
    for p in points:
        if not is_annual(p.period) and p.value is not None:
            months.setdefault(p.period[:4], {})[p.period[5:7]] = p.value
    if indicator.frequency == "fiscal_year" and indicator.aggregate == "sum":
        months = _by_fiscal_year(points)
    for year, values in months.items():
        if year in annual:
            continue
        if indicator.frequency == "12m_ending" and "12" in values:
            annual[year] = values["12"]  # the 12 months ending in December are the calendar year
        elif indicator.aggregate == "sum" and len(values) == 12:
            annual[year] = sum(values.values())
    return sorted(annual.items(), key=lambda kv: period_key(kv[0]))


def _by_fiscal_year(points: list[Point]) -> dict[str, dict[str, float]]:
    """US fiscal years run October–September: FY2021 is October 2020 to September 2021."""
    out: dict[str, dict[str, float]] = {}
    for p in points:
        if not is_annual(p.period) and p.value is not None:
            year, month = int(p.period[:4]), int(p.period[5:7])
            out.setdefault(f"FY{year + 1 if month >= 10 else year}", {})[p.period[5:7]] = p.value
    return out


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    goal: str
    name: str
    unit: str
    area: str
    direction: str
    latest_period: str | None
    latest_value: float | None
    latest_vintage: str | None
    latest_month: str | None
    baseline: dict[str, Any] | None
    target: dict[str, Any] | None
    change_vs_baseline: float | None  # percent
    distance_to_target: float | None  # latest − target, in the indicator's unit
    trend: dict[str, Any] | None
    status: str
    status_reason: str  # English sentence with the numbers (API, CLI); pages compose their own
    projected_low: float | None  # the latest value carried to the target period with each end of the slope's CI
    projected_high: float | None
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def row_for(session: Session, indicator: Indicator, lang: str = "en", as_of: date | None = None) -> Row:
    area = country_of(indicator)
    points = series(session=session, indicator=indicator.id, area=area, as_of=as_of)
    yearly = annual_view(indicator, points)
    latest = yearly[-1] if yearly else None
    latest_point = next((p for p in reversed(points) if p.period == latest[0]), None) if latest else None
    monthly = [p for p in points if not is_annual(p.period) and p.value is not None]
    trend, per_year = _trend(indicator, yearly, monthly)
    base, goal = indicator.baseline, indicator.target
    status = trends.status(
        latest[1] if latest else None,
        goal.value if goal else None,
        _per_year_of_total(trend, per_year),
        indicator.direction,  # type: ignore[arg-type]
        periods_left=_years_left(latest, goal) or 0.0,
        min_points=trends.MIN_POINTS_MONTHLY if per_year == "month" else trends.MIN_POINTS_ANNUAL,
    )
    return Row(
        id=indicator.id,
        kind=indicator.kind,
        goal=indicator.goal,
        name=indicator.name(lang),
        unit=indicator.unit(lang),
        area=area,
        direction=indicator.direction,
        latest_period=latest[0] if latest else None,
        latest_value=latest[1] if latest else None,
        latest_vintage=latest_point.vintage if latest_point else None,
        latest_month=monthly[-1].period if monthly else None,
        baseline=asdict(base) if base else None,
        target=asdict(goal) if goal else None,
        change_vs_baseline=_num(trends.percent_change(base.value, latest[1])) if base and latest else None,
        distance_to_target=(latest[1] - goal.value) if goal and latest else None,
        trend=_trend_dict(trend, per_year) if trend else None,
        status=status.label,
        status_reason=status.reason,
        projected_low=_num(status.projected_low),
        projected_high=_num(status.projected_high),
        source=f"{indicator.source_name} — {indicator.source_title}",
    )


def _trend(
    indicator: Indicator, yearly: list[tuple[str, float]], monthly: list[Point]
) -> tuple[trends.TrendTest | None, str]:
    # summarise() lays the values on a regular calendar, so gaps stay gaps instead of closing up.
    if indicator.frequency == "monthly" and len(monthly) >= trends.MIN_POINTS_MONTHLY:
        values = np.array([p.value for p in monthly], dtype=float)
        return trends.summarise(values, [p.period for p in monthly], "monthly", last=MONTHLY_WINDOW), "month"
    if len(yearly) >= 3:
        frequency: trends.Frequency = "fiscal_year" if yearly[-1][0].startswith("FY") else "annual"
        values = np.array([v for _, v in yearly], dtype=float)
        return trends.summarise(values, [p for p, _ in yearly], frequency, last=ANNUAL_WINDOW), "year"
    return None, "year"


def _per_year_of_total(trend: trends.TrendTest | None, per: str) -> trends.TrendTest | None:
    """A seasonal slope moves each month's level per year; the annual total moves twelve times that."""
    if trend is None or per != "month":
        return trend
    return replace(
        trend, slope=trend.slope * 12, slope_low=trend.slope_low * 12, slope_high=trend.slope_high * 12, slope_periods=1
    )


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _trend_dict(trend: trends.TrendTest, per: str) -> dict[str, Any]:
    """Slope in the indicator's unit per year (seasonal: of the monthly level), with its interval."""
    return {
        "method": trend.method,
        "direction": trend.trend,
        "slope": _num(trend.slope),
        "slope_low": _num(trend.slope_low),
        "slope_high": _num(trend.slope_high),
        "p_value": _num(trend.p_value),
        "n": trend.n,
        "per": "year" if per == "year" or trend.slope_periods == 12 else "month",
        "observations": "monthly" if per == "month" else "annual",
    }


def _years_left(latest: tuple[str, float] | None, target: Any) -> float | None:
    if latest is None or target is None:
        return None
    return period_key(target.period)[0] - period_key(latest[0])[0]


def scorecard(*, session: Session, lang: str = "en", as_of: date | None = None) -> list[Row]:
    """Every indicator with a baseline, outcomes first, in the framework's goal order."""
    fw = framework()
    order = {g.id: i for i, g in enumerate(fw.goals)}
    rows = [row_for(session, ind, lang, as_of) for ind in fw.indicators.values() if ind.baseline is not None]
    return sorted(rows, key=lambda r: (r.kind != "outcome", order[r.goal]))
