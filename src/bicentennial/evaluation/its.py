"""Interrupted time series: segmented regression with Newey–West or ARIMA errors.

One series (monthly counts of homicides in a state, say) and one interruption: the
pre-period's level, trend and seasonality are projected forward as the counterfactual,
and the change in level and in slope at ``start`` are the estimated effects.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from bicentennial.core.errors import InvalidInput

ErrorModel = Literal["newey-west", "arima"]
_CHANGE_COLUMNS = (2, 3)  # level_change, slope_change in the design built by _design


@dataclass(frozen=True)
class ITSResult:
    """Segmented-regression estimates; arrays have the length of the series."""

    level_change: float
    level_ci: tuple[float, float]
    level_p: float
    slope_change: float  # per period
    slope_ci: tuple[float, float]
    slope_p: float
    fitted: np.ndarray
    counterfactual: np.ndarray
    counterfactual_low: np.ndarray
    counterfactual_high: np.ndarray
    effect: np.ndarray
    cumulative_effect: float
    errors: str
    details: dict[str, Any]


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray  # regression coefficients, one per design column kept
    ci: np.ndarray  # (k, 2)
    p: np.ndarray
    fitted: np.ndarray
    counterfactual: np.ndarray
    prediction_var: np.ndarray  # variance of a new observation around the counterfactual
    critical: float
    table: list[dict[str, Any]]
    stats: dict[str, Any]
    dropped: int = 0  # leading design columns (intercept, trend) removed by ARIMA differencing


def interrupted_time_series(
    y: np.ndarray,
    *,
    start: int,
    period: int = 12,
    seasonal: bool = True,
    errors: ErrorModel = "newey-west",
    maxlags: int | None = None,
    arima_order: tuple[int, int, int] = (1, 0, 0),
    alpha: float = 0.05,
) -> ITSResult:
    """Estimate the level and slope change of a series at an interruption.

    Parameters
    ----------
    y : (T,) array
        The series, evenly spaced (monthly, or yearly with ``period=1, seasonal=False``).
        Missing values are refused: impute or shorten the series first.
    start : int
        Index of the first period under the intervention.
    period : int
        Length of the seasonal cycle (12 for monthly data).
    seasonal : bool
        Add one dummy per position in the cycle but the first (positions count from
        ``y[0]``, whatever calendar month that is). Ignored when ``period == 1``.
    errors : {"newey-west", "arima"}
        ``"newey-west"``: OLS with Newey–West HAC covariance (Bartlett kernel, small-sample
        correction ``T/(T-k)``) and Student-t inference with ``T-k`` degrees of freedom.
        ``"arima"``: regression with ARIMA(p, d, q) errors by maximum likelihood
        (statsmodels SARIMAX), normal inference; with ``d >= 1`` the first ``d`` values of
        ``fitted`` and of the counterfactual and its band are NaN (nothing to predict from).
    maxlags : int, optional
        Newey–West truncation lag; default ``floor(4 (T/100)^(2/9))`` (Newey & West 1994).
    arima_order : (p, d, q)
        Order of the error process for ``errors="arima"``; with ``d >= 1`` the intercept is
        differenced away (and the trend with ``d == 2``), so they are not estimated.
    alpha : float
        1 - confidence level of the intervals.

    Returns
    -------
    ITSResult
        ``counterfactual`` is the pre-interruption model projected over the whole series:
        level, trend and seasonality without the two change terms (with ``"arima"``, the
        error process is also forecast forward from the last pre-period observation).
        ``counterfactual_low/high`` is a *prediction* interval — where a new observation
        would fall without the interruption (coefficient uncertainty plus error variance) —
        not the narrower confidence interval of the mean. ``effect`` is observed minus
        counterfactual from ``start`` on and 0 before.

    Notes
    -----
    Model: ``y_t = b0 + b1 t + b2 D_t + b3 (t - start) D_t + seasonal terms + e_t`` with
    ``D_t = 1[t >= start]`` (Wagner et al. 2002, "Segmented regression analysis of
    interrupted time series studies in medication use research", J Clin Pharm Ther 27:299;
    Bernal, Cummins & Gasparrini 2017, "Interrupted time series regression for the
    evaluation of public health interventions: a tutorial", Int J Epidemiol 46:348).
    Newey & West (1987, 1994) for the HAC covariance and the default lag.
    """
    series = _validated_series(y, start=start, period=period, alpha=alpha)
    n_seasons = period if seasonal and period > 1 else 1
    design, names = _design(len(series), start, n_seasons)
    _check_length(len(series), start, n_seasons, design.shape[1])
    if errors == "newey-west":
        lags = _checked_maxlags(maxlags, len(series))
        fit = _fit_newey_west(series, design, names, lags, alpha)
    elif errors == "arima":
        fit = _fit_arima(series, design, names, start, _checked_order(arima_order), alpha)
    else:
        raise InvalidInput(f"errors: expected 'newey-west' or 'arima', got {errors!r}")
    return _result(series, start, fit, errors, n_seasons)


def _validated_series(y: Any, *, start: Any, period: Any, alpha: float) -> np.ndarray:
    try:
        series = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"y: expected numbers, got {type(y).__name__} ({exc})") from None
    if series.ndim != 1:
        raise InvalidInput(f"y: expected one series (1-D), got shape {series.shape}")
    bad = np.flatnonzero(~np.isfinite(series))
    if bad.size:
        shown = ", ".join(str(i) for i in bad[:5]) + (" …" if bad.size > 5 else "")
        raise InvalidInput(f"y: {bad.size} missing or infinite value(s) at index {shown}; impute or shorten the series")
    if series.size and np.ptp(series) == 0:
        raise InvalidInput(f"y: the series is constant ({series[0]:g} throughout); there is no change to estimate")
    if not isinstance(period, int | np.integer) or isinstance(period, bool) or period < 1:
        raise InvalidInput(f"period: expected a positive whole number of periods per cycle, got {period!r}")
    if not isinstance(start, int | np.integer) or isinstance(start, bool):
        raise InvalidInput(f"start: expected the index of the first intervention period, got {start!r}")
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha: expected a level between 0 and 1, got {alpha!r}")
    return series


def _check_length(n: int, start: int, n_seasons: int, k: int) -> None:
    # Every position of the cycle must be seen before the interruption, or its dummy would be
    # estimated from post-period data only and absorb part of the effect.
    min_pre = max(3, n_seasons)
    if not min_pre <= start <= n - 2:
        why = " (a full seasonal cycle, or pass seasonal=False)" if n_seasons > 3 else ""
        raise InvalidInput(
            f"start: {start} leaves {start} pre-period and {n - start} post-period values in a series of {n}; "
            f"need at least {min_pre} before{why} and 2 after"
        )
    if n - k < 2:
        raise InvalidInput(f"y: {n} values are too few for {k} coefficients; use a longer series or seasonal=False")


def _checked_maxlags(maxlags: Any, n: int) -> int:
    if maxlags is None:
        return math.floor(4 * (n / 100) ** (2 / 9))
    if not isinstance(maxlags, int | np.integer) or isinstance(maxlags, bool) or not 0 <= maxlags < n:
        raise InvalidInput(f"maxlags: expected a whole number from 0 to {n - 1}, got {maxlags!r}")
    return int(maxlags)


def _checked_order(order: Any) -> tuple[int, int, int]:
    try:
        p, d, q = (int(v) for v in order)
    except (TypeError, ValueError):
        raise InvalidInput(f"arima_order: expected (p, d, q), got {order!r}") from None
    if min(p, d, q) < 0 or d > 2 or (p, d, q) != tuple(order):
        raise InvalidInput(f"arima_order: expected whole numbers p, q >= 0 and d in 0..2, got {order!r}")
    return p, d, q


def _design(n: int, start: int, n_seasons: int) -> tuple[np.ndarray, list[str]]:
    t = np.arange(n, dtype=float)
    after = (t >= start).astype(float)
    columns = [np.ones(n), t, after, (t - start) * after]
    names = ["intercept", "trend", "level_change", "slope_change"]
    phase = np.arange(n) % n_seasons
    for s in range(1, n_seasons):
        columns.append((phase == s).astype(float))
        names.append(f"season_{s}")
    return np.column_stack(columns), names


def _coefficient_table(names: list[str], beta: Any, se: Any, ci: Any, p: Any) -> list[dict[str, Any]]:
    return [
        {"name": nm, "coef": float(b), "se": float(s), "ci_low": float(lo), "ci_high": float(hi), "p": float(pv)}
        for nm, b, s, (lo, hi), pv in zip(names, beta, se, ci, p, strict=True)
    ]


def _fit_newey_west(y: np.ndarray, design: np.ndarray, names: list[str], lags: int, alpha: float) -> _Fit:
    import statsmodels.api as sm
    from statsmodels.stats.stattools import durbin_watson

    res = sm.OLS(y, design).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)
    beta, cov = np.asarray(res.params), np.asarray(res.cov_params())
    ci, p = np.asarray(res.conf_int(alpha)), np.asarray(res.pvalues)
    no_change = design.copy()
    no_change[:, _CHANGE_COLUMNS] = 0.0
    param_var = np.einsum("ij,jk,ik->i", no_change, cov, no_change)
    return _Fit(
        beta=beta,
        ci=ci,
        p=p,
        fitted=np.asarray(res.fittedvalues),
        counterfactual=no_change @ beta,
        prediction_var=param_var + float(res.scale),
        critical=float(stats.t.ppf(1 - alpha / 2, res.df_resid)),
        table=_coefficient_table(names, beta, res.bse, ci, p),
        stats={
            "maxlags": lags,
            "df_resid": float(res.df_resid),
            "sigma2": float(res.scale),
            "r_squared": float(res.rsquared),
            "aic": float(res.aic),
            "bic": float(res.bic),
            "durbin_watson": float(durbin_watson(res.resid)),
        },
    )


def _fit_arima(
    y: np.ndarray, design: np.ndarray, names: list[str], start: int, order: tuple[int, int, int], alpha: float
) -> _Fit:
    from statsmodels.stats.stattools import durbin_watson
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    # Differencing removes the intercept (d >= 1) and the trend (d == 2): they are not identified.
    keep = list(range(order[1], design.shape[1]))
    exog = np.ascontiguousarray(design[:, keep])
    no_change = exog.copy()
    no_change[:, [keep.index(c) for c in _CHANGE_COLUMNS]] = 0.0
    with warnings.catch_warnings(record=True) as caught:
        # statsmodels warns about starting values and convergence; they are reported in details
        # instead of escaping to a caller who cannot act on them mid-computation.
        warnings.simplefilter("always")
        res = SARIMAX(y, exog=exog, order=order, trend="n").fit(disp=False, maxiter=500)
        pre = SARIMAX(y[:start], exog=exog[:start], order=order, trend="n").filter(res.params)
        in_sample = pre.get_prediction()
        ahead = pre.get_forecast(steps=len(y) - start, exog=no_change[start:])
    k = exog.shape[1]
    all_cov = np.asarray(res.cov_params())
    cov = all_cov[:k, :k]
    ci, p = np.asarray(res.conf_int(alpha)), np.asarray(res.pvalues)
    param_var = np.einsum("ij,jk,ik->i", no_change, cov, no_change)
    kept_names = [names[c] for c in keep] + list(res.model.param_names[k:])
    fitted = np.asarray(res.fittedvalues, dtype=float)
    counterfactual = np.concatenate([in_sample.predicted_mean, ahead.predicted_mean])
    prediction_var = np.concatenate([in_sample.var_pred_mean, ahead.var_pred_mean]) + param_var
    # Before d observations a differenced model has no prediction (diffuse start): say so with NaN
    # rather than plot a placeholder and a band a million wide.
    fitted[: order[1]] = counterfactual[: order[1]] = prediction_var[: order[1]] = np.nan
    return _Fit(
        beta=np.asarray(res.params[:k]),
        ci=ci[:k],
        p=p[:k],
        fitted=fitted,
        counterfactual=counterfactual,
        prediction_var=prediction_var,
        critical=float(stats.norm.ppf(1 - alpha / 2)),
        table=_coefficient_table(kept_names, res.params, np.sqrt(np.diag(all_cov)), ci, p),
        stats={
            "arima_order": list(order),
            "sigma2": float(res.params[-1]),
            "aic": float(res.aic),
            "bic": float(res.bic),
            "loglik": float(res.llf),
            "durbin_watson": float(durbin_watson(res.resid[order[1] :])),
            "converged": bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True,
            "warnings": sorted({str(w.message) for w in caught}),
            "dropped_terms": names[: order[1]],
        },
        dropped=order[1],
    )


def _json_ready(value: Any) -> Any:
    """Non-finite floats (a perfect fit's p-values, say) become None: JSON has no NaN."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _result(y: np.ndarray, start: int, fit: _Fit, errors: str, n_seasons: int) -> ITSResult:
    level, slope = (c - fit.dropped for c in _CHANGE_COLUMNS)
    half = fit.critical * np.sqrt(fit.prediction_var)
    effect = np.where(np.arange(len(y)) >= start, y - fit.counterfactual, 0.0)
    details: dict[str, Any] = {
        "coefficients": fit.table,
        "n": len(y),
        "n_pre": start,
        "n_post": len(y) - start,
        "seasonal_terms": f"{n_seasons - 1} dummies (position in a cycle of {n_seasons})" if n_seasons > 1 else "none",
        "counterfactual_interval": "prediction",
        **fit.stats,
    }
    details = _json_ready(details)
    return ITSResult(
        level_change=float(fit.beta[level]),
        level_ci=(float(fit.ci[level, 0]), float(fit.ci[level, 1])),
        level_p=float(fit.p[level]),
        slope_change=float(fit.beta[slope]),
        slope_ci=(float(fit.ci[slope, 0]), float(fit.ci[slope, 1])),
        slope_p=float(fit.p[slope]),
        fitted=fit.fitted,
        counterfactual=fit.counterfactual,
        counterfactual_low=fit.counterfactual - half,
        counterfactual_high=fit.counterfactual + half,
        effect=effect,
        cumulative_effect=float(effect[start:].sum()),
        errors=errors,
        details=details,
    )
