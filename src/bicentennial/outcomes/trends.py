"""Trend statistics behind the results scorecard: Sen's slope, Mann–Kendall tests, and the on-track rule.

Everything here is a pure function over numpy arrays returning frozen, JSON-friendly dataclasses
(``dataclasses.asdict`` gives floats, ints and strings; undefined quantities are ``NaN``, which
pydantic serialises as ``null``).

Units. A slope is a change in the indicator's unit per ``slope_periods`` observation periods:
per period (``slope_periods == 1``) for :func:`theil_sen` and :func:`mann_kendall`, per cycle
(``slope_periods == period``, a year for monthly data) for :func:`seasonal_mann_kendall`, as
pyMannKendall reports it. Missing values are ``NaN`` and are dropped with their time index, so
gaps are respected; infinite values are refused.

Status rule (:func:`status`)
----------------------------
An indicator is **insufficient data** when it has no target, no latest value, fewer than
``min_points`` non-missing observations in the trend (5 for annual series, 24 for monthly:
``MIN_POINTS_ANNUAL``, ``MIN_POINTS_MONTHLY``), or no slope interval. Otherwise the latest value
is projected ``periods_left`` periods ahead with both ends of the slope's ``1 - alpha``
confidence interval (Sen 1968), giving a range ``[projected_low, projected_high]``. For a
lower-is-better indicator it is **on track** when even the pessimistic end reaches the target
(``projected_high <= target``), **off track** when even the optimistic end misses it
(``projected_low > target``), and **uncertain** when the range straddles the target; the mirror
for higher-is-better (on track when ``projected_low >= target``, off track when
``projected_high < target``). "Uncertain" is kept as a fourth label rather than folded into off
track: the data cannot tell the two apart, and calling a straddling indicator "off track" would
report a failure the evidence does not show (and "on track" a success it does not show); the
scorecard can show it amber. The rule judges the slope's interval, not its point estimate, so a
noisy point estimate alone cannot turn an indicator green or red. Caveats: it assumes the trend stays linear and
observations independent (Mann–Kendall's assumption), ignores the noise in the latest value
itself, and needs ``latest``, ``target`` and the slope in the same unit and periodicity.

References
----------
Mann (1945), Econometrica 13, 245–259. Kendall (1975), *Rank Correlation Methods*, 4th ed.
Sen (1968), JASA 63, 1379–1389. Hirsch, Slack & Smith (1982), Water Resour. Res. 18, 107–121.
Gilbert (1987), *Statistical Methods for Environmental Pollution Monitoring*, ch. 16–17.
Hussain & Mahmud (2019), pyMannKendall, JOSS 4(39), 1556 — the reference implementation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from bicentennial.core.errors import InvalidInput

Direction = Literal["lower_is_better", "higher_is_better"]
Frequency = Literal["annual", "fiscal_year", "monthly", "12m_ending"]
TrendLabel = Literal["increasing", "decreasing", "no trend"]
StatusLabel = Literal["on track", "off track", "uncertain", "insufficient data"]

MIN_POINTS_ANNUAL = 5
MIN_POINTS_MONTHLY = 24
NAN = float("nan")


class TrendInputError(InvalidInput, ValueError):
    """A series, period label or parameter the trend functions cannot use."""


@dataclass(frozen=True, slots=True)
class Slope:
    """Theil–Sen line: ``slope`` (unit per period of x), ``intercept`` at x = 0, CI ``[low, high]``."""

    slope: float
    intercept: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class TrendTest:
    """A Mann–Kendall test and Sen's slope; slopes are per ``slope_periods`` observation periods."""

    method: Literal["mann_kendall", "seasonal_mann_kendall"]
    trend: TrendLabel
    p_value: float  # two-sided
    z: float  # continuity-corrected
    s: int  # Kendall's S (summed over seasons for the seasonal test)
    var_s: float  # tie-corrected variance of S
    tau: float  # S over the number of pairs (Kendall's tau-a)
    slope: float
    slope_low: float  # 1 - alpha confidence interval of the slope
    slope_high: float
    slope_periods: int  # 1: per period; 12: per year of monthly data
    n: int  # non-missing observations used
    alpha: float


@dataclass(frozen=True, slots=True)
class Status:
    """The scorecard label, a sentence saying why, and the projected range at the target period."""

    label: StatusLabel
    reason: str
    projected_low: float = NAN
    projected_high: float = NAN


def theil_sen(y: ArrayLike, x: ArrayLike | None = None, alpha: float = 0.05) -> Slope:
    """Theil–Sen slope with Sen's confidence interval.

    Parameters
    ----------
    y : array_like
        Values; ``NaN`` marks a missing value, dropped with its ``x``.
    x : array_like, optional
        Times (default ``0, 1, ..., n - 1``, so the slope is per period).
    alpha : float
        Significance level: the interval has confidence ``1 - alpha``. (scipy's ``theilslopes``
        calls the confidence itself ``alpha``; this passes ``1 - alpha``.)

    Returns
    -------
    Slope
        All ``NaN`` with fewer than two distinct times.

    Notes
    -----
    Median of the pairwise slopes (Theil 1950; Sen 1968); the interval inverts Kendall's S with
    the tie-corrected variance (Sen 1968, eq. 2.6) and the intercept is ``median(y) - slope *
    median(x)`` (Conover 1980), all by ``scipy.stats.theilslopes(method="separate")``.
    """
    _check_alpha(alpha)
    values = _as_series(y)
    times = np.arange(values.size, dtype=float) if x is None else _as_series(x)
    if times.size != values.size:
        raise TrendInputError(f"x has {times.size} values, y has {values.size}")
    keep = ~(np.isnan(values) | np.isnan(times))
    values, times = values[keep], times[keep]
    if values.size < 2 or np.ptp(times) == 0:
        return Slope(NAN, NAN, NAN, NAN)
    with np.errstate(all="ignore"):  # overflowing or fully tied data give NaN bounds, not a warning
        fit = stats.theilslopes(values, times, alpha=1.0 - alpha, method="separate")
    return Slope(float(fit.slope), float(fit.intercept), float(fit.low_slope), float(fit.high_slope))


def mann_kendall(y: ArrayLike, alpha: float = 0.05) -> TrendTest:
    """Original Mann–Kendall trend test with Sen's slope.

    Parameters
    ----------
    y : array_like
        Equally spaced values; ``NaN`` is missing (dropped, its time kept for the slope).
    alpha : float
        Significance level of the two-sided test and of the slope's interval.

    Returns
    -------
    TrendTest
        Slope per period. With fewer than two observations: no trend, p = 1, tau and slope ``NaN``.

    Notes
    -----
    ``S = sum_{i<j} sign(y_j - y_i)``; ``Var(S)`` with Kendall's (1975) tie correction;
    ``z = (S - sign S) / sqrt(Var S)`` (continuity correction, Gilbert 1987 eq. 16.4);
    ``p = 2 P(Z > |z|)``, computed with the normal survival function (pyMannKendall's
    ``2 (1 - Phi(|z|))`` loses relative precision below ~1e-8). A trend is called when
    ``|z| > z_{1 - alpha/2}`` (Mann 1945). Matches ``pymannkendall.original_test``.
    """
    _check_alpha(alpha)
    values = _as_series(y)
    observed = values[~np.isnan(values)]
    s, var_s, pairs = _kendall_s(observed)
    sen = theil_sen(values, alpha=alpha)
    return _result("mann_kendall", s, var_s, pairs, (sen.slope, sen.low, sen.high), 1, observed.size, alpha)


def seasonal_mann_kendall(y: ArrayLike, period: int = 12, alpha: float = 0.05) -> TrendTest:
    """Seasonal Kendall test (Hirsch, Slack & Smith 1982) with the seasonal Sen slope.

    Parameters
    ----------
    y : array_like
        Equally spaced values starting at season 0; observation ``t`` is season ``t % period``
        of cycle ``t // period``. A short last cycle and ``NaN`` values are simply missing.
    period : int
        Seasons per cycle (12 for monthly data).
    alpha : float
        Significance level of the test and of the slope's interval.

    Returns
    -------
    TrendTest
        Slope per cycle (``slope_periods == period``).

    Notes
    -----
    S, Var(S) (tie-corrected within each season) and the number of pairs are summed over
    seasons; z, p and the trend call are then as in :func:`mann_kendall`. The slope is the
    median of all within-season pairwise slopes ``(y_j - y_i) / (cycle_j - cycle_i)`` (Hirsch
    et al. 1982) and its interval takes the ranks ``(N -/+ z_{1-alpha/2} sqrt(Var S)) / 2`` of
    those N slopes (Gilbert 1987 §17.6), rounded as scipy rounds Sen's interval. Matches
    ``pymannkendall.seasonal_test``, which pads the last cycle with ``NaN`` and skips ``NaN`` per season.
    """
    _check_alpha(alpha)
    if isinstance(period, bool) or not isinstance(period, int | np.integer) or period < 1:
        raise TrendInputError(f"period must be a positive integer, got {period!r}")
    values = _as_series(y)
    s, var_s, pairs, slopes = 0, 0.0, 0, []
    for season in range(period):
        column = values[season::period]
        cycles = np.arange(column.size, dtype=float)
        keep = ~np.isnan(column)
        season_s, season_var, season_pairs = _kendall_s(column[keep])
        s, var_s, pairs = s + season_s, var_s + season_var, pairs + season_pairs
        slopes.append(_pairwise_slopes(column[keep], cycles[keep]))
    ordered = np.sort(np.concatenate(slopes))
    slope = float(np.median(ordered)) if ordered.size else NAN
    low, high = _sen_interval(ordered, var_s, alpha)
    n = int(np.count_nonzero(~np.isnan(values)))
    return _result("seasonal_mann_kendall", s, var_s, pairs, (slope, low, high), period, n, alpha)


def status(
    latest: float | None,
    target: float | None,
    trend: TrendTest | None,
    direction: Direction,
    *,
    periods_left: float,
    min_points: int = MIN_POINTS_ANNUAL,
) -> Status:
    """Label an indicator on track, off track, uncertain or insufficient data.

    Parameters
    ----------
    latest, target : float or None
        Latest observed value and the target, in the same unit as the trend's slope.
    trend : TrendTest or None
        The indicator's trend; its slope interval is converted to per period.
    direction : {"lower_is_better", "higher_is_better"}
    periods_left : float
        Observation periods from the latest value to the target period (years for annual
        series, months for monthly ones); a negative value (target period passed) counts as 0.
    min_points : int
        Fewest non-missing observations to judge (``MIN_POINTS_ANNUAL`` or ``MIN_POINTS_MONTHLY``).

    Notes
    -----
    The rule is stated in the module docstring; the interval is Sen's (1968) slope interval.
    """
    if direction not in ("lower_is_better", "higher_is_better"):
        raise TrendInputError(f"direction must be lower_is_better or higher_is_better, got {direction!r}")
    if target is None or math.isnan(target):
        return Status("insufficient data", "The indicator has no target.")
    if latest is None or math.isnan(latest):
        return Status("insufficient data", "The indicator has no latest value.")
    if trend is None or trend.n < min_points:
        n = 0 if trend is None else trend.n
        return Status("insufficient data", f"{n} observations; the trend needs at least {min_points}.")
    if math.isnan(trend.slope_low) or math.isnan(trend.slope_high):
        return Status("insufficient data", "The trend's slope interval could not be estimated.")
    horizon = max(float(periods_left), 0.0)
    low = latest + trend.slope_low / trend.slope_periods * horizon
    high = latest + trend.slope_high / trend.slope_periods * horizon
    if direction == "lower_is_better":
        on_track, off_track = high <= target, low > target
    else:
        on_track, off_track = low >= target, high < target
    label: StatusLabel = "on track" if on_track else "off track" if off_track else "uncertain"
    verdict = {
        "on track": "even the pessimistic end reaches the target",
        "off track": "even the optimistic end misses the target",
        "uncertain": "the trend's interval straddles the target",
    }[label]
    reason = (
        f"Projected {horizon:g} periods ahead with the {1 - trend.alpha:.0%} slope interval, the value would be "
        f"{low:.4g} to {high:.4g} against a target of {target:.4g} "
        f"({direction.replace('_', ' ')}): {verdict}."
    )
    return Status(label, reason, float(low), float(high))


def percent_change(baseline: float | None, latest: float | None) -> float:
    """Percent change from ``baseline`` to ``latest``; ``NaN`` when either is missing or the baseline is 0."""
    if baseline is None or latest is None or baseline == 0 or math.isnan(baseline) or math.isnan(latest):
        return NAN
    return 100.0 * (latest - baseline) / abs(baseline)


def summarise(
    values: ArrayLike,
    periods: Sequence[str | int],
    frequency: Frequency,
    *,
    last: int | None = None,
    alpha: float = 0.05,
) -> TrendTest:
    """Trend of an indicator series over its last ``last`` periods, with the test that fits it.

    Parameters
    ----------
    values : array_like
        Observations; ``NaN`` is missing.
    periods : sequence of str or int
        One label per value, in any order: ``"2021"`` or ``"FY2021"`` (annual, fiscal_year),
        ``"2021-01"`` (monthly, 12m_ending), or integer ordinals (consecutive = adjacent periods).
    frequency : {"annual", "fiscal_year", "monthly", "12m_ending"}
    last : int, optional
        Window length in periods, counted back from the latest observed period (default: all).
    alpha : float
        Significance level.

    Returns
    -------
    TrendTest
        Seasonal test (slope per year) for monthly data when every calendar month has at least
        two observations in the window; otherwise the original test (slope per period).
        For ``12m_ending`` (rolling 12-month totals) only every twelfth month counted back from
        the latest enters, so the totals do not overlap; slope per year (``slope_periods == 12``).

    Notes
    -----
    Gaps in the periods become missing values, so slopes are per calendar period. Overlapping
    rolling totals are serially dependent by construction, which Mann–Kendall's variance does not
    allow for (Hamed & Rao 1998); non-overlapping totals avoid that. Seasonal test: Hirsch et al. (1982).
    """
    series = _on_grid(values, periods, frequency)
    if last is not None:
        if last < 1:
            raise TrendInputError(f"last must be at least 1, got {last}")
        series = series[-last:]
    if frequency == "12m_ending":
        return replace(mann_kendall(series[::-1][::12][::-1], alpha), slope_periods=12)
    if frequency == "monthly" and series.size >= 24:
        per_month = [np.count_nonzero(~np.isnan(series[m::12])) for m in range(12)]
        if min(per_month) >= 2:
            return seasonal_mann_kendall(series, 12, alpha)
    return mann_kendall(series, alpha)


def _as_series(y: ArrayLike) -> NDArray[np.float64]:
    values = np.asarray(y, dtype=float)
    if values.ndim != 1:
        raise TrendInputError(f"expected a one-dimensional series, got shape {values.shape}")
    if np.isinf(values).any():
        raise TrendInputError("the series has infinite values; use NaN for missing ones")
    return values


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise TrendInputError(f"alpha must lie strictly between 0 and 1, got {alpha}")


def _kendall_s(values: NDArray[np.float64]) -> tuple[int, float, int]:
    """S, its tie-corrected variance, and the number of pairs, for values without NaN."""
    n = values.size
    # Comparisons, not differences: differences of huge values overflow.
    s = sum(
        int(np.count_nonzero(values[k + 1 :] > v) - np.count_nonzero(values[k + 1 :] < v)) for k, v in enumerate(values)
    )
    ties = np.unique(values, return_counts=True)[1].astype(np.int64)
    tie_term = int(np.sum(ties * (ties - 1) * (2 * ties + 5)))
    return s, (n * (n - 1) * (2 * n + 5) - tie_term) / 18, n * (n - 1) // 2


def _pairwise_slopes(values: NDArray[np.float64], times: NDArray[np.float64]) -> NDArray[np.float64]:
    upper = np.triu_indices(values.size, k=1)
    with np.errstate(all="ignore"):
        return ((values[None, :] - values[:, None]) / (times[None, :] - times[:, None]))[upper]


def _sen_interval(ordered: NDArray[np.float64], var_s: float, alpha: float) -> tuple[float, float]:
    if ordered.size == 0:
        return NAN, NAN
    width = -stats.norm.ppf(alpha / 2) * math.sqrt(var_s)
    upper = min(int(np.round((ordered.size + width) / 2)), ordered.size - 1)
    lower = max(int(np.round((ordered.size - width) / 2)) - 1, 0)
    return float(ordered[lower]), float(ordered[upper])


def _result(
    method: Literal["mann_kendall", "seasonal_mann_kendall"],
    s: int,
    var_s: float,
    pairs: int,
    slope: tuple[float, float, float],
    slope_periods: int,
    n: int,
    alpha: float,
) -> TrendTest:
    z = 0.0 if s == 0 or var_s <= 0 else (s - math.copysign(1, s)) / math.sqrt(var_s)
    p = float(2.0 * stats.norm.sf(abs(z)))
    significant = abs(z) > stats.norm.ppf(1 - alpha / 2)
    trend: TrendLabel = "no trend" if not significant else "increasing" if z > 0 else "decreasing"
    tau = s / pairs if pairs else NAN
    return TrendTest(method, trend, p, z, s, float(var_s), tau, *slope, slope_periods, n, alpha)


_YEAR = re.compile(r"(?:FY)?(\d{4})")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def _ordinal(period: str | int, frequency: Frequency) -> int:
    if isinstance(period, int | np.integer) and not isinstance(period, bool):
        return int(period)
    monthly = frequency in ("monthly", "12m_ending")
    match = (_MONTH if monthly else _YEAR).fullmatch(str(period).strip())
    if match is None:
        expected = "YYYY-MM" if monthly else "YYYY or FYYYYY"
        raise TrendInputError(f"period {period!r} is not a {frequency} period ({expected})")
    return int(match[1]) * 12 + int(match[2]) - 1 if monthly else int(match[1])


def _on_grid(values: ArrayLike, periods: Sequence[str | int], frequency: Frequency) -> NDArray[np.float64]:
    """Values on a regular grid from the first to the last observed period, NaN in the gaps."""
    if frequency not in ("annual", "fiscal_year", "monthly", "12m_ending"):
        raise TrendInputError(f"unknown frequency {frequency!r}")
    series = _as_series(values)
    ordinals = np.array([_ordinal(p, frequency) for p in periods], dtype=np.int64)
    if ordinals.size != series.size:
        raise TrendInputError(f"{series.size} values but {ordinals.size} periods")
    if np.unique(ordinals).size != ordinals.size:
        raise TrendInputError("a period appears more than once")
    keep = ~np.isnan(series)
    if not keep.any():
        return np.empty(0)
    series, ordinals = series[keep], ordinals[keep]
    grid = np.full(int(ordinals.max() - ordinals.min()) + 1, np.nan)
    grid[ordinals - ordinals.min()] = series
    return grid
