"""Congruent Matching Cells (CMC) comparison of two breech-face scans.

The method of Song (2013), "Proposed NIST ballistics identification system (NBIS) based on 3D
topography measurements on correlation cells", with the High CMC rule of Tong et al. (2015),
following the "comparison" and "decision" pipeline of cmcR (Zemmels, VanderPlas, Hofmann 2022,
The R Journal) and its defaults: 8 × 8 cells, cells kept with ≥ 15 % observed points
(``maxMissingProp = 0.85``, applied to the target region too), rotations −30°..30° by 3°,
congruence thresholds ``xThresh = yThresh = 20`` points, ``thetaThresh = 6``°,
``corrThresh = 0.5`` and ``tau = 1``; the correlation used is cmcR's pairwise-complete
correlation at the FFT cross-correlation maximum. The target region defaults to twice the cell
side (4× the cell area; cmcR's ``regionSizeMultiplier = 9`` is available) because the Fadul
scans are already roughly centred and it halves the FFT work. Deviations: cells are equal
``ceil(n/8)`` squares (cmcR's ``imsplit`` gives 68/69-point cells), scans are laid on each
other centre to centre (cmcR: top-left corner), offsets whose correlation would need a larger
FFT than ``next_fast_len(region)`` (mostly-outside partial overlaps) are not searched, and the
target is standardised once as a whole instead of region by region (only the FFT argmax can
differ, through a region's mean where it is partly missing; the correlation is unaffected).

Both directions are compared (reference cells in the target and target cells in the
reference) and the two counts are combined by ``combine`` ("min", conservative, as Tong et al.
2015; or "mean"). The decision uses ``rule``: "original" (Song 2013, the default) or "high"
(Tong 2015, a direction whose CMC-θ mode is wider than ``theta_thresh`` counts 0). Identification
at ≥ 6 CMCs is NIST's threshold. On all 780 Fadul pairs (benchmarks/bench_ballistics_fadul.py)
the original rule with "min" separates every match from every non-match (matches ≥ 12, non-matches
≤ 5 CMCs); the High CMC rule with the 4× region lets 37 non-matches reach 6, because the smaller
search area makes chance shifts congruent more often, so it is not the default.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from bicentennial.ballistics import cmc_kernels as kernels
from bicentennial.ballistics.x3p import Surface
from bicentennial.core.errors import InvalidInput

IDENTIFICATION = "identification"
INCONCLUSIVE = "inconclusive"
ELIMINATION = "elimination"
MSG_RESOLUTION = (
    "the scans have different point spacings ({a} µm and {b} µm); resample them to the same resolution before comparing"
)
MSG_EMPTY = "the {which} scan has no observed points"
MSG_SMALL = "the {which} scan is {h}×{w} points, too small for a {rows}×{cols} cell grid"
MSG_PARAM = "invalid CMC parameter {name}={value!r}"
RESOLUTION_TOLERANCE = 0.01


@dataclass(frozen=True)
class CmcParams:
    """Every setting of a comparison; recorded with the result."""

    cells: tuple[int, int] = (8, 8)
    theta_min: float = -30.0
    theta_max: float = 30.0
    theta_step: float = 3.0
    min_observed: float = 0.15
    region_size_multiplier: float = 4.0
    x_thresh: int = 20
    y_thresh: int = 20
    theta_thresh: float = 6.0
    corr_thresh: float = 0.5
    tau: int = 1
    rule: Literal["high", "original"] = "original"
    combine: Literal["min", "mean"] = "min"
    identification: int = 6
    elimination_max: int | None = None
    workers: int = 2

    @property
    def thetas(self) -> tuple[float, ...]:
        n = round((self.theta_max - self.theta_min) / self.theta_step)
        return tuple(float(self.theta_min + i * self.theta_step) for i in range(n + 1))


@dataclass(frozen=True)
class CellResult:
    """One reference cell's evidence: rotation, shift (points, from the centred position), CCF."""

    row: int
    col: int
    theta: float
    dx: int
    dy: int
    ccf: float
    is_cmc: bool


@dataclass(frozen=True)
class CmcResult:
    """Counts both ways, the decision and the per-cell evidence behind it."""

    cmc_count: int
    cmc_count_reverse: int
    high_cmc: float
    decision: str
    cells: list[CellResult]
    params: dict[str, Any]
    seconds: float
    count: float = 0.0
    original_count: float = 0.0
    high_cmc_forward: int = 0
    high_cmc_reverse: int = 0
    cells_reverse: list[CellResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The fields the CLI prints as JSON."""
        return {
            "cmc_count": self.cmc_count,
            "cmc_count_reverse": self.cmc_count_reverse,
            "count": self.count,
            "high_cmc": self.high_cmc,
            "decision": self.decision,
            "seconds": round(self.seconds, 4),
        }


def compare(reference: Surface, target: Surface, *, params: CmcParams = CmcParams()) -> CmcResult:
    """Compare two preprocessed scans with the CMC method, in both directions.

    Parameters
    ----------
    reference, target : Surface
        Preprocessed breech-face scans with the same point spacing (heights in metres, NaN missing).
    params : CmcParams
        Method settings; the defaults are cmcR's.

    Returns
    -------
    CmcResult
        ``cmc_count``/``cmc_count_reverse`` are the counts of ``params.rule`` in each direction,
        ``count`` their combination that the decision uses, ``high_cmc`` and ``original_count`` the
        combined counts of each rule, ``cells`` the evidence per reference cell.
    """
    start = time.perf_counter()
    _check(reference, target, params)
    a, b = np.asarray(reference.heights, np.float64), np.asarray(target.heights, np.float64)
    with ThreadPoolExecutor(max_workers=2) as pool:
        forward = pool.submit(_direction, a, b, params)
        backward = pool.submit(_direction, b, a, params)
        fwd, rev = forward.result(), backward.result()
    count = _merge(fwd.chosen(params.rule), rev.chosen(params.rule), params.combine)
    decision = decide(count, params)
    return CmcResult(
        cmc_count=fwd.chosen(params.rule),
        cmc_count_reverse=rev.chosen(params.rule),
        high_cmc=_merge(fwd.high, rev.high, params.combine),
        decision=decision,
        cells=fwd.cells,
        params=asdict(params) | {"thetas": list(params.thetas)},
        seconds=time.perf_counter() - start,
        count=count,
        original_count=_merge(fwd.original, rev.original, params.combine),
        high_cmc_forward=fwd.high,
        high_cmc_reverse=rev.high,
        cells_reverse=rev.cells,
    )


def decide(count: float, params: CmcParams) -> str:
    """NIST's rule: identification at ≥ ``identification`` CMCs; an optional inconclusive band."""
    if count >= params.identification:
        return IDENTIFICATION
    if params.elimination_max is not None and count > params.elimination_max:
        return INCONCLUSIVE
    return ELIMINATION


@dataclass(frozen=True)
class DirectionCounts:
    """One direction's counts under both rules and the evidence per kept reference cell."""

    original: int
    high: int
    high_passed: bool
    cells: list[CellResult]

    def chosen(self, rule: str) -> int:
        return self.high if rule == "high" else self.original


def original_cmc(res: kernels.DirectionResult, thetas: np.ndarray, p: CmcParams) -> tuple[np.ndarray, np.ndarray]:
    """Song (2013): each cell at its best rotation, congruent with the median (x, y, θ) of all cells.

    Returns the best rotation index per cell (-1 when no rotation had a usable region) and the CMC flags.
    """
    corr = np.where(np.isfinite(res.corr), res.corr, -np.inf)
    best = np.argmax(corr, axis=0)
    cols = np.arange(corr.shape[1])
    usable = np.isfinite(corr[best, cols])
    best = np.where(usable, best, -1)
    flags = np.zeros(corr.shape[1], bool)
    if usable.any():
        i, j = best[usable], cols[usable]
        dx, dy, th, cc = res.dx[i, j], res.dy[i, j], thetas[i], corr[i, j]
        ok = (np.abs(dx - np.median(dx)) <= p.x_thresh) & (np.abs(dy - np.median(dy)) <= p.y_thresh)
        ok &= (np.abs(th - np.median(th)) <= p.theta_thresh) & (cc >= p.corr_thresh)
        flags[j] = ok
    return best, flags


def high_cmc(res: kernels.DirectionResult, thetas: np.ndarray, p: CmcParams) -> tuple[np.ndarray, np.ndarray, bool]:
    """Tong et al. (2015) as cmcR's decision_highCMC: per-rotation consensus, then the mode test.

    A cell is a candidate at θ when its shift is within the thresholds of that θ's median shift
    and its correlation reaches ``corr_thresh``. Rotations whose candidate count is within ``tau``
    of the maximum are "high"; if they span more than ``theta_thresh`` the direction fails (0
    CMCs), otherwise every cell that is a candidate at a high rotation is a CMC, at its best one.
    """
    corr = res.corr
    n_theta, k = corr.shape
    cand = np.zeros((n_theta, k), bool)
    for i in range(n_theta):
        ok = np.isfinite(corr[i])
        if ok.any():
            mx, my = np.median(res.dx[i, ok]), np.median(res.dy[i, ok])
            cand[i, ok] = (np.abs(res.dx[i, ok] - mx) <= p.x_thresh) & (np.abs(res.dy[i, ok] - my) <= p.y_thresh)
            cand[i, ok] &= corr[i, ok] >= p.corr_thresh
    counts = cand.sum(axis=1)
    at = np.full(k, -1)
    if counts.max(initial=0) == 0:
        return at, np.zeros(k, bool), False
    high = np.flatnonzero((counts >= counts.max() - p.tau) & (counts > 0))
    if thetas[high].max() - thetas[high].min() > p.theta_thresh:
        return at, np.zeros(k, bool), False
    scores = np.where(cand[high], corr[high], -np.inf)
    flags = cand[high].any(axis=0)
    at = np.where(flags, high[np.argmax(scores, axis=0)], -1)
    return at, np.asarray(flags, bool), True


def _direction(reference: np.ndarray, target: np.ndarray, params: CmcParams) -> DirectionCounts:
    rows, cols = params.cells
    grid = kernels.cell_grid(reference, rows, cols, params.min_observed, params.region_size_multiplier)
    workers = max(1, params.workers // 2)
    res = kernels.correlate_direction(grid, target, params.thetas, params.min_observed, workers)
    thetas = np.asarray(params.thetas)
    best, orig = original_cmc(res, thetas, params)
    at, high, passed = high_cmc(res, thetas, params)
    use_high = params.rule == "high" and passed
    flags = high if params.rule == "high" else orig
    cells = []
    for j, cell in enumerate(res.index.tolist()):
        i = int(at[j]) if use_high and at[j] >= 0 else int(best[j])
        if i < 0:
            continue
        row, col = divmod(int(cell), cols)
        cells.append(
            CellResult(
                row, col, float(thetas[i]), int(res.dx[i, j]), int(res.dy[i, j]), float(res.corr[i, j]), bool(flags[j])
            )
        )
    return DirectionCounts(int(orig.sum()), int(high.sum()), passed, cells)


def _merge(a: int, b: int, how: str) -> float:
    return float(min(a, b)) if how == "min" else (a + b) / 2.0


def _check(reference: Surface, target: Surface, params: CmcParams) -> None:
    for name in ("dx", "dy"):
        ra, rb = getattr(reference, name), getattr(target, name)
        if not (ra > 0 and rb > 0) or abs(ra - rb) > RESOLUTION_TOLERANCE * max(ra, rb):
            raise InvalidInput(MSG_RESOLUTION.format(a=f"{ra * 1e6:g}", b=f"{rb * 1e6:g}"))
    rows, cols = params.cells
    for which, s in (("reference", reference), ("target", target)):
        h, w = np.shape(s.heights)
        if h < 4 * rows or w < 4 * cols:
            raise InvalidInput(MSG_SMALL.format(which=which, h=h, w=w, rows=rows, cols=cols))
        if not np.isfinite(s.heights).any():
            raise InvalidInput(MSG_EMPTY.format(which=which))
    if params.theta_step <= 0 or params.theta_max < params.theta_min:
        raise InvalidInput(MSG_PARAM.format(name="theta_step", value=params.theta_step))
    if params.region_size_multiplier < 1 or min(params.cells) < 1:
        raise InvalidInput(MSG_PARAM.format(name="region_size_multiplier", value=params.region_size_multiplier))
