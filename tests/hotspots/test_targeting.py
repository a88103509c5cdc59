"""Task-force targeting: empirical Bayes pinned to esda and by hand; grouping, PAI and WDQ on hand-computed cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from numpy.typing import NDArray

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.displacement import displacement_check
from bicentennial.hotspots.targeting import expected_counts, predictive_accuracy, rank_targets
from bicentennial.hotspots.weights import Weights


def _chain(n: int) -> Weights:
    """Areas 0 - 1 - ... - (n-1) in a line."""
    return Weights.from_lists(
        [f"m{i}" for i in range(n)], [[j for j in (i - 1, i + 1) if 0 <= j < n] for i in range(n)], kind="chain"
    )


def _monthly(last12: list[int], months: int = 12) -> NDArray[np.float64]:
    """Cases whose last 12 months sum to ``last12`` per area (all in the final month, earlier months 0)."""
    cases = np.zeros((len(last12), months))
    cases[:, -1] = last12
    return cases


# --- expected counts ---------------------------------------------------------------------------


def test_empirical_bayes_by_hand() -> None:
    # y = (10, 0, 2), P = (1000, 1000, 2000): b = 12/4000 = 0.003, r = (0.01, 0, 0.001),
    # s2 = (1000 * 0.007^2 + 1000 * 0.003^2 + 2000 * 0.002^2) / 4000 = 1.65e-5, b / mean(P) = 2.25e-6,
    # a = 1.425e-5; weight_1 = a / (a + b / 1000) = 1.425 / 1.725; theta_1 = 0.003 + weight_1 * 0.007.
    expected = expected_counts(_monthly([10, 0, 2]), [1000, 1000, 2000])
    a = 1.65e-5 - 2.25e-6
    weights = a / (a + 0.003 / np.array([1000.0, 1000.0, 2000.0]))
    theta = 0.003 + weights * (np.array([0.01, 0.0, 0.001]) - 0.003)
    assert_allclose(expected, theta * [1000, 1000, 2000], rtol=1e-12)
    assert_allclose(expected[0], (0.003 + 1.425 / 1.725 * 0.007) * 1000, rtol=1e-12)


def test_empirical_bayes_matches_esda() -> None:
    rng = np.random.default_rng(4)
    population = rng.integers(2_000, 900_000, size=60).astype(float)
    cases = rng.poisson(population[:, None] * rng.gamma(2.0, 1e-5 / 2, size=(60, 1)), size=(60, 24)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from esda.smoothing import Empirical_Bayes

        reference = Empirical_Bayes(cases[:, -12:].sum(axis=1), population).r.ravel() * population
    assert_allclose(expected_counts(cases, population), reference, rtol=1e-10)


def test_no_between_area_variance_shrinks_everyone_to_the_national_rate() -> None:
    # Equal rates: s2 = 0 < b / mean(P), so a is truncated to 0 (Marshall 1991) and theta = b for all.
    expected = expected_counts(_monthly([1, 2, 4]), [1000, 2000, 4000])
    assert_allclose(expected, [1.0, 2.0, 4.0], rtol=1e-12)


def test_a_shorter_window_is_scaled_to_twelve_months() -> None:
    cases = np.zeros((2, 6))
    cases[:, -6:] = [[1, 0, 1, 0, 1, 0], [0, 0, 0, 0, 0, 1]]
    # Same population, so a = s2 - b / P: y = (3, 1), b = 4/2000, s2 = (1000 * 0.001^2 * 2) / 2000 = 1e-6,
    # a = 1e-6 - 2e-6 < 0 -> 0: both get b * P = 2 per six months, 4 per twelve.
    assert_allclose(expected_counts(cases, [1000, 1000], window=6), [4.0, 4.0])


# --- ranking -----------------------------------------------------------------------------------


def test_ranking_without_grouping_orders_by_expected_and_accumulates_shares() -> None:
    cases = _monthly([1, 5, 9, 2, 8, 0])
    population = np.full(6, 1000.0)
    expected = expected_counts(cases, population)
    result = rank_targets(cases, population, teams=3)
    assert [t.areas for t in result.targets] == [(2,), (4,), (1,)]
    assert [t.rank for t in result.targets] == [1, 2, 3]
    assert [t.last12_count for t in result.targets] == [9, 8, 5]
    assert_allclose([t.last12_rate for t in result.targets], [900.0, 800.0, 500.0])
    assert_allclose([t.expected for t in result.targets], expected[[2, 4, 1]])
    assert_allclose(result.targets[1].cumulative_share, expected[[2, 4]].sum() / expected.sum())
    assert result.covered_share == result.targets[-1].cumulative_share


def test_ties_break_on_recent_count_then_position() -> None:
    # No homicides anywhere: every expected count is 0, so ranks fall back on the area order.
    result = rank_targets(np.zeros((3, 12)), [10.0, 10.0, 10.0], teams=2)
    assert [t.areas for t in result.targets] == [(0,), (1,)]
    assert math.isnan(result.covered_share)


@pytest.mark.parametrize(
    ("cap", "groups"),
    [
        (2500.0, [(2, 1), (4, 3)]),  # two areas fit under the cap
        (3500.0, [(2, 1, 3), (4, 5)]),  # 3 (2 cases) beats 0 (1 case); area 4 is then the next seed
        (500.0, [(2,), (4,)]),  # a seed bigger than the cap stays alone
    ],
)
def test_groups_grow_greedily_through_contiguous_neighbours_under_the_cap(
    cap: float, groups: list[tuple[int, ...]]
) -> None:
    cases = _monthly([1, 5, 9, 2, 8, 0])
    result = rank_targets(cases, np.full(6, 1000.0), teams=2, weights=_chain(6), group_population_cap=cap)
    assert [t.areas for t in result.targets] == groups
    expected = expected_counts(cases, np.full(6, 1000.0))
    for target in result.targets:
        assert_allclose(target.expected, expected[list(target.areas)].sum())
        assert target.last12_count == int(cases[list(target.areas)].sum())
        assert_allclose(target.last12_rate, target.last12_count / (1000.0 * len(target.areas)) * 1e5)


def test_a_hot_area_that_is_not_a_neighbour_is_never_absorbed() -> None:
    # 0 and 2 are hot but not neighbours (chain 0 - 1 - 2 is broken: 1 links only to 0).
    w = Weights.from_lists(["a", "b", "c"], [[1], [0], []], kind="custom")
    result = rank_targets(_monthly([9, 0, 8]), np.full(3, 1000.0), teams=2, weights=w, group_population_cap=5000.0)
    assert [t.areas for t in result.targets] == [(0, 1), (2,)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": _chain(3)}, "go together"),
        ({"group_population_cap": 10.0}, "go together"),
        ({"teams": 0}, "teams"),
        ({"window": 13}, "window"),
        ({"weights": _chain(2), "group_population_cap": 10.0}, "2 areas"),
    ],
)
def test_bad_arguments_raise_invalid_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"teams": 1, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        rank_targets(_monthly([1, 2, 3]), [10.0, 10.0, 10.0], **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cases", "population", "message"),
    [
        (np.array([[1.0, -1.0]]), [10.0], r"cases: area 0, period 1 is -1.0"),
        (np.array([[1.0, 0.5]]), [10.0], r"period 1 is 0.5"),
        (np.array([[1.0, 1.0]]), [0.0], r"population: area 0 is 0.0"),
        (np.array([[1.0, 1.0]]), [1.0, 2.0], r"one value per area \(1\)"),
    ],
)
def test_bad_data_names_the_area_and_field(cases: NDArray[np.float64], population: list[float], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        rank_targets(cases, population, teams=1, window=2)


# --- predictive accuracy -----------------------------------------------------------------------


def test_hit_rate_and_pai_by_hand() -> None:
    cases = np.zeros((4, 24))
    cases[:, 11] = [7, 1, 1, 1]  # training year: area 0 is the top area
    cases[:, 12:] = 0
    cases[:, 15] = [6, 2, 1, 1]  # the following year: 6 of 10 homicides in area 0
    population = np.full(4, 5000.0)
    by_area = predictive_accuracy(cases, population, train_end=12, top=1, area_km2=[1.0, 2.0, 3.0, 4.0])
    assert_allclose([by_area["hit_rate"], by_area["area_share"], by_area["pai"]], [0.6, 0.1, 6.0])
    by_people = predictive_accuracy(cases, population, train_end=12, top=1)
    assert_allclose([by_people["hit_rate"], by_people["area_share"], by_people["pai"]], [0.6, 0.25, 2.4])


def test_horizon_without_homicides_gives_nan_hit_rate() -> None:
    cases = np.zeros((2, 13))
    cases[0, 0] = 1
    result = predictive_accuracy(cases, [1.0, 1.0], train_end=12, horizon=1, top=1)
    assert math.isnan(result["hit_rate"])
    assert math.isnan(result["pai"])


def test_horizon_past_the_data_is_refused() -> None:
    with pytest.raises(InvalidInput, match="horizon"):
        predictive_accuracy(np.zeros((2, 20)), [1.0, 1.0], train_end=12, horizon=12, top=1)


# --- displacement ------------------------------------------------------------------------------


def _deployment_cases() -> NDArray[np.float64]:
    # Chain 0-1-2-3-4, target 2, ring {1, 3}, control {0, 4}; periods 0-2 before, 3-5 during.
    cases = np.zeros((5, 6))
    cases[2, :3], cases[2, 3:] = [7, 7, 6], [4, 3, 3]  # target: 20 -> 10
    cases[1, :3], cases[1, 3:] = [5, 5, 5], [9, 9, 0]  # ring: 30 -> 36 (with area 3)
    cases[3, :3], cases[3, 3:] = [5, 5, 5], [6, 6, 6]
    cases[0, :3], cases[0, 3:] = [20, 20, 10], [20, 20, 10]  # control: 100 -> 100
    cases[4, :3], cases[4, 3:] = [10, 20, 20], [15, 15, 20]
    return cases


def test_weighted_displacement_quotient_by_hand() -> None:
    result = displacement_check(_deployment_cases(), areas=[2], weights=_chain(5), start=3, end=5)
    assert result.ring == (1, 3)
    assert (result.before_target, result.after_target) == (20, 10)
    assert (result.before_ring, result.after_ring) == (30, 36)
    assert (result.before_control, result.after_control) == (100, 100)
    assert_allclose([result.target_change, result.ring_change], [-0.5, 0.2])
    # Bowers & Johnson (2003): (Da/Ca - Db/Cb) / (Ra/Ca - Rb/Cb) = (0.36 - 0.30) / (0.10 - 0.20) = -0.6.
    assert result.wdq is not None
    assert_allclose(result.wdq, -0.6)


def test_explicit_before_window() -> None:
    result = displacement_check(_deployment_cases(), areas=[2], weights=_chain(5), start=3, end=5, window=1)
    assert (result.before_target, result.before_ring, result.before_control) == (6, 10, 30)


def test_wdq_is_none_without_a_benefit_or_without_a_control() -> None:
    worse = _deployment_cases()
    worse[2, 3:] = [10, 10, 10]  # target rises relative to control: success measure > 0
    assert displacement_check(worse, areas=[2], weights=_chain(5), start=3, end=5).wdq is None
    no_control = _deployment_cases()
    no_control[[0, 4], 3:] = 0
    assert displacement_check(no_control, areas=[2], weights=_chain(5), start=3, end=5).wdq is None


def test_no_periods_before_the_deployment_is_refused() -> None:
    with pytest.raises(InvalidInput, match="0 periods precede it"):
        displacement_check(_deployment_cases(), areas=[2], weights=_chain(5), start=0, end=2)
    with pytest.raises(InvalidInput, match="needs 4"):
        displacement_check(_deployment_cases(), areas=[2], weights=_chain(5), start=3, end=5, window=4)
    with pytest.raises(InvalidInput, match="areas"):
        displacement_check(_deployment_cases(), areas=[9], weights=_chain(5), start=3, end=5)
