"""Trend statistics pinned to pyMannKendall (Hussain & Mahmud 2019) and scipy's theilslopes."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pymannkendall as pmk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from numpy.typing import NDArray
from scipy import stats

from bicentennial.outcomes.trends import (
    MIN_POINTS_MONTHLY,
    Direction,
    TrendInputError,
    TrendTest,
    mann_kendall,
    percent_change,
    seasonal_mann_kendall,
    status,
    summarise,
    theil_sen,
)

RTOL = 1e-9
# p-values: we use 2 * sf(|z|); pyMannKendall's 2 * (1 - cdf(|z|)) carries ~1e-16 absolute error.
P_ATOL = 1e-15


def _series(kind: str, n: int, seed: int) -> NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    y: NDArray[np.float64] = rng.normal(size=n)
    if kind == "ties":
        y = np.rint(2 * y)
    elif kind == "nans":
        y[rng.random(n) < 0.15] = np.nan
    elif kind == "trend":
        y = y + 0.08 * np.arange(n)
    elif kind == "tied_trend_nans":
        y = np.rint(y + 0.05 * np.arange(n))
        y[rng.random(n) < 0.1] = np.nan
    elif kind == "constant":
        y = np.full(n, 3.0)
    return y


CASES = [
    ("random", 40, 1),
    ("random", 7, 2),
    ("ties", 60, 3),
    ("nans", 50, 4),
    ("trend", 30, 5),
    ("trend", 200, 6),
    ("tied_trend_nans", 75, 7),
    ("random", 3, 8),
    ("constant", 12, 9),
]
SEASONAL_CASES = [
    ("random", 120, 11, 12),
    ("ties", 125, 12, 12),  # length not a multiple of the period
    ("nans", 100, 13, 12),
    ("trend", 131, 14, 12),
    ("tied_trend_nans", 63, 15, 12),
    ("trend", 30, 16, 12),  # some seasons hold two values, some three
    ("nans", 41, 17, 4),
    ("ties", 90, 18, 7),
]


def _assert_matches(ours: TrendTest, ref: Any) -> None:
    assert ours.trend == ref.trend
    assert_allclose(ours.p_value, ref.p, rtol=RTOL, atol=P_ATOL)
    for mine, theirs in [
        (ours.z, ref.z),
        (ours.s, ref.s),
        (ours.var_s, ref.var_s),
        (ours.tau, ref.Tau),
        (ours.slope, ref.slope),
    ]:
        assert_allclose(mine, theirs, rtol=RTOL)


@pytest.mark.parametrize(("kind", "n", "seed"), CASES)
def test_mann_kendall_matches_pymannkendall(kind: str, n: int, seed: int) -> None:
    y = _series(kind, n, seed)
    ours = mann_kendall(y)
    _assert_matches(ours, pmk.original_test(y))
    assert ours.n == np.count_nonzero(~np.isnan(y))
    assert ours.slope_periods == 1


@pytest.mark.parametrize(("kind", "n", "seed", "period"), SEASONAL_CASES)
def test_seasonal_mann_kendall_matches_pymannkendall(kind: str, n: int, seed: int, period: int) -> None:
    y = _series(kind, n, seed)
    ours = seasonal_mann_kendall(y, period=period)
    _assert_matches(ours, pmk.seasonal_test(y, period=period))
    assert ours.slope_periods == period
    assert ours.slope_low <= ours.slope <= ours.slope_high


def test_mann_kendall_alpha_changes_the_call_not_the_statistic() -> None:
    y = _series("trend", 15, 21)
    for alpha in (0.01, 0.1, 0.3):
        ours, ref = mann_kendall(y, alpha=alpha), pmk.original_test(y, alpha=alpha)
        _assert_matches(ours, ref)


@pytest.mark.parametrize(("kind", "n", "seed"), CASES[:-1])
def test_theil_sen_matches_scipy_and_pymannkendall(kind: str, n: int, seed: int) -> None:
    y = _series(kind, n, seed)
    keep = ~np.isnan(y)
    ref = stats.theilslopes(y[keep], np.arange(n)[keep], alpha=0.90, method="separate")
    ours = theil_sen(y, alpha=0.10)
    assert_allclose(
        [ours.slope, ours.intercept, ours.low, ours.high],
        [ref.slope, ref.intercept, ref.low_slope, ref.high_slope],
        rtol=RTOL,
    )
    assert_allclose([ours.slope, ours.intercept], list(pmk.sens_slope(y)), rtol=RTOL)
    mk = mann_kendall(y)
    ref95 = stats.theilslopes(y[keep], np.arange(n)[keep])
    assert_allclose([mk.slope_low, mk.slope_high], [ref95.low_slope, ref95.high_slope], rtol=RTOL)


def test_theil_sen_drops_missing_values_with_their_x() -> None:
    x = np.array([2001.0, 2003.0, np.nan, 2007.0, 2010.0, 2011.0])
    y = np.array([5.0, 7.0, 100.0, np.nan, 13.5, 14.0])
    ref = stats.theilslopes([5.0, 7.0, 13.5, 14.0], [2001.0, 2003.0, 2010.0, 2011.0], alpha=0.95)
    assert_allclose(dataclasses.astuple(theil_sen(y, x)), ref, rtol=RTOL)


@pytest.mark.parametrize(("kind", "n", "seed"), CASES[:-1])
def test_seasonal_interval_with_one_season_is_sens_interval(kind: str, n: int, seed: int) -> None:
    y = _series(kind, n, seed)
    keep = ~np.isnan(y)
    ref = stats.theilslopes(y[keep], np.arange(n)[keep])
    ours = seasonal_mann_kendall(y, period=1)
    assert_allclose([ours.slope, ours.slope_low, ours.slope_high], [ref.slope, ref.low_slope, ref.high_slope])


@pytest.mark.parametrize("y", [[], [np.nan, np.nan], [4.0], [1.0, np.nan]])
def test_too_short_series_are_no_trend(y: list[float]) -> None:
    for result in (mann_kendall(y), seasonal_mann_kendall(y)):
        assert (result.trend, result.p_value, result.s, result.z) == ("no trend", 1.0, 0, 0.0)
        assert math.isnan(result.slope) and math.isnan(result.tau)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mann_kendall([1.0, np.inf, 2.0]),
        lambda: mann_kendall([[1.0, 2.0]]),
        lambda: mann_kendall([1.0, 2.0], alpha=0.0),
        lambda: seasonal_mann_kendall([1.0, 2.0], period=0),
        lambda: theil_sen([1.0, 2.0], [1.0]),
    ],
)
def test_bad_inputs_raise_the_declared_error(call: Callable[[], object]) -> None:
    with pytest.raises(TrendInputError):
        call()


def test_results_are_json_friendly() -> None:
    payload = dataclasses.asdict(mann_kendall(_series("trend", 20, 3)))
    assert json.loads(json.dumps(payload)) == payload


def _trend(low: float, high: float, *, n: int = 10, slope_periods: int = 1) -> TrendTest:
    mid = (low + high) / 2
    return TrendTest("mann_kendall", "no trend", 0.5, 0.0, 0, 1.0, 0.0, mid, low, high, slope_periods, n, 0.05)


@pytest.mark.parametrize(
    ("latest", "target", "trend", "direction", "periods_left", "label"),
    [
        (100.0, 75.0, _trend(-8.0, -5.0), "lower_is_better", 6, "on track"),  # 100-30 = 70 <= 75
        (100.0, 75.0, _trend(-2.0, 1.0), "lower_is_better", 6, "off track"),  # 100-12 = 88 > 75
        (100.0, 75.0, _trend(-6.0, -2.0), "lower_is_better", 6, "uncertain"),  # 64..88 straddles 75
        (100.0, 75.0, _trend(-5.0, -5.0), "lower_is_better", 5, "on track"),  # reaching exactly counts
        (50.0, 60.0, _trend(2.0, 4.0), "higher_is_better", 6, "on track"),  # 62..74 >= 60
        (50.0, 60.0, _trend(-1.0, 1.0), "higher_is_better", 6, "off track"),  # 44..56 < 60
        (50.0, 60.0, _trend(0.5, 3.0), "higher_is_better", 6, "uncertain"),  # 53..68 straddles 60
        (70.0, 75.0, _trend(1.0, 2.0), "lower_is_better", -3, "on track"),  # target period passed: latest counts
        (100.0, 75.0, _trend(-12.0, -6.0, slope_periods=12), "lower_is_better", 12, "off track"),  # per year
        (100.0, 75.0, _trend(-8.0, -5.0, n=4), "lower_is_better", 6, "insufficient data"),
        (100.0, None, _trend(-8.0, -5.0), "lower_is_better", 6, "insufficient data"),
        (np.nan, 75.0, _trend(-8.0, -5.0), "lower_is_better", 6, "insufficient data"),
        (100.0, 75.0, None, "lower_is_better", 6, "insufficient data"),
        (100.0, 75.0, _trend(np.nan, np.nan), "lower_is_better", 6, "insufficient data"),
    ],
)
def test_status_rule(
    latest: float, target: float | None, trend: TrendTest | None, direction: Direction, periods_left: int, label: str
) -> None:
    result = status(latest, target, trend, direction, periods_left=periods_left)
    assert result.label == label, result.reason
    assert result.reason


def test_status_uses_the_interval_not_the_point_estimate() -> None:
    # The point estimate (-5/period) alone would reach 75 from 100 in 6 periods; the interval does not say so.
    assert status(100.0, 75.0, _trend(-9.0, -1.0), "lower_is_better", periods_left=6).label == "uncertain"


def test_status_on_a_real_series_and_monthly_minimum() -> None:
    months = 100.0 - 2.0 * np.arange(36) + _series("random", 36, 31)
    trend = summarise(months, list(range(36)), "monthly")
    assert status(months[-1], 0.0, trend, "lower_is_better", periods_left=60).label == "on track"
    assert status(months[-1], 0.0, trend, "higher_is_better", periods_left=60).label == "off track"
    short = summarise(months[:20], list(range(20)), "monthly")
    assert status(months[19], 0.0, short, "lower_is_better", periods_left=60, min_points=MIN_POINTS_MONTHLY).label == (
        "insufficient data"
    )


def test_percent_change() -> None:
    assert percent_change(200.0, 150.0) == -25.0
    assert percent_change(-50.0, -25.0) == 50.0
    assert math.isnan(percent_change(0.0, 1.0)) and math.isnan(percent_change(None, 1.0))


def test_summarise_picks_the_test() -> None:
    y = _series("trend", 40, 41)
    labels = [f"{2020 + m // 12}-{m % 12 + 1:02d}" for m in range(40)]
    seasonal = summarise(y, labels, "monthly")
    assert seasonal.method == "seasonal_mann_kendall"
    _assert_matches(seasonal, pmk.seasonal_test(y, period=12))
    assert summarise(y, labels, "monthly", last=23).method == "mann_kendall"
    _assert_matches(summarise(y, labels, "monthly", last=23), pmk.original_test(y[-23:]))
    shuffled = np.random.default_rng(0).permutation(40)
    assert summarise(y[shuffled], [labels[i] for i in shuffled], "monthly") == seasonal


def test_summarise_respects_gaps_and_windows() -> None:
    years = [2010, 2011, 2013, 2014, 2017, 2018, 2019]
    y = np.array([10.0, 11.0, 12.5, 13.0, 16.0, 16.5, 18.0])
    result = summarise(y, [str(v) for v in years], "annual", last=8)  # 2012..2019
    ref = stats.theilslopes(y[2:], years[2:])
    assert result.n == 5
    assert_allclose([result.slope, result.slope_low, result.slope_high], [ref.slope, ref.low_slope, ref.high_slope])
    assert summarise(y, [f"FY{v}" for v in years], "fiscal_year").n == 7


def test_summarise_uses_non_overlapping_rolling_totals() -> None:
    y = 1000.0 + 5.0 * np.arange(61)
    result = summarise(y, list(range(61)), "12m_ending")
    assert (result.method, result.n, result.slope_periods) == ("mann_kendall", 6, 12)
    assert_allclose(result.slope, 60.0)


@pytest.mark.parametrize(
    ("values", "periods", "frequency"),
    [
        ([1.0, 2.0], ["2020-01", "2020-01"], "monthly"),
        ([1.0, 2.0], ["2020", "2020-13"], "monthly"),
        ([1.0, 2.0], ["2020", "21"], "annual"),
        ([1.0], ["2020", "2021"], "annual"),
        ([1.0], ["2020"], "weekly"),
    ],
)
def test_summarise_refuses_bad_periods(values: list[float], periods: list[str], frequency: Any) -> None:
    with pytest.raises(TrendInputError):
        summarise(values, periods, frequency)


values = st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(y=values, period=st.integers(1, 12), alpha=st.floats(0.001, 0.5))
def test_random_finite_inputs_never_raise(y: list[float], period: int, alpha: float) -> None:
    for result in (mann_kendall(y, alpha), seasonal_mann_kendall(y, period, alpha)):
        assert 0.0 <= result.p_value <= 1.0
        assert result.trend in ("increasing", "decreasing", "no trend")
        assert math.isnan(result.slope) or result.slope_low <= result.slope <= result.slope_high
    fit = theil_sen(y, alpha=alpha)
    assert math.isnan(fit.slope) or fit.low <= fit.slope <= fit.high
    latest = next((v for v in reversed(y) if not math.isnan(v)), None)
    assert status(latest, 0.0, mann_kendall(y), "lower_is_better", periods_left=5).label
