"""Interrupted time series: hand-built series, statsmodels as the reference for HAC and SARIMAX."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.tsa.statespace.sarimax import SARIMAX

from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation.its import interrupted_time_series

T, START = 96, 60
SEASON = np.array([3.0, 1.0, 0.0, -1.0, -2.0, -4.0, -3.0, 0.0, 1.0, 2.0, 2.0, 1.0])
LEVEL, SLOPE = 5.0, 0.4


def _series(noise: np.ndarray | None = None, level: float = LEVEL, slope: float = SLOPE) -> np.ndarray:
    t = np.arange(T)
    y = 50 + 0.3 * t + np.tile(SEASON, T // 12) + np.where(t >= START, level + slope * (t - START), 0.0)
    return y if noise is None else y + noise


def _ar1(rng: np.random.Generator, phi: float = 0.5, n: int = T) -> np.ndarray:
    e = np.zeros(n)
    shocks = rng.normal(size=n)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + shocks[i]
    return e


def _design(seasonal: bool = True) -> np.ndarray:
    """The segmented-regression design, written out independently of the module."""
    t = np.arange(T)
    cols = [np.ones(T), t, t >= START, np.maximum(t - START, 0)]
    if seasonal:
        cols += [(t % 12) == m for m in range(1, 12)]
    return np.column_stack(cols).astype(float)


@pytest.mark.parametrize("seasonal", [True, False])
def test_noise_free_level_and_slope_recovered_exactly(seasonal):
    y = _series() if seasonal else _series() - np.tile(SEASON, T // 12)
    res = interrupted_time_series(y, start=START, seasonal=seasonal)
    assert_allclose([res.level_change, res.slope_change], [LEVEL, SLOPE], atol=1e-9)
    assert_allclose(res.fitted, y, atol=1e-9)
    expected = np.where(np.arange(T) >= START, LEVEL + SLOPE * (np.arange(T) - START), 0.0)
    assert_allclose(res.effect, expected, atol=1e-9)
    assert_allclose(res.cumulative_effect, expected.sum(), atol=1e-7)
    assert_allclose(res.counterfactual, y - expected, atol=1e-9)


def test_seasonal_dummies_remove_a_pure_seasonal_pattern():
    y = _series(level=0.0, slope=0.0)
    res = interrupted_time_series(y, start=START)
    assert_allclose([res.level_change, res.slope_change], [0.0, 0.0], atol=1e-9)
    assert_allclose(res.effect, 0.0, atol=1e-9)
    assert_allclose(res.fitted, y, atol=1e-9)
    # Without the dummies the seasonality is left in the residuals and the fit is poor.
    plain = interrupted_time_series(y, start=START, seasonal=False)
    assert plain.details["r_squared"] < 0.99 < res.details["r_squared"]


def test_newey_west_equals_statsmodels_hac_on_the_same_design():
    y = _series(_ar1(np.random.default_rng(4)))
    res = interrupted_time_series(y, start=START)
    lags = math.floor(4 * (T / 100) ** (2 / 9))
    ref = sm.OLS(y, _design()).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)
    ci = ref.conf_int(0.05)
    assert res.details["maxlags"] == lags == 3
    assert_allclose([res.level_change, res.slope_change], ref.params[2:4], rtol=1e-10)
    assert_allclose([*res.level_ci, *res.slope_ci], [*ci[2], *ci[3]], rtol=1e-10)
    assert_allclose([res.level_p, res.slope_p], ref.pvalues[2:4], rtol=1e-8)
    assert_allclose([c["se"] for c in res.details["coefficients"]], ref.bse, rtol=1e-10)
    custom = interrupted_time_series(y, start=START, maxlags=12)
    ref12 = sm.OLS(y, _design()).fit(cov_type="HAC", cov_kwds={"maxlags": 12, "use_correction": True}, use_t=True)
    assert_allclose(custom.level_ci, ref12.conf_int(0.05)[2], rtol=1e-10)


def test_counterfactual_band_is_a_prediction_interval():
    y = _series(_ar1(np.random.default_rng(6)))
    res = interrupted_time_series(y, start=START, alpha=0.1)
    ref = sm.OLS(y, _design()).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}, use_t=True)
    x = _design()[70].copy()
    x[2:4] = 0.0  # the same month without the interruption
    var = x @ ref.cov_params() @ x + ref.scale
    half = stats.t.ppf(0.95, ref.df_resid) * math.sqrt(var)
    assert_allclose([res.counterfactual_low[70], res.counterfactual_high[70]], x @ ref.params + [-half, half])
    assert_allclose(res.counterfactual[:START], res.fitted[:START], rtol=1e-12)
    assert np.all(res.effect[:START] == 0.0)


def test_noisy_series_true_changes_inside_intervals():
    y = _series(_ar1(np.random.default_rng(12)))
    for errors in ("newey-west", "arima"):
        res = interrupted_time_series(y, start=START, errors=errors)
        assert res.level_ci[0] < LEVEL < res.level_ci[1], errors
        assert res.slope_ci[0] < SLOPE < res.slope_ci[1], errors
        assert res.errors == errors


def test_arima_errors_equal_statsmodels_sarimax_and_forecast_the_error():
    y = _series(_ar1(np.random.default_rng(3), phi=0.6))
    res = interrupted_time_series(y, start=START, errors="arima", arima_order=(1, 0, 0))
    ref = SARIMAX(y, exog=_design(), order=(1, 0, 0), trend="n").fit(disp=False, maxiter=500)
    # Maximum likelihood by L-BFGS: agreement to the optimiser's tolerance, not to machine precision.
    assert_allclose([res.level_change, res.slope_change], ref.params[2:4], rtol=1e-3)
    assert_allclose(res.level_ci, ref.conf_int(0.05)[2], rtol=1e-3)
    assert_allclose(res.details["aic"], ref.aic, rtol=1e-6)
    # Counterfactual one step after the start: regression mean without the change terms, plus
    # the AR(1) error at start-1 carried forward once.
    beta, phi = ref.params[: _design().shape[1]], ref.params[-2]
    x = _design()
    x[:, 2:4] = 0.0
    u_last = y[START - 1] - x[START - 1] @ beta
    assert_allclose(res.counterfactual[START], x[START] @ beta + phi * u_last, rtol=1e-4)
    assert res.details["converged"] and res.details["warnings"] == []


def test_arima_with_differencing_drops_the_intercept():
    y = _series(np.cumsum(np.random.default_rng(1).normal(0, 0.3, T)))
    res = interrupted_time_series(y, start=START, errors="arima", arima_order=(0, 1, 1))
    assert res.details["dropped_terms"] == ["intercept"]
    assert res.level_ci[0] < LEVEL < res.level_ci[1]
    assert np.isnan(res.fitted[0]) and np.isnan(res.counterfactual_low[0])  # diffuse start: no prediction
    assert np.all(np.isfinite(res.counterfactual_high[1:]))


def test_yearly_series_without_seasonality():
    t = np.arange(20)
    y = 100 - 2.0 * t + np.where(t >= 12, -8.0 - 1.5 * (t - 12), 0.0)
    res = interrupted_time_series(y, start=12, period=1, seasonal=False)
    assert_allclose([res.level_change, res.slope_change], [-8.0, -1.5], atol=1e-9)
    assert res.details["seasonal_terms"] == "none"


@pytest.mark.parametrize("errors", ["newey-west", "arima"])
def test_details_are_strict_json(errors):
    res = interrupted_time_series(_series(_ar1(np.random.default_rng(2))), start=START, errors=errors)
    decoded = json.loads(json.dumps(res.details, allow_nan=False))
    assert [c["name"] for c in decoded["coefficients"]][:4] == ["intercept", "trend", "level_change", "slope_change"]
    assert decoded["counterfactual_interval"] == "prediction"


@pytest.mark.parametrize(
    ("y", "kwargs", "message"),
    [
        (np.r_[np.ones(40), np.nan, np.ones(40)], {"start": 60}, "index 40"),
        (np.arange(96.0), {"start": 6}, "need at least 12 before"),
        (np.arange(96.0), {"start": 95}, "2 after"),
        (np.ones((2, 48)), {"start": 24}, "1-D"),
        (["a", "b"], {"start": 1}, "expected numbers"),
        (np.arange(96.0), {"start": 60, "errors": "ols"}, "errors"),
        (np.arange(96.0), {"start": 60, "maxlags": -1}, "maxlags"),
        (np.arange(96.0), {"start": 60, "errors": "arima", "arima_order": (1, 3, 0)}, "arima_order"),
        (np.arange(96.0), {"start": 60, "alpha": 1.5}, "alpha"),
        (np.arange(96.0), {"start": 60, "period": 0}, "period"),
        (np.r_[np.ones(13), 2.0], {"start": 12}, "too few"),
        (np.full(96, 4.0), {"start": 60}, "constant"),
    ],
)
def test_bad_input_raises_invalid_input(y, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        interrupted_time_series(y, **kwargs)


@pytest.mark.slow
def test_newey_west_interval_coverage_under_ar1_errors():
    """Nominal 95% level intervals cover the true change in >= 85% of 400 AR(1) series.

    Newey–West with a short series under-covers somewhat under positive autocorrelation
    (Bernal et al. 2017 discuss this); the bound guards against a gross error.
    """
    rng = np.random.default_rng(99)
    hits = 0
    for _ in range(400):
        res = interrupted_time_series(_series(_ar1(rng, phi=0.4)), start=START)
        hits += res.level_ci[0] <= LEVEL <= res.level_ci[1]
    assert 0.85 <= hits / 400 <= 0.995
