"""Local statistics pinned to esda (PySAL), to exact permutation distributions and to hand computations."""

from __future__ import annotations

import csv
import itertools
import warnings
from importlib import resources

import numpy as np
import pytest
import scipy.stats
from numpy.testing import assert_allclose, assert_array_equal

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots import local
from bicentennial.hotspots import weights as W

PERMUTATIONS = 999


def _esda(name: str, *args, **kwargs):
    """Run an esda estimator with its notices silenced (future default alternative, star weights, islands)."""
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(esda, name)(*args, **kwargs)


def _libpysal(w: W.Weights, transform: str = "B"):
    """The same neighbour lists as a libpysal W (a fresh one: esda transforms it in place)."""
    import libpysal

    neighbours = {w.ids[i]: [w.ids[j] for j in w.neighbours(i)] for i in range(w.n)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lw = libpysal.weights.W(neighbours, id_order=list(w.ids))
    lw.transform = transform
    return lw


@pytest.fixture(scope="module")
def states():
    """Mexican states (queen) with a homicide-like rate: Poisson counts on Censo 2020 populations, EB-smoothed."""
    w = W.mexico_states()
    text = resources.files("bicentennial.geo").joinpath("data", "mx_estados_2020.csv").read_text("utf-8")
    population = {f"mx:{r['cve_ent']}": float(r["pob_2020"]) for r in csv.DictReader(text.splitlines())}
    pop = np.array([population[a] for a in w.ids])
    rng = np.random.default_rng(2024)
    north_west = np.array([int(a[3:]) in {2, 3, 5, 8, 10, 19, 25, 26, 28, 32} for a in w.ids])
    cases = rng.poisson(pop * 25e-5 * np.where(north_west, 2.5, 1.0) * rng.gamma(8, 1 / 8, w.n))
    return w, local.empirical_bayes_rates(cases, pop) * 1e5


@pytest.fixture(scope="module")
def points():
    """2,000 random points over Mexico, 8 nearest neighbours, a skewed variable with a north–south trend."""
    rng = np.random.default_rng(5)
    coords = np.column_stack([rng.uniform(15, 32, 2000), rng.uniform(-117, -87, 2000)])
    w = W.knn([f"p{i}" for i in range(2000)], coords, 8)
    return w, rng.gamma(2.0, 3.0, 2000) * (1 + (coords[:, 0] - 15) / 10)


@pytest.fixture(scope="module", params=["states", "points"])
def dataset(request, states, points):
    return states if request.param == "states" else points


# ---------------------------------------------------------------- Gi*: statistics and analytical z


@pytest.mark.parametrize("transform", ["R", "B"])
def test_gistar_statistic_and_z_equal_esda(dataset, transform):
    w, y = dataset
    ours = local.gistar(y, w, transform=transform, permutations=0)
    ref = _esda("G_Local", y, _libpysal(w), transform=transform, star=True, permutations=0)
    assert_allclose(ours.statistic, ref.Gs, rtol=1e-9, atol=0)
    assert_allclose(ours.z, ref.Zs, rtol=0, atol=1e-9)
    assert_allclose(ours.p_norm, ref.p_norm, rtol=0, atol=1e-12)  # one-sided, as esda
    assert ours.p_sim is None and ours.quadrant is None
    assert_array_equal(local.gistar(y, w, transform=transform, permutations=9).statistic, ours.statistic)


def test_gistar_row_standardised_by_hand():
    # A path a – b – c: with R, b's Gi* is (y_a + y_b + y_c) / 3 / Σy.
    w = W.Weights.from_lists(["a", "b", "c", "d"], [[1], [0, 2], [1], []], kind="path")
    y = np.array([1.0, 2.0, 6.0, 3.0])
    result = local.gistar(y, w, permutations=0)
    assert_allclose(result.statistic[:3], [(1 + 2) / 2 / 12, (1 + 2 + 6) / 3 / 12, (2 + 6) / 2 / 12])
    assert np.isnan(result.statistic[3]) and np.isnan(result.z[3]) and result.p_norm[3] == 1.0  # island


# ---------------------------------------------------------------- local Moran: statistics, quadrants, moments


@pytest.mark.parametrize("transform", ["R", "B"])
def test_local_moran_statistic_quadrant_and_conditional_z_equal_esda(dataset, transform):
    w, y = dataset
    ours = local.local_moran(y, w, transform=transform, permutations=0)
    ref = _esda("Moran_Local", y, _libpysal(w), transformation=transform, permutations=0)
    assert_allclose(ours.statistic, ref.Is, rtol=1e-9, atol=1e-12)
    assert_array_equal(ours.quadrant, ref.q)
    # Without permutations z is the exact conditional-randomisation z that esda's z_sim estimates.
    assert_allclose(ours.z, (ref.Is - ref.EIc) / np.sqrt(ref.VIc), rtol=0, atol=1e-9)
    assert_allclose(ours.p_norm, scipy.stats.norm.sf(np.abs(ours.z)))


# ---------------------------------------------------------------- permutation inference


def _exact_directed_p(y: np.ndarray, w: W.Weights, i: int, sign: float) -> float:
    """Exact conditional-permutation tail: every set of |N(i)| other areas is equally likely."""
    others = np.delete(y, i)
    observed = y[w.neighbours(i)].sum()
    sums = np.array([others[list(c)].sum() for c in itertools.combinations(range(len(others)), len(w.neighbours(i)))])
    upper = np.mean(sign * sums >= sign * observed - 1e-12)
    return min(upper, 1 - upper)


def test_permutation_p_values_match_the_exact_distribution():
    # A ring of 9 areas, two neighbours each: 28 possible neighbour pairs per area, enumerable.
    n, permutations = 9, 40_000
    w = W.Weights.from_lists([str(i) for i in range(n)], [[(i - 1) % n, (i + 1) % n] for i in range(n)], kind="ring")
    y = np.array([1.0, 2.5, 9.0, 8.0, 7.5, 3.0, 0.5, 4.0, 6.0])
    z = y - y.mean()
    gi = local.gistar(y, w, permutations=permutations, seed=1)
    ii = local.local_moran(y, w, permutations=permutations, seed=1)
    for i in range(n):
        for result, sign in ((gi, 1.0), (ii, np.sign(z[i]))):
            exact = _exact_directed_p(y, w, i, sign)
            tolerance = 4 * np.sqrt(max(exact, 0.01) * (1 - exact) / permutations) + 1 / permutations
            assert abs(result.p_sim[i] - exact) < tolerance, (i, result.p_sim[i], exact)


def test_permutations_are_seeded():
    w = W.Weights.from_lists([str(i) for i in range(30)], [[(i - 1) % 30, (i + 1) % 30] for i in range(30)], kind="r")
    y = np.random.default_rng(0).gamma(2, 2, 30)
    first, again = local.gistar(y, w, seed=3), local.gistar(y, w, seed=3)
    assert_array_equal(first.p_sim, again.p_sim)
    assert not np.array_equal(first.p_sim, local.gistar(y, w, seed=4).p_sim)
    assert local.local_moran(y, w, seed=None).p_sim.shape == (30,)


def test_hot_and_cold_spots_on_a_grid_with_a_planted_cluster():
    side = 12
    ids = [f"{r}-{c}" for r in range(side) for c in range(side)]
    squares = [
        {"type": "Polygon", "coordinates": [[[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1], [c, r]]]}
        for r in range(side)
        for c in range(side)
    ]
    w = W.contiguity(ids, squares)
    rng = np.random.default_rng(8)
    y = rng.gamma(4, 1, side * side)
    hot_block = [r * side + c for r in range(2, 6) for c in range(2, 6)]
    cold_block = [r * side + c for r in range(7, 11) for c in range(7, 11)]
    y[hot_block] *= 4
    y[cold_block] *= 0.1
    results = {c: local.gistar(y, w, seed=2, correction=c) for c in ("none", "fdr", "by")}
    fdr = results["fdr"]
    assert {3 * side + 3, 3 * side + 4, 4 * side + 3, 4 * side + 4} <= set(np.flatnonzero(fdr.hot))
    assert set(np.flatnonzero(fdr.hot)) <= {r * side + c for r in range(1, 7) for c in range(1, 7)}
    assert {8 * side + 8, 9 * side + 9} <= set(np.flatnonzero(fdr.cold))
    assert not np.any(fdr.hot & fdr.cold)
    # Benjamini–Yekutieli is stricter than Benjamini–Hochberg, which is stricter than no control.
    assert np.all(results["by"].hot <= fdr.hot) and np.all(fdr.hot <= results["none"].hot)
    moran = local.local_moran(y, w, seed=2)
    assert np.all(moran.quadrant[moran.hot] == 1) and np.all(moran.quadrant[moran.cold] == 3)
    assert moran.hot[4 * side + 4] and moran.cold[9 * side + 9]


def test_islands_and_degenerate_sites_are_never_significant():
    w = W.Weights.from_lists(["a", "b", "c", "d", "e"], [[1], [0, 2], [1, 3], [2], []], kind="path")
    y = np.array([1.0, 9.0, 8.0, 2.0, 5.0])  # e: an island whose value is the mean (z = 0)
    for result in (local.gistar(y, w, alpha=0.5), local.local_moran(y, w, alpha=0.5)):
        assert np.isnan(result.statistic[4]) and result.p_sim[4] == 1.0 and result.p_norm[4] == 1.0
        assert not result.hot[4] and not result.cold[4]
    # d has a neighbour but z = 0: esda would report p = 1/(permutations + 1); we report 1.
    moran = local.local_moran(np.array([1.0, 9.0, 8.0, 5.0, 2.0]), w)
    assert moran.statistic[3] == 0.0 and moran.p_sim[3] == 1.0 and np.isnan(moran.z[3])


@pytest.mark.slow
@pytest.mark.parametrize("statistic", ["gistar", "local_moran"])
def test_pseudo_p_values_agree_with_esda_within_monte_carlo_error(dataset, statistic):
    w, y = dataset
    if statistic == "gistar":
        ours = local.gistar(y, w, permutations=PERMUTATIONS, seed=11)
        ref = _esda("G_Local", y, _libpysal(w), transform="R", star=True, permutations=PERMUTATIONS, seed=3, n_jobs=1)
    else:
        ours = local.local_moran(y, w, permutations=PERMUTATIONS, seed=11)
        ref = _esda("Moran_Local", y, _libpysal(w), transformation="R", permutations=PERMUTATIONS, seed=3, n_jobs=1)
        # z_sim standardises Ii by the mean and sd of the permuted values: with 999 skewed draws
        # its Monte Carlo error is a few hundredths plus a few percent of z; 0.2·(1 + |z|) is ~4 SE.
        assert np.all(np.abs(ours.z - ref.z_sim) <= 0.2 * (1 + np.abs(ref.z_sim)))
        assert_allclose(ours.p_norm, scipy.stats.norm.sf(np.abs(ours.z)))  # p_z_sim's definition
    p_bar = (ours.p_sim + ref.p_sim) / 2
    standard_error = np.sqrt(2 * p_bar * (1 - p_bar) / PERMUTATIONS)  # difference of two estimates
    assert np.all(np.abs(ours.p_sim - ref.p_sim) <= 4 * standard_error + 1 / (PERMUTATIONS + 1))


# ---------------------------------------------------------------- rates and multiple testing


def test_empirical_bayes_rates_equal_esda():
    rng = np.random.default_rng(4)
    population = rng.integers(500, 200_000, 300).astype(float)
    cases = rng.poisson(population * 2e-4 * rng.gamma(2, 0.5, 300)).astype(float)
    from esda.smoothing import Empirical_Bayes

    ref = Empirical_Bayes(cases, population).r.ravel()
    assert np.ptp(ref) > 0  # a case with real between-area variation, where esda and Marshall agree
    assert_allclose(local.empirical_bayes_rates(cases, population), ref, rtol=1e-12)


def test_empirical_bayes_with_no_excess_variation_returns_the_overall_rate():
    # Crude rates vary less than Poisson noise alone would make them: Marshall's between-area
    # variance is negative, so every area gets the overall rate 30 / 30,000 (esda would not clamp).
    cases = np.array([10.0, 10.0, 10.0])
    population = np.array([10_000.0, 10_000.0, 10_000.0])
    assert_allclose(local.empirical_bayes_rates(cases, population), [1e-3, 1e-3, 1e-3])


def test_adjust_p_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    # Benjamini–Hochberg: sorted p·m/rank = .04, .06, .0533, .2, then running minimum from the top.
    assert_allclose(local.adjust_p(p, "fdr"), [0.04, 0.16 / 3, 0.16 / 3, 0.2])
    # Benjamini–Yekutieli multiplies by 1 + 1/2 + 1/3 + 1/4 = 25/12.
    assert_allclose(local.adjust_p(p, "by"), np.minimum(np.array([0.04, 0.16 / 3, 0.16 / 3, 0.2]) * 25 / 12, 1))
    assert_array_equal(local.adjust_p(p, "none"), p)
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        local.adjust_p(np.array([0.5, 1.5]), "fdr")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: local.gistar(np.ones(3), w), "3 values for 4 areas"),
        (lambda w: local.gistar(np.array([1, np.nan, 2, 3]), w), "area 'b' is not a finite number"),
        (lambda w: local.gistar(np.array([1, -2, 2, 3]), w), "non-negative"),
        (lambda w: local.local_moran(np.full(4, 2.0), w), "all equal"),
        (lambda w: local.gistar(np.ones(4), w, transform="D"), "transform"),
        (lambda w: local.local_moran(np.arange(4.0), w, permutations=-1), "permutations"),
        (lambda w: local.gistar(np.arange(4.0), w, alpha=5), "alpha"),
        (lambda w: local.gistar(np.arange(4.0), w, correction="holm"), "correction"),
        (lambda _: local.empirical_bayes_rates(np.array([1.0, 2.0]), np.array([10.0, 0.0])), "population: area 1"),
        (lambda _: local.empirical_bayes_rates(np.array([-1.0]), np.array([10.0])), "cases: area 0"),
    ],
)
def test_bad_input_is_named(call, message):
    w = W.Weights.from_lists(["a", "b", "c", "d"], [[1], [0, 2], [1, 3], [2]], kind="path")
    with pytest.raises(InvalidInput, match=message):
        call(w)
