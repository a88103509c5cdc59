"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time ATTs.

States or municipalities adopting a policy in different years are compared, cohort by
cohort, with units not (yet) treated; the ATT(g,t) cells are then averaged into an
overall effect, an event study and per-cohort effects. Unconditional parallel trends
(no covariates). Arithmetic in :mod:`bicentennial.evaluation.did_inference`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation import did_inference as inf


@dataclass(frozen=True)
class DiDResult:
    """ATT(g,t) table, its aggregations and the pre-trend test; all values JSON-ready.

    Rows carry ``se`` (multiplier-bootstrap when ``bootstrap > 0``, else analytic),
    ``se_analytic`` and ``p`` (pointwise). ``ci_low/ci_high`` of ``att_gt``, ``event_study``
    and ``by_group`` rows are simultaneous (uniform) bands over the rows of that table when
    bootstrapping, pointwise otherwise; ``overall*`` intervals are pointwise.
    """

    att_gt: list[dict[str, Any]]
    overall: dict[str, float]
    event_study: list[dict[str, Any]]
    by_group: list[dict[str, Any]]
    pretrend: dict[str, float | None]  # stat, df, p; stat and p None when nothing can be tested
    control: str
    n_units: int
    n_clusters: int
    overall_dynamic: dict[str, float] = field(default_factory=dict)  # mean of event-study effects, e >= 0
    overall_group: dict[str, float] = field(default_factory=dict)  # group-size-weighted mean of by_group
    skipped: list[dict[str, Any]] = field(default_factory=list)  # cells without comparison units


def callaway_santanna(
    y: np.ndarray,
    first_treated: np.ndarray,
    *,
    periods: Sequence[Any] | None = None,
    control: Literal["never", "not_yet"] = "never",
    clusters: np.ndarray | None = None,
    alpha: float = 0.05,
    bootstrap: int = 999,
    seed: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
) -> DiDResult:
    """Group-time average treatment effects under staggered adoption.

    Parameters
    ----------
    y : (n_units, T) array
        Balanced panel of outcomes, one row per unit, one column per period.
    first_treated : (n_units,) array
        Column index (0-based) of each unit's first treated period; ``-1``, NaN or ``inf`` for
        never treated. Indices ``>= T`` (treated after the panel ends) count as never treated,
        as in the did R package. Units treated in column 0 have no pre-period and are refused.
    periods : sequence, optional
        Labels of the T columns (years, months) used in the output; default ``0..T-1``.
    control : {"never", "not_yet"}
        Comparison units: never treated, or also those not yet treated at both compared periods.
    clusters : (n_units,) array, optional
        Cluster of each unit (e.g. the state of a municipality); default: the unit.
    alpha : float
        1 - confidence level.
    bootstrap : int
        Multiplier-bootstrap draws (Rademacher weights on cluster sums of the influence
        functions); 0 gives analytic standard errors and pointwise intervals only.
    seed : int
        Seed of the bootstrap's ``numpy.random.Generator``.
    base_period : {"varying", "universal"}
        Pre-treatment cells compare t with t-1 ("varying") or with g-1 like post cells
        ("universal", whose g-1 cell is 0 by construction and flagged ``reference``).

    Returns
    -------
    DiDResult
        ``overall`` is did's "simple" aggregation: post-treatment cells weighted by group size.
        ``pretrend`` is the Wald test that every pre-treatment ATT(g,t) is 0 (stat, df, p;
        stat and p are None when there is no pre-treatment cell with sampling variance);
        the covariance is cluster-robust when ``clusters`` is given, and a singular one is
        inverted on its non-null eigenspace (df = its rank).

    Notes
    -----
    Callaway, B. & Sant'Anna, P. H. C. (2021), "Difference-in-Differences with multiple time
    periods", Journal of Econometrics 225(2):200-230 — identification of ATT(g,t) with
    never- and not-yet-treated comparisons, their aggregation, and the multiplier bootstrap
    for simultaneous bands. Numerically follows the did R package
    (``att_gt(est_method="reg", xformla=~1)``, ``aggte``, ``mboot``). Standard errors:
    sqrt(sum over clusters of squared influence sums) / n; bootstrap SE is the IQR of the
    draws over 1.349, as did does.
    """
    panel, first, labels = _validated(y, first_treated, periods, control, base_period, alpha, bootstrap)
    if control == "never" and not np.any(first == inf.NEVER):
        raise InvalidInput("first_treated: no never-treated unit to compare with; use control='not_yet'")
    codes, n_clusters = _cluster_codes(clusters, len(first))
    cells = inf.group_time_cells(panel, first, control=control, base_period=base_period)
    if not np.any(cells.time >= cells.group):
        raise InvalidInput("control='not_yet': no treated cohort has comparison units after treatment")
    aggs = inf.aggregations(cells, first)
    n, k = len(first), len(cells.att)
    estimates = np.concatenate([cells.att, [a.att for a in aggs]])
    sums = inf.cluster_sums(np.column_stack([cells.influence, *[a.influence for a in aggs]]), codes, n_clusters)
    bands = _Bands.estimate(sums, n, bootstrap, seed, alpha, scale=float(np.abs(panel).max()))
    kinds = np.array(["cell"] * k + [a.kind for a in aggs])
    label = np.array([0] * k + [a.label for a in aggs])
    event, group = np.flatnonzero(kinds == "event"), np.flatnonzero(kinds == "group")
    pre = np.flatnonzero((cells.time < cells.group) & ~cells.reference)
    stat, df, p = inf.wald_pretest(cells.att[pre], sums[:, pre], n)
    return DiDResult(
        att_gt=bands.table(np.arange(k), estimates, [_cell_keys(cells, i, labels) for i in range(k)]),
        overall=bands.single(int(np.flatnonzero(kinds == "simple")[0]), estimates),
        event_study=bands.table(event, estimates, [{"event_time": int(label[c])} for c in event]),
        by_group=bands.table(group, estimates, [{"group": labels[label[c]]} for c in group]),
        pretrend={"stat": stat if df else None, "df": float(df), "p": p if df else None},
        control=control,
        n_units=n,
        n_clusters=n_clusters,
        overall_dynamic=bands.single(int(np.flatnonzero(kinds == "dynamic_overall")[0]), estimates),
        overall_group=bands.single(int(np.flatnonzero(kinds == "group_overall")[0]), estimates),
        skipped=[{"group": labels[g], "time": labels[t]} for g, t in cells.skipped],
    )


def _cell_keys(cells: inf.Cells, i: int, labels: list[Any]) -> dict[str, Any]:
    g, t = int(cells.group[i]), int(cells.time[i])
    return {
        "group": labels[g],
        "time": labels[t],
        "base": labels[int(cells.base[i])],
        "event_time": t - g,
        "post": t >= g,
        "reference": bool(cells.reference[i]),
        "n_treated": int(cells.n_treated[i]),
        "n_control": int(cells.n_control[i]),
    }


@dataclass(frozen=True)
class _Bands:
    """Standard errors of every estimate and the intervals built from them."""

    se: np.ndarray  # reported: bootstrap when drawn, else analytic
    se_analytic: np.ndarray
    boot: np.ndarray | None  # (draws, estimates)
    alpha: float

    @classmethod
    def estimate(cls, sums: np.ndarray, n: int, draws: int, seed: int, alpha: float, scale: float) -> _Bands:
        se_an = inf.analytic_se(sums, n)
        # Reference cells (and cells whose outcome changes are all equal) have no sampling variance.
        se_an[se_an < 1e-12 * max(1.0, scale)] = 0.0
        if not draws:
            return cls(se_an, se_an, None, alpha)
        boot = inf.multiplier_bootstrap(sums, n, draws, np.random.default_rng(seed))
        return cls(np.where(se_an > 0, inf.bootstrap_se(boot), 0.0), se_an, boot, alpha)

    def table(self, cols: np.ndarray, att: np.ndarray, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows with a simultaneous band over ``cols`` when bootstrapped (did's ``cband``)."""
        if self.boot is None or not len(cols):
            crit = float(stats.norm.ppf(1 - self.alpha / 2))
        else:
            crit = inf.uniform_critical(self.boot[:, cols], self.se[cols], self.alpha)
        return [self._row(key, int(c), att, crit) for key, c in zip(keys, cols, strict=True)]

    def single(self, col: int, att: np.ndarray) -> dict[str, float]:
        row = self._row({}, col, att, float(stats.norm.ppf(1 - self.alpha / 2)))
        return {key: row[key] for key in ("att", "se", "se_analytic", "ci_low", "ci_high", "p")}

    def _row(self, keys: dict[str, Any], c: int, att: np.ndarray, crit: float) -> dict[str, Any]:
        est, se = float(att[c]), float(self.se[c])
        # A zero standard error only occurs on the universal base period's reference cell.
        p = math.erfc(abs(est) / se / math.sqrt(2)) if se > 0 else None  # two-sided normal, = 2 sf(|z|)
        return {
            **keys,
            "att": est,
            "se": se,
            "se_analytic": float(self.se_analytic[c]),
            "ci_low": est - crit * se,
            "ci_high": est + crit * se,
            "p": p,
        }


def _validated(
    y: Any, first_treated: Any, periods: Sequence[Any] | None, control: str, base_period: str, alpha: float, boot: int
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    if control not in ("never", "not_yet"):
        raise InvalidInput(f"control: expected 'never' or 'not_yet', got {control!r}")
    if base_period not in ("varying", "universal"):
        raise InvalidInput(f"base_period: expected 'varying' or 'universal', got {base_period!r}")
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha: expected a level between 0 and 1, got {alpha!r}")
    if not isinstance(boot, int | np.integer) or isinstance(boot, bool) or boot < 0:
        raise InvalidInput(f"bootstrap: expected a whole number of draws >= 0, got {boot!r}")
    try:
        panel = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"y: expected a units × periods array of numbers ({exc})") from None
    if panel.ndim != 2 or panel.shape[0] < 2 or panel.shape[1] < 2:
        raise InvalidInput(f"y: expected a units × periods array with at least 2 of each, got shape {panel.shape}")
    n, n_periods = panel.shape
    labels = [_plain(p) for p in (periods if periods is not None else range(n_periods))]
    if len(labels) != n_periods or len(set(labels)) != n_periods:
        raise InvalidInput(f"periods: expected {n_periods} distinct labels, one per column of y, got {len(labels)}")
    rows, cols = np.nonzero(~np.isfinite(panel))
    if rows.size:
        where = "; ".join(f"unit row {r} at period {labels[c]}" for r, c in zip(rows[:5], cols[:5], strict=True))
        raise InvalidInput(f"y: unbalanced panel, {rows.size} missing or infinite outcome(s): {where}")
    return panel, _first_codes(first_treated, n, labels), labels


def _first_codes(first_treated: Any, n: int, labels: list[Any]) -> np.ndarray:
    try:
        raw = np.asarray(first_treated, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"first_treated: expected period indices ({exc})") from None
    if raw.shape != (n,):
        raise InvalidInput(f"first_treated: expected one value per unit ({n}), got shape {raw.shape}")
    never = ~np.isfinite(raw) | (raw == -1)
    bad = np.flatnonzero(~never & ((raw != np.round(raw)) | (raw < 0)))
    if bad.size:
        raise InvalidInput(f"first_treated: row {bad[0]} has {raw[bad[0]]!r}; expected a column index or -1 (never)")
    n_periods = len(labels)
    late = ~never & (raw >= n_periods)
    if late.any() and any(_plain(v) in labels for v in raw[late]):
        raise InvalidInput("first_treated: holds period labels (e.g. years); pass column indices into y instead")
    first = np.where(never | late, inf.NEVER, raw).astype(np.int64)
    if np.any(first == 0):
        rows = np.flatnonzero(first == 0)
        raise InvalidInput(
            f"first_treated: group first treated at period {labels[0]} (unit rows {', '.join(map(str, rows[:5]))}"
            f"{' …' if rows.size > 5 else ''}) has no pre-treatment period; drop those units"
        )
    if not np.any(first != inf.NEVER):
        raise InvalidInput("first_treated: no unit is treated within the panel")
    return first


def _cluster_codes(clusters: Any, n: int) -> tuple[np.ndarray | None, int]:
    if clusters is None:
        return None, n
    values = np.asarray(clusters)
    if values.shape != (n,):
        raise InvalidInput(f"clusters: expected one cluster per unit ({n}), got shape {values.shape}")
    if values.dtype.kind == "f" and np.isnan(values).any():
        raise InvalidInput(f"clusters: unit row {int(np.flatnonzero(np.isnan(values))[0])} has no cluster")
    _, codes = np.unique(values, return_inverse=True)
    n_clusters = int(codes.max()) + 1
    if n_clusters < 2:
        raise InvalidInput("clusters: all units are in one cluster; need at least 2")
    return codes, n_clusters


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
