"""Synthetic control: the counterfactual of one treated unit as a weighted average of donor units.

Three estimators share one input and one result:

``synth``
    Abadie & Gardeazabal (2003) and Abadie, Diamond & Hainmueller (2010, 2011 R package ``Synth``,
    2015): donor weights on the simplex matching the treated unit's predictors, the predictors'
    importance ``V`` chosen to fit the pre-period outcome.
``penalized``
    Abadie & L'Hour (2021): the same, plus a penalty on the distance between the treated unit and
    each donor it uses, which makes the weights unique and sparse when many donors fit equally well.
``augmented``
    Ben-Michael, Feller & Rothstein (2021): the ``synth`` weights corrected by a ridge regression of
    the outcome on the pre-period outcomes (the weights may then be negative).

The numerical work is in :mod:`bicentennial.evaluation.synth_solver`; placebos in
:mod:`bicentennial.evaluation.placebos`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation.augmented import ridge_adjustment, ridge_by_cv
from bicentennial.evaluation.synth_solver import optimise_v, penalty_by_holdout, regression_v

Method = Literal["synth", "penalized", "augmented"]
MIN_PRE_PERIODS = 2  # one pre-period fits anything; two is the least that can show a pre-trend


@dataclass(frozen=True)
class SynthInput:
    """One treated unit, its donor pool, the outcome panel and the aggregated predictors.

    ``outcome`` is ``(n_units, T)`` with NaN for missing values; ``predictors`` is ``(k, n_units)``,
    already aggregated by the caller (e.g. means over windows, NaN skipped); ``fit_periods`` are
    the pre-treatment period indices whose outcome fit chooses ``V`` (Synth's ``time.optimize.ssr``).
    """

    units: tuple[str, ...]
    periods: tuple[str, ...]
    outcome: np.ndarray
    predictors: np.ndarray
    predictor_names: tuple[str, ...]
    treated: int
    donors: tuple[int, ...]
    treatment_start: int
    fit_periods: tuple[int, ...]


@dataclass(frozen=True)
class SynthResult:
    """Weights, predictor importances, balance table and the synthetic series with its gaps.

    ``synthetic`` and ``gaps`` are aligned with ``periods`` (the input's, truncated for in-time
    placebos). ``pre_rmspe`` is over all pre-treatment periods, ``post_rmspe`` over the rest, both
    skipping periods where the treated or a weighted donor outcome is missing.
    """

    weights: dict[str, float]
    v: dict[str, float]
    balance: list[dict[str, Any]]
    synthetic: np.ndarray
    gaps: np.ndarray
    pre_rmspe: float
    post_rmspe: float
    method: str
    penalty: float | None
    periods: tuple[str, ...] = ()
    mspe_fit: float = math.nan  # the outer objective: outcome MSPE over the fit periods


@dataclass(frozen=True)
class _Panel:
    """The validated arrays of one fit: treated first, predictors scaled as Synth does."""

    order: np.ndarray  # predictor rows sorted by name: the V search must not depend on the caller's row order
    scaled: np.ndarray  # (k, 1 + J): each predictor divided by its standard deviation over these units
    diff: np.ndarray  # (k, J), C-contiguous: scaled donors minus the scaled treated unit
    y1: np.ndarray  # (T,) treated outcome
    y0: np.ndarray  # (T, J) donor outcomes
    start: int

    @classmethod
    def of(cls, data: SynthInput) -> _Panel:
        _check_design(data)
        cols = [data.treated, *data.donors]
        x = np.asarray(data.predictors, dtype=float)[:, cols]
        _check_predictors(data, x)
        y = np.asarray(data.outcome, dtype=float)
        _check_outcomes(data, y)
        # Synth's scaling (ddof = 1, over the treated unit and its donors only): a predictor's unit
        # must not decide its weight before V does.
        order = np.argsort(np.asarray(data.predictor_names, dtype=object), kind="stable")
        scaled = (x / x.std(axis=1, ddof=1)[:, None])[order]
        diff = np.ascontiguousarray(scaled[:, 1:] - scaled[:, :1])
        donors = np.ascontiguousarray(y[list(data.donors)].T)
        return cls(order, scaled, diff, y[data.treated].copy(), donors, data.treatment_start)

    def zgap(self, periods: np.ndarray) -> np.ndarray:
        """``Z0 - Z1`` over ``periods``: ``(len, J)``; ``zgap @ w`` is the fit error for simplex ``w``."""
        return np.ascontiguousarray(self.y0[periods] - self.y1[periods, None])

    def centred_pre(self) -> tuple[np.ndarray, np.ndarray]:
        """Complete pre-periods' outcomes centred on the donor mean (augsynth's design)."""
        rows = [t for t in range(self.start) if np.isfinite(self.y1[t]) and np.isfinite(self.y0[t]).all()]
        y0 = self.y0[rows]
        mean = y0.mean(axis=1)
        return y0 - mean[:, None], self.y1[rows] - mean


def _check_design(data: SynthInput) -> None:
    n, t = len(data.units), len(data.periods)
    k = len(data.predictor_names)
    if np.shape(data.outcome) != (n, t) or np.shape(data.predictors) != (k, n) or k == 0:
        raise InvalidInput(
            f"synthetic control: outcome must be units x periods ({n} x {t}) and predictors "
            f"predictors x units ({k} x {n}) with at least one predictor; got {np.shape(data.outcome)} "
            f"and {np.shape(data.predictors)}"
        )
    if not 0 <= data.treated < n:
        raise InvalidInput(f"synthetic control: treated index {data.treated} is not a unit (0..{n - 1})")
    name = data.units[data.treated]
    if data.treated in data.donors:
        raise InvalidInput(f"synthetic control: the treated unit '{name}' is also among the donors")
    if len(set(data.predictor_names)) != k:
        raise InvalidInput("synthetic control: predictor names must be distinct")
    if not data.donors or len(set(data.donors)) != len(data.donors) or not all(0 <= d < n for d in data.donors):
        raise InvalidInput(f"synthetic control: the donors of '{name}' must be distinct unit indices, at least one")
    if not MIN_PRE_PERIODS <= data.treatment_start < t:
        raise InvalidInput(
            f"synthetic control: too few pre-treatment periods for '{name}': treatment starts at period index "
            f"{data.treatment_start} of {t}; at least {MIN_PRE_PERIODS} before it and one after are needed"
        )
    bad = [p for p in data.fit_periods if not 0 <= p < data.treatment_start]
    if not data.fit_periods or bad or len(set(data.fit_periods)) != len(data.fit_periods):
        raise InvalidInput(
            f"synthetic control: fit periods must be distinct pre-treatment periods (before "
            f"'{data.periods[data.treatment_start]}'), at least one; offending: {bad}"
        )


def _check_predictors(data: SynthInput, x: np.ndarray) -> None:
    cols = [data.treated, *data.donors]
    for m, name in enumerate(data.predictor_names):
        missing = np.flatnonzero(~np.isfinite(x[m]))
        if missing.size:
            unit = data.units[cols[missing[0]]]
            raise InvalidInput(f"synthetic control: predictor '{name}' is missing (NaN) for unit '{unit}'")
        if x[m].std() <= 1e-12 * np.abs(x[m]).max():
            raise InvalidInput(
                f"synthetic control: predictor '{name}' does not vary across the treated unit and donors"
            )


def _check_outcomes(data: SynthInput, y: np.ndarray) -> None:
    treated = np.flatnonzero(~np.isfinite(y[data.treated, : data.treatment_start]))
    if treated.size:
        raise InvalidInput(
            f"synthetic control: outcome of the treated unit '{data.units[data.treated]}' is missing "
            f"(NaN) in pre-treatment period '{data.periods[treated[0]]}'"
        )
    fit = sorted(data.fit_periods)
    holes = np.argwhere(~np.isfinite(y[np.ix_(list(data.donors), fit)]))  # (donor, period) pairs, donor order
    if holes.size:
        d, p = holes[np.argmin(holes[:, 1])]
        raise InvalidInput(
            f"synthetic control: outcome of donor '{data.units[data.donors[d]]}' is missing (NaN) in fit "
            f"period '{data.periods[fit[p]]}'"
        )


def synthetic_control(
    data: SynthInput,
    *,
    method: Method = "synth",
    penalty: float | None = None,
    starts: int = 5,
    seed: int = 0,
) -> SynthResult:
    """Estimate the synthetic control of ``data.treated`` from ``data.donors``.

    Parameters
    ----------
    data : SynthInput
        The panel; validated here (see Raises).
    method : {"synth", "penalized", "augmented"}
        The estimator (module docstring).
    penalty : float, optional
        ``lambda`` of the penalised estimator, or the ridge parameter of the augmented one;
        chosen by pre-period cross-validation when None (Notes). Ignored by ``synth``.
    starts : int
        Seeded random starts of the ``V`` search, on top of the equal and the regression-based ones.
    seed : int
        Seed of those starts; a fit is a deterministic function of ``(data, method, penalty,
        starts, seed)``.

    Returns
    -------
    SynthResult

    Raises
    ------
    InvalidInput
        A predictor missing (NaN) for the treated unit or a donor, a predictor with no variation,
        the treated unit among the donors, a missing treated outcome before treatment, a missing
        donor outcome in a fit period, fewer than two pre-treatment periods, or inconsistent shapes.

    Notes
    -----
    Predictors are divided by their standard deviation across treated and donors, as ``Synth``
    does. The inner problem ``W(V) = argmin (X1 - X0 W)' V (X1 - X0 W)`` on the simplex is solved
    exactly by an active-set method; the outer problem minimises the outcome MSPE over
    ``fit_periods`` by Nelder-Mead from Synth's two starts, equal weights and the regression-based
    ``V`` (Abadie, Diamond & Hainmueller 2011, J. Stat. Softw. 42(13)), and from ``starts``
    Dirichlet draws, then restarts Nelder-Mead and Powell from the best point until neither
    improves. ``V`` is floored at ``synth_solver.V_FLOOR`` (1e-6): with a zero weight the inner
    problem can have a face of solutions and the MSPE would reflect the solver's tie-breaking.
    Predictors are searched in name order, so the row order of ``data.predictors`` does not matter.

    The outer problem is not convex and can have several local minima. On the Basque data
    ``starts=0`` (Synth's procedure) and the default seed give the published 0.851 Cataluña +
    0.149 Madrid (MSPE 0.0089, a true local minimum), while other seeds find 0.633 Cataluña +
    0.219 Baleares + 0.148 Madrid (MSPE 0.0043, with nearly all of ``V`` on GDP per capita);
    Becker & Klößner (2018, Econometrics and Statistics 5) and Malo et al. (2023) report the same
    about Synth's optima. Compare seeds before trusting one set of weights.

    When the treated unit's predictors are a convex combination of the donors' (typical with
    thousands of donors and a handful of predictors), every ``V`` gives a perfect predictor match,
    ``V`` is not identified and no search is run: the weights are the exact match with the lowest
    outcome MSPE and ``V`` is reported as equal weights (``synth_solver.matched_weights``).

    ``penalized`` minimises ``||X1 - X0 W||_V^2 + lambda sum_j W_j ||X1 - X0_j||_V^2`` (Abadie &
    L'Hour 2021, JASA 116(536)) with ``V`` chosen as above for that ``lambda``. When
    ``penalty`` is None, ``lambda`` is chosen on :data:`PENALTY_GRID` by a hold-out on the pre-period:
    ``V`` is fitted on the first two thirds of the fit periods and the ``lambda`` whose weights best
    predict the treated outcome over the last third wins (the largest on ties).

    ``augmented`` is the ridge ASCM of Ben-Michael, Feller & Rothstein (2021, JASA 116(536)): with
    the complete pre-period outcomes centred on the donor mean, ``W_aug = W + (Y1 - Y0 W)'
    (Y0 Y0' + lambda I)^{-1} Y0``, where ``W`` are the ``synth`` weights. ``W_aug`` sums to one but
    may be negative (extrapolation), which buys a better pre-period fit. When ``penalty`` is None,
    the ridge ``lambda`` is chosen on the ``augsynth`` R package's grid (21 values from the squared
    largest singular value of ``Y0`` down by ``1e8``) and rule (the largest ``lambda`` within one
    standard error of the smallest leave-one-pre-period-out error); unlike augsynth, ``W`` is not
    refitted in each fold.
    """
    if method not in ("synth", "penalized", "augmented"):
        raise InvalidInput(f"synthetic control: unknown method {method!r} (synth, penalized or augmented)")
    panel = _Panel.of(data)
    fit = np.asarray(sorted(data.fit_periods))
    start_vs = _starts(panel, fit, starts, seed)
    lam = _penalised_lambda(panel, fit, penalty, start_vs) if method == "penalized" else 0.0
    sorted_v, w, loss = optimise_v(panel.diff, panel.zgap(fit), lam, start_vs)
    v = np.empty_like(sorted_v)
    v[panel.order] = sorted_v
    used: float | None = lam if method == "penalized" else None
    if method == "augmented":
        y0, y1 = panel.centred_pre()
        if penalty is None and y0.shape[0] < 2:
            raise InvalidInput("augmented synthetic control: choosing the ridge needs 2 complete pre-periods")
        used = ridge_by_cv(y0, y1, w) if penalty is None else _check_penalty(penalty)
        w = w + ridge_adjustment(y0, y1, w, used)
        loss = float(np.mean((panel.zgap(fit) @ w) ** 2))
    return _result(data, panel, v, w, method, used, loss)


def _penalised_lambda(panel: _Panel, fit: np.ndarray, penalty: float | None, start_vs: list[np.ndarray]) -> float:
    if penalty is not None:
        return _check_penalty(penalty)
    if fit.size < 2:
        raise InvalidInput("penalized synthetic control: choosing lambda needs 2 fit periods; pass penalty=")
    n_valid = max(1, fit.size // 3)
    return penalty_by_holdout(panel.diff, panel.zgap(fit[:-n_valid]), panel.zgap(fit[-n_valid:]), start_vs)


def _check_penalty(penalty: float) -> float:
    if not math.isfinite(penalty) or penalty < 0:
        raise InvalidInput(f"synthetic control: penalty must be a finite number >= 0, got {penalty}")
    return float(penalty)


def _starts(panel: _Panel, fit: np.ndarray, starts: int, seed: int) -> list[np.ndarray]:
    k = panel.diff.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    outcomes = np.column_stack([panel.y1[fit], panel.y0[fit]])
    return [
        np.full(k, 1.0 / k),
        regression_v(panel.scaled, outcomes),
        *(rng.dirichlet(np.ones(k)) for _ in range(starts)),
    ]


def _result(
    data: SynthInput, panel: _Panel, v: np.ndarray, w: np.ndarray, method: str, penalty: float | None, loss: float
) -> SynthResult:
    used = np.flatnonzero(w)  # a donor with no weight must not turn the synthetic series NaN
    synthetic = panel.y0[:, used] @ w[used]
    gaps = panel.y1 - synthetic
    x0 = data.predictors[:, list(data.donors)]
    balance = [
        {
            "predictor": name,
            "treated": float(data.predictors[m, data.treated]),
            "synthetic": float(x0[m] @ w),
            "donor_mean": float(x0[m].mean()),
        }
        for m, name in enumerate(data.predictor_names)
    ]
    return SynthResult(
        weights={data.units[d]: float(w[i]) for i, d in enumerate(data.donors)},
        v={name: float(v[m]) for m, name in enumerate(data.predictor_names)},
        balance=balance,
        synthetic=synthetic,
        gaps=gaps,
        pre_rmspe=_rmspe(gaps[: data.treatment_start]),
        post_rmspe=_rmspe(gaps[data.treatment_start :]),
        method=method,
        penalty=penalty,
        periods=tuple(data.periods),
        mspe_fit=loss,
    )


def _rmspe(gaps: np.ndarray) -> float:
    seen = gaps[np.isfinite(gaps)]
    return float(np.sqrt(np.mean(seen**2))) if seen.size else math.nan
