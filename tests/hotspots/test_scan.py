"""Space-time scan statistic: hand computations, a brute-force peer, reproducibility and power."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from numpy.testing import assert_allclose

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots import scan as scan_module
from bicentennial.hotspots.scan import ScanParameters, gumbel_p_value, scan_space_time
from bicentennial.hotspots.scan_kernels import best_per_circle, draw_replica, poisson_llr, replica_max


def brute_force(cases, coords, population, parameters):
    """Every cylinder scored in plain numpy, straight from the definitions (Kulldorff 1997, 2005)."""
    n, periods = cases.shape
    total = cases.sum()
    if parameters.model == "poisson":
        expected, weight = total * population / population.sum(), population.mean(axis=1)
    else:
        expected, weight = np.outer(cases.sum(1), cases.sum(0)) / total, cases.sum(1).astype(float)
    lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    dlat, dlon = lat[:, None] - lat, lon[:, None] - lon
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat) * np.sin(dlon / 2) ** 2
    dist = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
    longest = max(1, math.floor(parameters.max_time * periods + 1e-9))
    ends = [periods - 1] if parameters.prospective else range(periods)
    windows = [(s, e) for e in ends for s in range(max(0, e - longest + 1), e + 1)]
    best = (0.0, None)
    for i in range(n):
        order = np.argsort(dist[i], kind="stable")
        inside = np.cumsum(weight[order]) <= parameters.max_population * weight.sum() * (1 + 1e-12)
        for k in range(int(np.argmin(inside)) if not inside.all() else n):
            c_t, e_t = cases[order[: k + 1]].sum(0), expected[order[: k + 1]].sum(0)
            for s, e in windows:
                c, ex = c_t[s : e + 1].sum(), e_t[s : e + 1].sum()
                if c > ex:
                    llr = c * np.log(c / ex) + ((total - c) * np.log((total - c) / (total - ex)) if total > c else 0)
                    if llr > best[0] + 1e-9:
                        best = (llr, (tuple(sorted(order[: k + 1].tolist())), s, e))
    return best


def random_data(rng, n=30, periods=8, total=300, *, planted=False):
    coords = np.column_stack([rng.uniform(17, 21, n), rng.uniform(-101, -97, n)])
    population = np.repeat(rng.uniform(1e3, 5e4, n)[:, None], periods, axis=1) * rng.uniform(0.9, 1.1, (n, periods))
    rate = population / population.sum() * total
    if planted:
        rate[:3, periods // 2 :] *= 3
    return rng.poisson(rate), coords, population


def test_poisson_llr_of_a_known_cylinder_matches_the_hand_computation():
    # Three distant areas of equal population, two periods: every cell expects 60 / 6 = 10 cases.
    # Area 0 in period 1 has c = 20 against e = 10 with C = 60:
    #   LLR = 20 ln(20/10) + 40 ln(40/50) = 13.862944 - 8.925742 = 4.937202
    #   RR = (20/10) / (40/50) = 2.5
    cases = np.array([[8, 20], [8, 8], [8, 8]])
    coords = np.array([[19.0, -99.0], [25.0, -105.0], [16.0, -92.0]])
    population = np.full((3, 2), 1000.0)
    parameters = ScanParameters(max_population=0.5, max_time=0.5, replicas=0)
    result = scan_space_time(cases, coords, population, parameters)
    top = result.clusters[0]
    hand = 20 * math.log(2.0) + 40 * math.log(40 / 50)
    assert_allclose(hand, 4.937202, atol=1e-6)
    assert_allclose(poisson_llr(20.0, 10.0, 60.0), hand, rtol=1e-12)
    assert (top.locations, top.start, top.end, top.observed) == ((0,), 1, 1, 20)
    assert_allclose([top.expected, top.llr, top.relative_risk], [10.0, hand, 2.5], rtol=1e-12)
    assert top.p_value is None and top.gumbel_p_value is None
    assert result.cylinders == 3 * 2  # single-area circles (1/3 <= 0.5 < 2/3) × one-period windows


def test_space_time_permutation_expected_counts_are_the_product_of_the_margins():
    # C = 8, area totals (5, 3), period totals (5, 3): mu = C_z C_t / C = [[25/8, 15/8], [15/8, 9/8]].
    # Area 0 holds 5/8 of the cases (> 1/2), so the only circle is area 1 alone; in period 1 it has
    # c = 2 against e = 9/8: LLR = 2 ln(2/1.125) + 6 ln(6/6.875) = 1.150728 - 0.816792 = 0.333936.
    cases = np.array([[4, 1], [1, 2]])
    coords = np.array([[19.0, -99.0], [19.5, -99.5]])
    parameters = ScanParameters(model="space-time-permutation", max_population=0.5, replicas=0)
    top = scan_space_time(cases, coords, None, parameters).clusters[0]
    assert (top.locations, top.start, top.end, top.observed) == ((1,), 1, 1, 2)
    assert_allclose([top.expected, top.llr], [9 / 8, 2 * math.log(2 / 1.125) + 6 * math.log(6 / 6.875)], rtol=1e-12)

    rng = np.random.default_rng(5)
    cases, coords, _ = random_data(rng)
    top = scan_space_time(cases, coords, None, ScanParameters(model="space-time-permutation", replicas=0)).clusters[0]
    margins = np.outer(cases.sum(1), cases.sum(0)) / cases.sum()
    window = slice(top.start, top.end + 1)
    assert_allclose(top.location_expected, margins[list(top.locations), window].sum(1), rtol=1e-12)
    assert_allclose(top.expected, margins[list(top.locations), window].sum(), rtol=1e-12)


@pytest.mark.parametrize(
    ("model", "prospective", "planted"),
    [
        ("poisson", False, True),
        ("poisson", False, False),
        ("poisson", True, True),
        ("space-time-permutation", False, True),
    ],
)
def test_most_likely_cluster_and_replica_maxima_match_a_brute_force_scan(model, prospective, planted):
    rng = np.random.default_rng(11)
    for _ in range(2):
        cases, coords, population = random_data(rng, planted=planted)
        parameters = ScanParameters(model=model, prospective=prospective, replicas=9, seed=3, max_population=0.2)
        result = scan_space_time(cases, coords, population, parameters)
        llr, (locations, start, end) = brute_force(cases, coords, population, parameters)
        top = result.clusters[0]
        assert (tuple(sorted(top.locations)), top.start, top.end) == (locations, start, end)
        assert_allclose(top.llr, llr, rtol=1e-10)
        # The replica search prunes with a bound; it must still find each replica's exact maximum.
        checked = scan_module._checked_inputs(cases, coords, population, model)
        design, _ = scan_module._design(*checked, parameters, None, in_process=True)
        for j, seed in enumerate(np.random.SeedSequence(3).spawn(9)[:4]):
            replica = np.diff(draw_replica(design, np.random.default_rng(seed)), axis=1).round().astype(int)
            assert_allclose(result.replica_llrs[j], brute_force(replica, coords, population, parameters)[0], rtol=1e-10)
            assert replica_max(draw_replica(design, np.random.default_rng(seed)), design) == result.replica_llrs[j]


@pytest.mark.parametrize("model", ["poisson", "space-time-permutation"])
@pytest.mark.parametrize("prospective", [False, True])
def test_pruned_replica_search_equals_the_unpruned_one_on_many_replicas(model, prospective):
    # replica_max skips circles and windows by a bound and starts from a floor found on a few centres;
    # best_per_circle looks at every circle. Their maxima must agree exactly, replica after replica.
    rng = np.random.default_rng(12)
    cases, coords, population = random_data(rng, n=60, periods=12, total=2000, planted=True)
    parameters = ScanParameters(model=model, prospective=prospective, max_population=0.3)
    design, _ = scan_module._design(
        *scan_module._checked_inputs(cases, coords, population, model), parameters, None, in_process=True
    )
    for seed in np.random.SeedSequence(7).spawn(40):
        pcases = draw_replica(design, np.random.default_rng(seed))
        head = (pcases, design.pexp, design.indptr, design.members, design.order)
        full = best_per_circle(*head, design.max_len, design.prospective, design.total)[0].max()
        assert replica_max(pcases, design) == full


def test_secondary_clusters_do_not_overlap_and_come_in_order():
    rng = np.random.default_rng(2)
    cases, coords, population = random_data(rng, n=60, planted=True)
    result = scan_space_time(cases, coords, population, ScanParameters(replicas=19, max_clusters=6))
    assert [c.rank for c in result.clusters] == list(range(1, len(result.clusters) + 1))
    assert len(result.clusters) >= 3
    seen: set[int] = set()
    for cluster in result.clusters:
        assert seen.isdisjoint(cluster.locations)
        seen.update(cluster.locations)
        assert cluster.locations[0] == cluster.centre
        assert sum(cluster.location_observed) == cluster.observed
    assert np.all(np.diff([c.llr for c in result.clusters]) <= 0)
    assert np.all(np.diff([c.p_value for c in result.clusters]) >= 0)


def test_p_values_follow_the_replica_maxima():
    rng = np.random.default_rng(4)
    cases, coords, population = random_data(rng, planted=True)
    result = scan_space_time(cases, coords, population, ScanParameters(replicas=49, seed=8))
    top = result.clusters[0]
    assert result.replica_llrs.shape == (49,)
    assert top.p_value == (1 + np.sum(result.replica_llrs >= top.llr)) / 50
    # Gumbel by the method of moments, checked against scipy's Gumbel distribution.
    beta = np.std(result.replica_llrs, ddof=1) * math.sqrt(6) / math.pi
    mu = np.mean(result.replica_llrs) - 0.5772156649 * beta
    assert_allclose(top.gumbel_p_value, scipy.stats.gumbel_r.sf(top.llr, loc=mu, scale=beta), rtol=1e-8)
    assert gumbel_p_value(1.0, np.ones(5)) is None


def test_same_seed_same_clusters_whatever_the_chunks_and_workers():
    rng = np.random.default_rng(6)
    cases, coords, population = random_data(rng, planted=True)
    parameters = ScanParameters(replicas=19, seed=42)
    calls: list[tuple[int, int]] = []
    first = scan_space_time(cases, coords, population, parameters, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]  # two chunks of ten replicas
    for kwargs in ({}, {"chunk_size": 1}, {"chunk_size": 7, "threads_per_task": 1}, {"workers": 2}):
        again = scan_space_time(cases, coords, population, parameters, **kwargs)
        assert again.clusters == first.clusters
        np.testing.assert_array_equal(again.replica_llrs, first.replica_llrs)
    other = scan_space_time(cases, coords, population, ScanParameters(replicas=19, seed=43))
    assert not np.array_equal(other.replica_llrs, first.replica_llrs)


def test_a_dask_scheduler_gives_the_same_result():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(6)
    cases, coords, population = random_data(rng, planted=True)
    parameters = ScanParameters(replicas=19, seed=42)
    local = scan_space_time(cases, coords, population, parameters)
    in_process = {"n_workers": 1, "threads_per_worker": 2, "processes": False, "dashboard_address": None}
    with distributed.LocalCluster(**in_process) as cluster:
        remote = scan_space_time(cases, coords, population, parameters, scheduler=cluster.scheduler_address)
    assert remote.clusters == local.clusters
    np.testing.assert_array_equal(remote.replica_llrs, local.replica_llrs)


def test_prospective_clusters_end_at_the_last_period():
    rng = np.random.default_rng(9)
    cases, coords, population = random_data(rng, periods=10, planted=True)
    for model in ("poisson", "space-time-permutation"):
        result = scan_space_time(cases, coords, population, ScanParameters(model=model, prospective=True, replicas=9))
        assert result.clusters and all(c.end == 9 for c in result.clusters)
        assert all(c.recurrence_interval == 1 / c.p_value for c in result.clusters)
        assert result.cylinders == 5 * (result.cylinders // 5)  # five windows (50 % of 10) per circle


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", "bernoulli"),
        ("max_population", 0.0),
        ("max_population", 0.6),
        ("max_time", 0.95),
        ("max_time", float("nan")),
        ("replicas", 5),
        ("replicas", -1),
        ("seed", -3),
        ("max_clusters", 0),
        ("prospective", "yes"),
    ],
)
def test_bad_parameters_raise_invalid_input_naming_them(field, value):
    rng = np.random.default_rng(1)
    cases, coords, population = random_data(rng)
    with pytest.raises(InvalidInput, match=field):
        scan_space_time(cases, coords, population, ScanParameters(**{field: value}))


def test_bad_data_raise_invalid_input_naming_the_area():
    rng = np.random.default_rng(1)
    cases, coords, population = random_data(rng, n=5, periods=4)
    cases[2, 1] = 3
    ok = ScanParameters(replicas=0)
    bad_cases = cases.astype(float)
    bad_cases[3, 2] = 1.5
    population_zero = population.copy()
    population_zero[2, 1] = 0
    coords_bad = coords.copy()
    coords_bad[4] = (95.0, -99.0)
    for args, pattern in [
        ((bad_cases, coords, population), "area 3, period 2"),
        ((-cases, coords, population), "cases: area"),
        ((cases, coords, None), "population: required"),
        ((cases, coords, population_zero), "area 2, period 1"),
        ((cases, coords_bad, population), "coords: area 4"),
        ((cases, coords[:3], population), "coords: expected shape"),
        ((cases * 0, coords, population), "no cases"),
    ]:
        with pytest.raises(InvalidInput, match=pattern):
            scan_space_time(*args, ok)


def planted_geography(rng, n=150):
    """Random areas, and the three or more nearest areas around some centre holding closest to 2 %."""
    coords = np.column_stack([rng.uniform(17, 21, n), rng.uniform(-101, -97, n)])
    population = rng.lognormal(10, 0.5, n)
    best = None
    for centre in range(n):
        order = np.argsort(np.hypot(*(coords - coords[centre]).T), kind="stable")
        share = np.cumsum(population[order]) / population.sum()
        k = max(3, int(np.argmin(np.abs(share - 0.02))) + 1)
        if best is None or abs(share[k - 1] - 0.02) < abs(best[0] - 0.02):
            best = (share[k - 1], order[:k])
    return coords, population, best[1]


@pytest.mark.slow
def test_planted_cluster_is_found_with_power_above_90_percent():
    rng = np.random.default_rng(2021)
    coords, population, cluster = planted_geography(rng)
    assert len(cluster) >= 3 and abs(population[cluster].sum() / population.sum() - 0.02) < 0.002
    periods, months = 24, slice(12, 18)  # RR 2 during six months
    pop = np.repeat(population[:, None], periods, axis=1)
    rate = 12000 * pop / pop.sum()  # the cluster expects 12000 × 2 % × 6/24 = 60 cases, and gets about 120
    rate[cluster, months] *= 2.0
    found = 0
    for _ in range(50):
        cases = rng.poisson(rate)
        parameters = ScanParameters(replicas=99, seed=int(rng.integers(1 << 31)))
        top = scan_space_time(cases, coords, pop, parameters).clusters[0]
        overlaps = set(top.locations) & set(cluster.tolist()) and top.start <= 17 and top.end >= 12
        found += bool(overlaps and top.p_value <= 0.05)
    assert found / 50 >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("model", ["poisson", "space-time-permutation"])
def test_type_one_error_is_nominal_under_the_null(model):
    rng = np.random.default_rng(1997)
    n, periods, datasets = 40, 12, 1000
    coords = np.column_stack([rng.uniform(17, 21, n), rng.uniform(-101, -97, n)])
    pop = np.repeat(rng.lognormal(10, 0.8, n)[:, None], periods, axis=1)
    rate = 400 * pop / pop.sum()
    rejected = 0
    for _ in range(datasets):
        parameters = ScanParameters(model=model, replicas=99, seed=int(rng.integers(1 << 31)))
        top = scan_space_time(rng.poisson(rate), coords, pop, parameters).clusters[0]
        rejected += top.p_value <= 0.05
    assert 0.03 <= rejected / datasets <= 0.07
