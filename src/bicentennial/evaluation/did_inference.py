"""Group-time ATTs, their influence functions and multiplier-bootstrap inference.

The arithmetic behind :func:`bicentennial.evaluation.did.callaway_santanna`, kept apart
from input checking and result formatting. Everything is vectorised numpy: one pass per
treatment group for the ATT(g,t) cells, one matrix product per bootstrap chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

NEVER = -1  # group code of never-treated units (and of units treated after the panel ends)
_IQR_TO_SD = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


@dataclass(frozen=True)
class Cells:
    """ATT(g,t) estimates; arrays of length K except ``influence`` (n_units, K)."""

    group: np.ndarray  # column index of first treatment
    time: np.ndarray
    base: np.ndarray  # comparison (base) period
    att: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray
    reference: np.ndarray  # universal base period's own cell, 0 by construction
    influence: np.ndarray
    skipped: list[tuple[int, int]]  # (group, time) cells with no comparison units


@dataclass(frozen=True)
class Aggregate:
    """One aggregated parameter: its label, estimate and influence function (n_units,)."""

    kind: str  # "simple" | "event" | "group" | "dynamic_overall" | "group_overall"
    label: int
    att: float
    influence: np.ndarray


def group_time_cells(y: np.ndarray, first: np.ndarray, *, control: str, base_period: str) -> Cells:
    """Unconditional ATT(g,t) by difference of mean changes, with influence functions.

    ``first`` holds each unit's first treated column or ``NEVER``. Influence functions are
    scaled so that ``att_hat - att ~ mean(influence)`` over all units (units outside the
    cell's treated and comparison sets contribute 0), as in the did R package.
    """
    n, n_periods = y.shape
    universal = base_period == "universal"
    times = np.arange(0 if universal else 1, n_periods)
    never = first == NEVER
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("g", "t", "b", "att", "n1", "n0", "ref", "inf")}
    skipped: list[tuple[int, int]] = []
    for g in np.unique(first[~never]):
        base = np.where((times >= g) | universal, g - 1, times - 1)
        treated = first == g
        if control == "never":
            ctrl = np.broadcast_to(never[:, None], (n, len(times)))
        else:  # not yet treated at either compared period, and not group g itself
            later = first[:, None] > np.maximum(times, base)[None, :]
            ctrl = never[:, None] | (later & ~treated[:, None])
        n0 = ctrl.sum(axis=0)
        usable = n0 > 0
        skipped.extend((int(g), int(t)) for t in times[~usable])
        t_ok, b_ok, ctrl, n0 = times[usable], base[usable], ctrl[:, usable], n0[usable]
        change = y[:, t_ok] - y[:, b_ok]
        n1 = int(treated.sum())
        mean1 = change[treated].mean(axis=0)
        mean0 = np.where(ctrl, change, 0.0).sum(axis=0) / n0
        inf = np.where(treated[:, None], (n / n1) * (change - mean1), 0.0)
        inf -= np.where(ctrl, (n / n0) * (change - mean0), 0.0)
        for key, val in (("g", np.full(len(t_ok), g)), ("t", t_ok), ("b", b_ok), ("att", mean1 - mean0)):
            out[key].append(val)
        out["n1"].append(np.full(len(t_ok), n1))
        out["n0"].append(n0)
        out["ref"].append(t_ok == b_ok)  # universal base: the cell compares g-1 with itself
        out["inf"].append(inf)
    cat = {k: np.concatenate(v, axis=-1 if k == "inf" else 0) for k, v in out.items()}
    return Cells(
        group=cat["g"].astype(int),
        time=cat["t"].astype(int),
        base=cat["b"].astype(int),
        att=cat["att"],
        n_treated=cat["n1"].astype(int),
        n_control=cat["n0"].astype(int),
        reference=cat["ref"].astype(bool),
        influence=cat["inf"],
        skipped=skipped,
    )


def _per_unit(first: np.ndarray, value: dict[int, float]) -> np.ndarray:
    """Spread a value per group code to the units (0 for never-treated and absent groups)."""
    table = np.zeros(int(first.max()) + 2)
    for g, v in value.items():
        table[g + 1] = v
    return table[first + 1]


def _weighted(
    kind: str, label: int, cells: Cells, keep: np.ndarray, share: dict[int, float], first: np.ndarray
) -> Aggregate:
    """Group-size-weighted mean of cells, with the term for estimated weights (did's ``wif``)."""
    idx = np.flatnonzero(keep)
    pg = np.array([share[int(g)] for g in cells.group[idx]])
    total = pg.sum()
    theta = float(cells.att[idx] @ pg / total)
    influence = cells.influence[:, idx] @ (pg / total)
    # d theta / d P(G=g) summed over a group's cells reduces to (att_k - theta) / sum(pg).
    per_group: dict[int, float] = {}
    for g, a in zip(cells.group[idx], cells.att[idx], strict=True):
        per_group[int(g)] = per_group.get(int(g), 0.0) + (a - theta) / total
    return Aggregate(kind, label, theta, influence + _per_unit(first, per_group))


def aggregations(cells: Cells, first: np.ndarray) -> list[Aggregate]:
    """Simple, event-time (dynamic) and group aggregations, as did's ``aggte``."""
    n = len(first)
    share = {int(g): float(np.count_nonzero(first == g)) / n for g in np.unique(cells.group)}
    post = cells.time >= cells.group
    out = [_weighted("simple", 0, cells, post & ~cells.reference, share, first)]
    event = cells.time - cells.group
    dynamic = [_weighted("event", int(e), cells, event == e, share, first) for e in np.unique(event)]
    out += dynamic
    positive = [a for a in dynamic if a.label >= 0]
    out.append(
        Aggregate(
            "dynamic_overall",
            0,
            float(np.mean([a.att for a in positive])),
            np.mean([a.influence for a in positive], axis=0),
        )
    )
    by_group = []
    for g in np.unique(cells.group[post]):
        mine = (cells.group == g) & post
        by_group.append(Aggregate("group", int(g), float(cells.att[mine].mean()), cells.influence[:, mine].mean(1)))
    out += by_group
    pg = np.array([share[a.label] for a in by_group])
    theta = float(np.array([a.att for a in by_group]) @ pg / pg.sum())
    weight_term = {a.label: (a.att - theta) / pg.sum() for a in by_group}
    influence = np.column_stack([a.influence for a in by_group]) @ (pg / pg.sum()) + _per_unit(first, weight_term)
    out.append(Aggregate("group_overall", 0, theta, influence))
    return out


def cluster_sums(influence: np.ndarray, codes: np.ndarray | None, n_clusters: int) -> np.ndarray:
    """Sum influence functions within clusters (rows: clusters); identity without clusters."""
    if codes is None:
        return influence
    member = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_clusters, len(codes)))
    return np.asarray(member @ influence)


def analytic_se(sums: np.ndarray, n: int) -> np.ndarray:
    """Cluster-robust standard errors sqrt(sum_c S_c^2) / n (no small-sample factor, as did)."""
    return np.sqrt(np.einsum("ck,ck->k", sums, sums)) / n


def multiplier_bootstrap(sums: np.ndarray, n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of att* - att_hat: (1/n) sum_c v_c S_c with Rademacher v (did / BMisc)."""
    n_clusters, k = sums.shape
    out = np.empty((draws, k))
    chunk = max(1, min(draws, (1 << 21) // max(n_clusters, 1)))  # bounds the weight matrix to ~16 MB
    for lo in range(0, draws, chunk):
        hi = min(draws, lo + chunk)
        signs = rng.integers(0, 2, size=(hi - lo, n_clusters), dtype=np.int8).astype(np.float64) * 2.0 - 1.0
        out[lo:hi] = signs @ sums
    return out / n


def bootstrap_se(boot: np.ndarray) -> np.ndarray:
    """Robust bootstrap standard error: interquartile range over that of a standard normal."""
    q75, q25 = np.quantile(boot, [0.75, 0.25], axis=0, method="inverted_cdf")
    return (q75 - q25) / _IQR_TO_SD


def uniform_critical(boot: np.ndarray, se: np.ndarray, alpha: float) -> float:
    """(1 - alpha) quantile of max_k |draw_k / se_k|: critical value of a simultaneous band."""
    live = se > 0
    if not live.any():
        return float(stats.norm.ppf(1 - alpha / 2))
    sup = np.max(np.abs(boot[:, live] / se[live]), axis=1)
    return float(np.quantile(sup, 1 - alpha, method="inverted_cdf"))


def wald_pretest(att: np.ndarray, sums: np.ndarray, n: int) -> tuple[float, int, float]:
    """Wald statistic that all given ATT(g,t) are 0, with a rank-aware inverse of their covariance."""
    if att.size == 0:
        return float("nan"), 0, float("nan")
    cov = sums.T @ sums / n**2
    eigval, eigvec = np.linalg.eigh(cov)
    live = eigval > eigval.max() * 1e-10 if eigval.max() > 0 else np.zeros(len(eigval), bool)
    if not live.any():
        return float("nan"), 0, float("nan")
    proj = eigvec[:, live].T @ att
    stat = float(np.sum(proj**2 / eigval[live]))
    df = int(live.sum())
    return stat, df, float(stats.chi2.sf(stat, df))
