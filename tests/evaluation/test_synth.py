"""Synthetic control: the Basque Country of Abadie & Gardeazabal (2003), pysyncon as the peer.

The published synthetic Basque Country is 0.8508 Cataluña + 0.1492 Madrid; pysyncon (MIT) gives the
peer's inner solution for a given V (its Synth, PenalizedSynth and the ridge step of AugSynth), and
scipy's SLSQP the peer of the active-set QP on small random problems.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize

from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation.placebos import in_space_placebos, in_time_placebo, leave_one_out
from bicentennial.evaluation.synth import SynthInput, SynthResult, synthetic_control
from bicentennial.evaluation.synth_solver import PENALTY_GRID, matched_weights, solve_v, weights_for_v
from tests.conftest import SHARED

BASQUE_CSV = SHARED / "evaluation" / "basque.csv"
BASQUE = "Basque Country (Pais Vasco)"
CATALUNA, MADRID = "Cataluna", "Madrid (Comunidad De)"
SCHOOL = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
SECTORS = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction", "sec.services.venta"]
SECTORS += ["sec.services.nonventa"]
# SOURCES.md's predictors, in the order of pysyncon's covariate matrix so that V lines up.
PREDICTORS = [(c, range(1964, 1970)) for c in [*SCHOOL, "invest"]]
PREDICTORS += [("gdpcap", range(1960, 1970))] + [(c, range(1961, 1970, 2)) for c in SECTORS]
PREDICTORS += [("popdens", range(1969, 1970))]


def _frame() -> pd.DataFrame:
    return pd.read_csv(BASQUE_CSV)


def basque_input() -> SynthInput:
    """Predictors built as SOURCES.md says: window means skipping NaN; Spain (the aggregate) dropped."""
    df = _frame()
    df = df[df.regionname != "Spain (Espana)"]
    units = tuple(dict.fromkeys(df.regionname))
    years = sorted(int(y) for y in df.year.unique())

    def wide(col: str) -> pd.DataFrame:
        return df.pivot(index="regionname", columns="year", values=col).loc[list(units)]

    treated = units.index(BASQUE)
    return SynthInput(
        units=units,
        periods=tuple(str(y) for y in years),
        outcome=wide("gdpcap").to_numpy(float),
        predictors=np.array([wide(c)[list(span)].mean(axis=1).to_numpy() for c, span in PREDICTORS]),
        predictor_names=tuple(f"{c} {span[0]}" + (f"-{span[-1]}" if len(span) > 1 else "") for c, span in PREDICTORS),
        treated=treated,
        donors=tuple(i for i in range(len(units)) if i != treated),
        treatment_start=years.index(1970),
        fit_periods=tuple(range(years.index(1960), years.index(1970))),
    )


def pysyncon_dataprep():  # type: ignore[no-untyped-def]
    from pysyncon import Dataprep

    df = _frame()
    return Dataprep(
        foo=df,
        predictors=[*SCHOOL, "invest"],
        predictors_op="mean",
        time_predictors_prior=range(1964, 1970),
        special_predictors=[("gdpcap", range(1960, 1970), "mean")]
        + [(c, range(1961, 1970, 2), "mean") for c in SECTORS]
        + [("popdens", [1969], "mean")],
        dependent="gdpcap",
        unit_variable="regionname",
        time_variable="year",
        treatment_identifier=BASQUE,
        controls_identifier=[r for r in df.regionname.unique() if r not in ("Spain (Espana)", BASQUE)],
        time_optimize_ssr=range(1960, 1970),
    )


@pytest.fixture(scope="module")
def basque() -> SynthInput:
    return basque_input()


@pytest.fixture(scope="module")
def fit(basque: SynthInput) -> SynthResult:
    return synthetic_control(basque)


def _years(data: SynthInput, first: int, last: int) -> list[int]:
    return [data.periods.index(str(y)) for y in range(first, last + 1)]


def test_basque_reproduces_the_published_synthetic_control(basque: SynthInput, fit: SynthResult) -> None:
    assert_allclose([fit.weights[CATALUNA], fit.weights[MADRID]], [0.8508, 0.1492], atol=0.02)
    assert max(w for u, w in fit.weights.items() if u not in (CATALUNA, MADRID)) < 0.02
    assert_allclose(sum(fit.weights.values()), 1.0, rtol=1e-12)
    assert_allclose(sum(fit.v.values()), 1.0, rtol=1e-12)
    gdp = basque.outcome[basque.treated]
    # Before 1970 the synthetic tracks the Basque Country within 4 % of GDP per capita ...
    assert np.abs(fit.gaps[: basque.treatment_start] / gdp[: basque.treatment_start]).max() < 0.04
    # ... then the gap opens, negative from 1977, about -10 % in the late 1980s and 1990s.
    assert (fit.gaps[_years(basque, 1977, 1997)] < 0).all()
    late = _years(basque, 1987, 1997)
    assert -0.13 < float(np.mean(fit.gaps[late] / gdp[late])) < -0.08
    assert fit.post_rmspe > 5 * fit.pre_rmspe
    # Balance as R Synth's synth.tab prints it for this example (treated, synthetic, sample mean).
    rows = {row["predictor"]: row for row in fit.balance}
    gdp_row = rows["gdpcap 1960-1969"]
    assert_allclose([gdp_row["treated"], gdp_row["synthetic"], gdp_row["donor_mean"]], [5.285, 5.271, 3.581], atol=2e-3)
    pop_row = rows["popdens 1969"]
    assert_allclose(
        [pop_row["treated"], pop_row["synthetic"], pop_row["donor_mean"]], [246.89, 196.28, 99.41], atol=0.02
    )


def test_predictors_match_pysyncon_dataprep(basque: SynthInput) -> None:
    x0, x1 = pysyncon_dataprep().make_covariate_mats()
    donors = [basque.units[d] for d in basque.donors]
    assert_allclose(basque.predictors[:, list(basque.donors)], x0[donors].to_numpy(), rtol=1e-12)
    assert_allclose(basque.predictors[:, basque.treated], x1.to_numpy(), rtol=1e-12)


def test_weights_and_gaps_match_pysyncon_for_our_v(basque: SynthInput, fit: SynthResult) -> None:
    from pysyncon import Synth

    dataprep = pysyncon_dataprep()
    peer = Synth()
    peer.fit(dataprep=dataprep, custom_V=np.array(list(fit.v.values())))
    names = list(dataprep.controls_identifier)
    assert_allclose([fit.weights[n] for n in names], peer.W, atol=2e-3)
    z0, z1 = dataprep.make_outcome_mats(time_period=range(1955, 1998))
    assert_allclose(fit.gaps, (z1 - z0[names] @ peer.W).to_numpy(), atol=0.01)
    # Same objective as Synth's fn.V: the outcome MSPE over 1960-69.
    assert_allclose(fit.mspe_fit, peer.loss_V, rtol=1e-3)


@pytest.mark.slow
def test_our_v_search_beats_pysyncon_nelder_mead(basque: SynthInput, fit: SynthResult) -> None:
    from pysyncon import Synth

    peer = Synth()
    peer.fit(dataprep=pysyncon_dataprep(), optim_method="Nelder-Mead", optim_initial="equal")
    # pysyncon stops at a local optimum (MSPE 0.040, 0.92 Cataluña); ours reaches R Synth's (0.0089).
    assert peer.loss_V is not None and fit.mspe_fit < peer.loss_V
    assert_allclose(fit.mspe_fit, 0.00886, rtol=0.01)
    z0, z1 = pysyncon_dataprep().make_outcome_mats(time_period=range(1955, 1998))
    peer_gaps = (z1 - z0 @ peer.W).to_numpy()
    late = _years(basque, 1987, 1997)
    assert_allclose(fit.gaps[late], peer_gaps[late], atol=0.3)  # the same story, about -1 (thousand USD)


def test_penalized_weights_match_pysyncon(basque: SynthInput) -> None:
    from pysyncon import PenalizedSynth

    result = synthetic_control(basque, method="penalized", penalty=0.1, starts=0)
    assert result.method == "penalized" and result.penalty == 0.1
    x0, x1 = pysyncon_dataprep().make_covariate_mats()
    peer = PenalizedSynth()
    peer.fit(X0=x0, X1=x1, lambda_=0.1, custom_V=np.array(list(result.v.values())))
    assert_allclose([result.weights[n] for n in x0.columns], peer.W, atol=2e-3)
    # A large penalty is nearest-neighbour matching: one donor (Abadie & L'Hour 2021).
    nearest = synthetic_control(basque, method="penalized", penalty=1e6, starts=0)
    assert max(nearest.weights.values()) == pytest.approx(1.0)


def test_penalized_lambda_by_holdout_is_on_the_grid(basque: SynthInput, fit: SynthResult) -> None:
    result = synthetic_control(basque, method="penalized", starts=0)
    assert result.penalty in PENALTY_GRID
    assert result.penalty == 0.0  # on the Basque data no penalty predicts 1967-69 better than none
    assert_allclose(result.weights[CATALUNA], fit.weights[CATALUNA], atol=1e-6)


def test_augmented_is_synth_plus_pysyncon_ridge_step(basque: SynthInput, fit: SynthResult) -> None:
    from pysyncon import AugSynth

    pre = basque.treatment_start
    y0 = basque.outcome[list(basque.donors), :pre].T
    mean = y0.mean(axis=1)
    w = np.array([fit.weights[basque.units[d]] for d in basque.donors])
    step = AugSynth.solve_ridge(basque.outcome[basque.treated, :pre] - mean, y0 - mean[:, None], w, 0.5)
    result = synthetic_control(basque, method="augmented", penalty=0.5)
    assert_allclose([result.weights[basque.units[d]] for d in basque.donors], w + step, atol=1e-8)
    assert_allclose(sum(result.weights.values()), 1.0, rtol=1e-10)
    assert result.pre_rmspe < fit.pre_rmspe


def test_augmented_ridge_cv_matches_augsynth_choice(basque: SynthInput, fit: SynthResult) -> None:
    from pysyncon import AugSynth, Dataprep

    df = _frame()
    dataprep = Dataprep(
        foo=df,
        predictors=[],
        predictors_op="mean",
        time_predictors_prior=range(1955, 1970),
        dependent="gdpcap",
        unit_variable="regionname",
        time_variable="year",
        treatment_identifier=BASQUE,
        controls_identifier=[basque.units[d] for d in basque.donors],
        time_optimize_ssr=range(1955, 1970),
    )
    peer = AugSynth()
    peer.fit(dataprep=dataprep, use_covariates=False)
    result = synthetic_control(basque, method="augmented")
    # Same grid (from Y0's top singular value) and 1-SE rule; pysyncon refits W per fold, we keep
    # the predictor-based W, and both pick the same lambda here.
    assert result.penalty == pytest.approx(peer.lambda_, rel=1e-9)
    assert min(result.weights.values()) < 0  # extrapolation, as documented
    assert result.pre_rmspe < 0.1 * fit.pre_rmspe


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_active_set_qp_matches_slsqp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(20):
        k, n = int(rng.integers(1, 7)), int(rng.integers(2, 25))
        diff = rng.normal(size=(k, n)) - rng.normal(size=(k, 1)) * rng.choice([0.3, 3.0])
        v, lam = rng.dirichlet(np.ones(k)), float(rng.choice([0.0, 0.2]))
        cost = lam * (v[:, None] * diff**2).sum(axis=0)

        def objective(w: np.ndarray, diff: np.ndarray = diff, v: np.ndarray = v, cost: np.ndarray = cost) -> float:
            r = diff @ w
            return float(r @ (v * r) + cost @ w)

        w = weights_for_v(v, diff, lam)
        assert w.min() >= 0 and w.sum() == pytest.approx(1.0)
        best = min(
            minimize(
                objective,
                rng.dirichlet(np.ones(n)),
                method="SLSQP",
                bounds=[(0, 1)] * n,
                constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
                options={"ftol": 1e-14, "maxiter": 500},
            ).fun
            for _ in range(3)
        )
        assert objective(w) <= best + 1e-9


def test_warm_start_gives_the_cold_solution() -> None:
    rng = np.random.default_rng(7)
    diff = np.ascontiguousarray(rng.normal(size=(5, 300)) - 2.0)
    zgap = np.zeros((0, 300))
    support, lam = np.empty(8, dtype=np.int64), np.empty(8)
    m = 0
    for v in rng.dirichlet(np.ones(5), size=30):
        _, m = solve_v(v, diff, 0.0, zgap, support, lam, m, 0.0)
        warm = np.zeros(300)
        warm[support[:m]] = lam[:m]
        assert_allclose(warm, weights_for_v(v, diff, 0.0), atol=1e-10)


def test_matched_weights_are_the_best_exact_match() -> None:
    rng = np.random.default_rng(3)
    k, n, t = 2, 12, 6
    x0 = rng.normal(size=(k, n))
    diff = x0 - x0 @ rng.dirichlet(np.ones(n))[:, None]  # the treated unit is inside the hull
    zgap = rng.normal(size=(t, n))
    w = matched_weights(diff, zgap)
    assert w is not None
    assert_allclose(diff @ w, 0.0, atol=1e-5)
    peer = minimize(
        lambda w: float(np.mean((zgap @ w) ** 2)),
        np.full(n, 1 / n),
        method="SLSQP",
        bounds=[(0, 1)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}, {"type": "eq", "fun": lambda w: diff @ w}],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    assert float(np.mean((zgap @ w) ** 2)) <= peer.fun + 1e-6
    assert matched_weights(diff - 10.0, zgap) is None  # outside the hull: V decides, no shortcut


def test_fit_is_deterministic_and_synth_starts_reproduce(basque: SynthInput, fit: SynthResult) -> None:
    assert_array_equal(synthetic_control(basque).gaps, fit.gaps)
    # Synth's own procedure (equal and regression-based starts only) lands on the published weights.
    synth_starts = synthetic_control(basque, starts=0)
    assert_allclose([synth_starts.weights[CATALUNA], synth_starts.weights[MADRID]], [0.8508, 0.1492], atol=0.02)


@pytest.mark.slow
def test_random_starts_can_find_a_lower_mspe_than_synth(basque: SynthInput, fit: SynthResult) -> None:
    # The V problem is multimodal: Synth's solution is a local minimum (restarts and Powell stay
    # there), and another seed of the random starts reaches a lower one with other weights.
    other = synthetic_control(basque, seed=1)
    assert other.mspe_fit < 0.6 * fit.mspe_fit
    assert_allclose([other.weights[CATALUNA], other.weights["Baleares (Islas)"]], [0.633, 0.219], atol=0.01)
    # Peer check of that V's inner problem: SLSQP with tight tolerances finds no better W.
    x0, x1 = pysyncon_dataprep().make_covariate_mats()
    sd = np.column_stack([x0, x1]).std(axis=1, ddof=1)
    a, b = x0.to_numpy() / sd[:, None], x1.to_numpy() / sd
    v = np.array(list(other.v.values()))

    def inner(w: np.ndarray) -> float:
        r = b - a @ w
        return float(r @ (v * r))

    peer = min(
        minimize(
            inner,
            np.random.default_rng(i).dirichlet(np.ones(a.shape[1])),
            method="SLSQP",
            bounds=[(0, 1)] * a.shape[1],
            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
            options={"ftol": 1e-15, "maxiter": 2000},
        ).fun
        for i in range(3)
    )
    assert inner(np.array([other.weights[n] for n in x0.columns])) <= peer * (1 + 1e-6)


def test_missing_donor_outcome_outside_fit_periods_is_tolerated(basque: SynthInput, fit: SynthResult) -> None:
    y = basque.outcome.copy()
    year = basque.periods.index("1990")
    y[basque.units.index("Aragon"), year] = np.nan  # no weight: the series stays complete
    y[basque.units.index(CATALUNA), basque.periods.index("1995")] = np.nan  # weighted: that year is NaN
    result = synthetic_control(replace(basque, outcome=y), starts=0)
    assert np.isfinite(result.synthetic[year])
    assert np.isnan(result.gaps[basque.periods.index("1995")])
    assert math.isfinite(result.post_rmspe)
    assert_allclose(result.weights[CATALUNA], fit.weights[CATALUNA], atol=1e-6)


def _bad_inputs(data: SynthInput) -> list[tuple[SynthInput, str]]:
    x = data.predictors.copy()
    x[6, data.treated] = np.nan
    flat = data.predictors.copy()
    flat[3] = 2.5
    y = data.outcome.copy()
    y[data.treated, 2] = np.nan
    hole = data.outcome.copy()
    hole[data.units.index("Galicia"), data.periods.index("1963")] = np.nan
    return [
        (replace(data, predictors=x), f"predictor 'gdpcap 1960-1969' is missing (NaN) for unit '{BASQUE}'"),
        (replace(data, predictors=flat), "predictor 'school.high 1964-1969' does not vary"),
        (replace(data, donors=(*data.donors, data.treated)), f"treated unit '{BASQUE}' is also among the donors"),
        (replace(data, treatment_start=1, fit_periods=(0,)), "too few pre-treatment periods"),
        (replace(data, outcome=y), f"treated unit '{BASQUE}' is missing (NaN) in pre-treatment period '1957'"),
        (replace(data, outcome=hole), "donor 'Galicia' is missing (NaN) in fit period '1963'"),
        (replace(data, fit_periods=(*data.fit_periods, data.treatment_start)), "fit periods must be"),
        (replace(data, donors=()), "donors"),
        (replace(data, predictor_names=data.predictor_names[:-1]), "predictors x units"),
    ]


def test_bad_input_raises_invalid_input(basque: SynthInput) -> None:
    for data, message in _bad_inputs(basque):
        with pytest.raises(InvalidInput, match=re.escape(message)):
            synthetic_control(data)
    with pytest.raises(InvalidInput, match="unknown method"):
        synthetic_control(basque, method="lasso")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="penalty must be"):
        synthetic_control(basque, method="penalized", penalty=-1.0)
    with pytest.raises(InvalidInput, match="fake start"):
        in_time_placebo(basque, fake_start=basque.treatment_start)


def _small(data: SynthInput) -> SynthInput:
    keep = [data.units.index(u) for u in (CATALUNA, MADRID, "Aragon", "Rioja (La)", "Galicia")]
    return replace(data, donors=tuple(keep))


def test_in_space_placebos_rank_and_progress(basque: SynthInput) -> None:
    data = _small(basque)
    seen: list[tuple[int, int]] = []
    result = in_space_placebos(data, progress=lambda d, t: seen.append((d, t)), starts=0)
    assert seen[0] == (1, 6) and seen[-1] == (6, 6)
    assert set(result.gaps) == {BASQUE, CATALUNA, MADRID, "Aragon", "Rioja (La)", "Galicia"}
    # Each placebo is the unit fitted from the other donors, the Basque Country left out.
    cat = data.units.index(CATALUNA)
    direct = synthetic_control(replace(data, treated=cat, donors=tuple(d for d in data.donors if d != cat)), starts=0)
    assert_array_equal(result.gaps[CATALUNA], direct.gaps)
    kept = [u for u in result.gaps if u not in result.excluded]
    assert all(result.pre_rmspe[u] <= 5 * result.pre_rmspe[BASQUE] for u in kept)
    rank = sum(result.rmspe_ratio[u] >= result.rmspe_ratio[BASQUE] for u in kept)
    assert result.p_value == rank / len(kept)
    assert result.rule == "pre-RMSPE > 5 × treated's"


def test_placebo_that_cannot_be_fitted_is_excluded(basque: SynthInput) -> None:
    y = basque.outcome.copy()
    y[basque.units.index("Aragon"), basque.periods.index("1956")] = np.nan  # fine as a donor, not as treated
    data = replace(_small(basque), outcome=y)
    result = in_space_placebos(data, exclude_above=None, starts=0)
    assert result.rule == "none"
    assert result.excluded == ("Aragon",)
    assert math.isnan(result.rmspe_ratio["Aragon"]) and np.isnan(result.gaps["Aragon"]).all()
    kept = [u for u in result.gaps if u != "Aragon"]
    rank = sum(result.rmspe_ratio[u] >= result.rmspe_ratio[BASQUE] for u in kept)
    assert result.p_value == rank / len(kept)


def test_leave_one_out_with_a_single_donor_is_empty(basque: SynthInput) -> None:
    only = replace(basque, donors=(basque.units.index(CATALUNA),))
    assert leave_one_out(only, starts=0) == {}


@pytest.mark.slow
def test_in_space_placebos_basque(basque: SynthInput, fit: SynthResult) -> None:
    result = in_space_placebos(basque)
    # Madrid, the richest region, cannot be reproduced from the others: excluded by the rule.
    assert result.excluded == (MADRID,)
    assert_allclose(result.rmspe_ratio[BASQUE], fit.post_rmspe / fit.pre_rmspe)
    assert_allclose(result.rmspe_ratio[BASQUE], 7.75, rtol=0.01)
    kept = [u for u in result.gaps if u not in result.excluded]
    rank = sum(result.rmspe_ratio[u] >= result.rmspe_ratio[BASQUE] for u in kept)
    assert result.p_value == rank / len(kept)
    # Our finding: the Basque ratio ranks in the middle (7th of 16 kept, p = 0.44): regions fitted
    # very closely before 1970 (Andalucía, Asturias, Navarra, Cantabria) have larger ratios.
    # pysyncon's PlaceboTest with its own optimiser gives p = 0.65. The Basque gap is large in
    # level, not in the ratio ranking.
    assert 0.3 <= result.p_value <= 0.8


@pytest.mark.slow
def test_placebos_identical_across_workers(basque: SynthInput) -> None:
    data = _small(basque)
    here = in_space_placebos(data, starts=1)
    pool = in_space_placebos(data, starts=1, workers=2)
    for unit, gaps in here.gaps.items():
        assert_array_equal(pool.gaps[unit], gaps)
    assert pool.p_value == here.p_value


@pytest.mark.slow
def test_leave_one_out_on_dask_matches_in_process(basque: SynthInput) -> None:
    from distributed import LocalCluster

    here = leave_one_out(basque, starts=0)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = leave_one_out(basque, starts=0, scheduler=cluster.scheduler_address)
    assert set(remote) == set(here) == {CATALUNA, MADRID}
    for unit, gaps in here.items():
        assert_array_equal(remote[unit], gaps)


@pytest.mark.slow
def test_leave_one_out_keeps_the_gap(basque: SynthInput, fit: SynthResult) -> None:
    result = leave_one_out(basque)
    assert set(result) == {CATALUNA, MADRID}  # only the donors with weight are dropped
    gdp = basque.outcome[basque.treated]
    late = _years(basque, 1987, 1997)
    base = float(np.mean(fit.gaps[late] / gdp[late]))
    post = _years(basque, 1978, 1997)
    for gaps in result.values():
        # Without Cataluña the late gap is -11.9 %, without Madrid -14.8 % (base -10.6 %): same
        # sign, same timing, within half of the estimate; no single region drives it.
        share = float(np.mean(gaps[late] / gdp[late]))
        assert base * 1.5 < share < base * 0.5
        assert (gaps[post] < 0).all()


@pytest.mark.slow
def test_in_time_placebo_1965_shows_no_gap(basque: SynthInput, fit: SynthResult) -> None:
    start = basque.periods.index("1965")
    result = in_time_placebo(basque, fake_start=start)
    assert result.periods == basque.periods[: basque.treatment_start]
    window = result.gaps[start:]
    # 1965-69: the gap stays inside the band of the placebo's own pre-1965 misfit (+0.12 to +0.17
    # thousand USD, under 3.1 % of GDP per capita, the wrong sign for an effect), where the real
    # effect reaches -1 (-10 %).
    assert np.abs(window).max() <= np.abs(result.gaps[:start]).max()
    assert result.post_rmspe < 2 * result.pre_rmspe
    assert result.post_rmspe < 0.25 * fit.post_rmspe
