"""Emerging hot spots: Gi* pinned to esda and to hand computations; one hand-built series per ArcGIS pattern."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from numpy.typing import NDArray
from scipy import stats

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.emerging import CLASSES, classify, emerging_hotspots, space_time_gistar
from bicentennial.hotspots.weights import Weights
from bicentennial.outcomes.trends import mann_kendall


def _lattice(side: int) -> Weights:
    """Rook contiguity on a side x side grid, row-major positions."""
    lists = []
    for r in range(side):
        for c in range(side):
            cells = ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
            lists.append([rr * side + cc for rr, cc in cells if 0 <= rr < side and 0 <= cc < side])
    return Weights.from_lists([f"a{i}" for i in range(side * side)], lists, kind="rook")


def _esda_gstar_z(y: NDArray[np.float64], neighbours: list[list[int]]) -> NDArray[np.float64]:
    with warnings.catch_warnings():  # esda/libpysal/numba emit import-time and island warnings
        warnings.simplefilter("ignore")
        import esda
        import libpysal

        w = libpysal.weights.W(dict(enumerate(neighbours)), silence_warnings=True)
        g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs, dtype=float)


def _neighbour_lists(w: Weights) -> list[list[int]]:
    return [[int(j) for j in w.neighbours(i)] for i in range(w.n)]


def _space_time_lists(w: Weights, periods: int, k: int) -> list[list[int]]:
    """Directed space-time graph: bin (i, t) = i * periods + t links to {i} ∪ N(i) in periods t-k..t."""
    return [
        [int(j) * periods + s for j in [i, *w.neighbours(i)] for s in range(max(0, t - k), t + 1) if (j, s) != (i, t)]
        for i in range(w.n)
        for t in range(periods)
    ]


# --- Gi* ---------------------------------------------------------------------------------------


def test_time_step_zero_equals_esda_g_local_star_binary_per_period() -> None:
    w = _lattice(6)
    x = np.random.default_rng(7).poisson(3.0, size=(w.n, 5)).astype(float)
    z, p = space_time_gistar(x, w, time_step=0)
    for t in range(x.shape[1]):
        assert_allclose(z[:, t], _esda_gstar_z(x[:, t], _neighbour_lists(w)), rtol=1e-10, atol=1e-12)
    assert_allclose(p, 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_entire_cube_window_equals_esda_on_the_space_time_graph(k: int) -> None:
    # With ArcGIS's "entire cube" global window, space-time Gi* is a plain Gi* over all n*T bins whose graph
    # links each bin to its spatial neighbours (and itself) in the same and the k previous periods.
    w = _lattice(4)
    x = np.random.default_rng(11).poisson(2.0, size=(w.n, 6)).astype(float)
    z, _ = space_time_gistar(x, w, time_step=k, global_window="entire_cube")
    reference = _esda_gstar_z(x.ravel(), _space_time_lists(w, x.shape[1], k))
    assert_allclose(z.ravel(), reference, rtol=1e-10, atol=1e-12)


def _brute_force(x: NDArray[np.float64], w: Weights, k: int, cube: bool) -> NDArray[np.float64]:
    n, periods = x.shape
    z = np.zeros_like(x)
    for i in range(n):
        for t in range(periods):
            window = range(max(0, t - k), t + 1)
            pool = x.ravel() if cube else x[:, list(window)].ravel()
            big_n, mean, sd = pool.size, pool.mean(), pool.std()
            members = [i, *(int(j) for j in w.neighbours(i))]
            local = sum(x[j, s] for j in members for s in window)
            count = len(members) * len(window)
            z[i, t] = (local - mean * count) / (sd * math.sqrt((big_n * count - count**2) / (big_n - 1)))
    return z


@pytest.mark.parametrize("cube", [False, True])
@pytest.mark.parametrize("k", [1, 2])
def test_space_time_gistar_matches_the_formula_bin_by_bin(k: int, cube: bool) -> None:
    w = _lattice(4)
    x = np.random.default_rng(3).poisson(2.5, size=(w.n, 7)).astype(float)
    window = "entire_cube" if cube else "neighborhood_time_step"
    z, _ = space_time_gistar(x, w, time_step=k, global_window=window)
    assert_allclose(z, _brute_force(x, w, k, cube), rtol=1e-10, atol=1e-12)


def test_tiny_space_time_case_by_hand() -> None:
    # Chain 0 - 1 - 2, two periods, time_step 1. Bin (0, t=1): neighbourhood = areas {0, 1} x periods {0, 1},
    # local sum 1 + 3 + 0 + 2 = 6 over 4 bins; global window = both periods: N = 6, mean = 1,
    # S^2 = 14/6 - 1 = 4/3; z = (6 - 1 * 4) / (sqrt(4/3) * sqrt((6 * 4 - 16) / 5)) = sqrt(15/8).
    w = Weights.from_lists(["a", "b", "c"], [[1], [0, 2], [1]], kind="chain")
    x = np.array([[1.0, 3.0], [0.0, 2.0], [0.0, 0.0]])
    z, p = space_time_gistar(x, w, time_step=1)
    assert_allclose(z[0, 1], math.sqrt(15 / 8), rtol=1e-12)
    assert_allclose(p[0, 1], 2 * stats.norm.sf(math.sqrt(15 / 8)), rtol=1e-12)
    # Bin (1, t=1) sees every bin of the window: nothing to compare with, z = 0 by convention.
    assert z[1, 1] == 0.0
    assert p[1, 1] == 1.0


def test_constant_values_give_no_hot_spots() -> None:
    z, p = space_time_gistar(np.full((9, 4), 5.0), _lattice(3), time_step=1)
    assert_allclose(z, 0.0)
    assert_allclose(p, 1.0)


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        (np.ones(9), {}, "areas by periods"),
        (np.ones((8, 3)), {}, "8 areas"),
        (np.where(np.eye(9, 3) > 0, np.nan, 1.0), {}, r"area a0 \(row 0\), period 0"),
        (np.ones((9, 3)), {"time_step": -1}, "time_step"),
        (np.ones((9, 3)), {"global_window": "slice"}, "global_window"),
    ],
)
def test_bad_input_raises_invalid_input(values: NDArray[np.float64], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        space_time_gistar(values, _lattice(3), **kwargs)  # type: ignore[arg-type]


# --- classification ----------------------------------------------------------------------------


def _series(pattern: str, magnitudes: NDArray[np.float64] | None = None) -> tuple[NDArray[np.float64], ...]:
    """One area's (z, p) rows: H hot (z = +3), C cold (z = -3), '.' not significant (|z| = 0.5, alternating)."""
    sign = {"H": 3.0, "C": -3.0}
    z = np.array([sign.get(c, 0.5 if k % 2 else -0.5) for k, c in enumerate(pattern)])
    if magnitudes is not None:
        z = np.sign(z) * magnitudes
    return z[None, :], 2 * stats.norm.sf(np.abs(z))[None, :]


RISING = np.linspace(2.5, 8.0, 12)
FLAT = np.array([3.0, 4.0] * 6)  # alternating: Mann–Kendall finds no trend

CASES = [
    ("new_hot", "...........H", None),
    ("consecutive_hot", ".........HHH", None),
    ("intensifying_hot", "HHHHHHHHHHHH", RISING),
    ("persistent_hot", "HHHHHHHHHHHH", FLAT),
    ("diminishing_hot", "HHHHHHHHHHHH", RISING[::-1].copy()),
    ("sporadic_hot", "H..H...H...H", None),
    ("oscillating_hot", "C..H...C...H", None),
    ("historical_hot", "HHHHHHHHHHH.", None),
    ("new_cold", "...........C", None),
    ("consecutive_cold", ".........CCC", None),
    # Cold spots intensify when the clustering of low counts strengthens: z falls (more negative).
    ("intensifying_cold", "CCCCCCCCCCCC", RISING),
    ("persistent_cold", "CCCCCCCCCCCC", FLAT),
    ("diminishing_cold", "CCCCCCCCCCCC", RISING[::-1].copy()),
    ("sporadic_cold", "C..C...C...C", None),
    ("oscillating_cold", "H..C...H...C", None),
    ("historical_cold", "CCCCCCCCCCC.", None),
    ("no_pattern", "............", None),
]


def test_seventeen_stable_class_names() -> None:
    assert len(CLASSES) == len(set(CLASSES)) == 17
    assert {name for name, _, _ in CASES} == set(CLASSES)


@pytest.mark.parametrize(("expected", "pattern", "magnitudes"), CASES, ids=[c[0] for c in CASES])
def test_each_pattern_as_arcgis_defines_it(expected: str, pattern: str, magnitudes: NDArray[np.float64] | None) -> None:
    z, p = _series(pattern, magnitudes)
    assert classify(z, p) == (expected,)


def test_trend_sign_separates_intensifying_from_diminishing() -> None:
    rising, p = _series("H" * 12, RISING)
    assert mann_kendall(rising[0]).trend == "increasing"
    assert classify(rising, p) == ("intensifying_hot",)
    assert classify(rising[:, ::-1].copy(), p) == ("diminishing_hot",)
    # Cold: z falling (more negative) is clustering of low counts getting stronger.
    assert classify(-rising, p) == ("intensifying_cold",)
    assert classify(-rising[:, ::-1].copy(), p) == ("diminishing_cold",)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("..HHHHHHHH", "consecutive_hot"),  # 8 of 10 hot: under ninety percent
        ("H.HHHHHHHH", "persistent_hot"),  # 9 of 10: "ninety percent" reached exactly
        ("H........HHH", "sporadic_hot"),  # hot before the final run: not consecutive
        ("..........HH", "consecutive_hot"),  # a run of two is enough
        ("CC.........H", "new_hot"),  # never hot before; new wins over oscillating (module docstring)
        ("H...........", "no_pattern"),  # an old hot bin, not hot now and under ninety percent
        ("HHHHHHHHHHHC", "new_cold"),  # final cold: judged against the cold patterns only
    ],
)
def test_boundaries_and_tie_breaks(pattern: str, expected: str) -> None:
    z, p = _series(pattern)
    assert classify(z, p) == (expected,)


def test_classify_refuses_mismatched_or_single_period_input() -> None:
    with pytest.raises(InvalidInput, match="same shape"):
        classify(np.zeros((2, 5)), np.ones((2, 4)))
    with pytest.raises(InvalidInput, match="periods >= 2"):
        classify(np.zeros((2, 1)), np.ones((2, 1)))


# --- end to end --------------------------------------------------------------------------------


def test_emerging_hotspots_finds_a_cluster_that_appears_late() -> None:
    w = _lattice(7)
    x = np.random.default_rng(5).poisson(2.0, size=(w.n, 12)).astype(float)
    block = [r * 7 + c for r in (2, 3, 4) for c in (2, 3, 4)]
    x[np.ix_(block, [9, 10, 11])] += 12.0
    result = emerging_hotspots(x, w, time_step=1)
    z, p = space_time_gistar(x, w, time_step=1)
    assert_allclose(result.z, z)
    assert_allclose(result.p, p)
    assert result.classes == classify(z, p)
    assert result.classes[3 * 7 + 3] == "consecutive_hot"
    assert_allclose(result.trend_tau, [mann_kendall(row).tau for row in z])
    assert_allclose(result.trend_p, [mann_kendall(row).p_value for row in z])


def test_fdr_adjusts_every_bin_with_benjamini_hochberg() -> None:
    w = _lattice(5)
    x = np.random.default_rng(9).poisson(2.0, size=(w.n, 10)).astype(float)
    raw = emerging_hotspots(x, w)
    adjusted = emerging_hotspots(x, w, fdr=True)
    assert_allclose(adjusted.p.ravel(), stats.false_discovery_control(raw.p.ravel()))
    assert np.all(adjusted.p >= raw.p - 1e-15)
    assert adjusted.classes == classify(raw.z, adjusted.p)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_formula_holds_on_larger_random_cubes(seed: int) -> None:
    w = _lattice(9)
    rng = np.random.default_rng(100 + seed)
    x = rng.negative_binomial(2, 0.4, size=(w.n, 15)).astype(float)
    for k in (0, 1, 3):
        for cube in (False, True):
            window = "entire_cube" if cube else "neighborhood_time_step"
            z, _ = space_time_gistar(x, w, time_step=k, global_window=window)
            assert_allclose(z, _brute_force(x, w, k, cube), rtol=1e-9, atol=1e-12)
    z0, _ = space_time_gistar(x, w, time_step=0)
    for t in range(x.shape[1]):
        assert_allclose(z0[:, t], _esda_gstar_z(x[:, t], _neighbour_lists(w)), rtol=1e-10, atol=1e-12)
