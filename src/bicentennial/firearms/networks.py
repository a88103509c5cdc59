"""Candidate trafficking networks: purchasers, guns and recoveries joined into components, then ranked.

Pure functions over :class:`~bicentennial.firearms.rows.TraceRow` lists; no database, no networkx.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.stats import binom

from bicentennial.firearms.indicators import dealer_key, gun_key, tally
from bicentennial.firearms.rows import TraceRow

ONE_YEAR_DAYS = 365
_EPS = 1e-6


@dataclass(frozen=True)
class Network:
    """A connected group of purchasers, guns and recovery events, with the evidence that ranks it."""

    id: int  # rank by score, 1 = most suspicious
    purchasers: tuple[str, ...]
    guns: int
    serials: tuple[str, ...]  # first 20 normalised serials, in row order
    dealers: dict[str, int]  # FFL -> guns
    recovery_states: tuple[str, ...]
    time_to_crime_median_days: float | None
    under_1y_share: float | None
    multiple_sales: int
    score: float  # bits of surprise; see find_networks
    evidence: tuple[str, ...]
    rows: tuple[int, ...] = field(repr=False)  # indices into the input rows
    ballistic_links: int = 0


@dataclass(frozen=True)
class _Baseline:
    """Population rates that the score measures surprise against."""

    repeat_purchase: float  # chance that a purchaser's gun is not their first: (pairs − purchasers) / pairs
    under_1y: float  # share of known time-to-crime under one year
    multiple_sale: float  # share of US-sourced traces on a multiple-sale report
    not_possessor: float  # share of rows, with both ids, whose possessor is not the purchaser
    dealer_share: dict[str, float]  # FFL -> share of US-sourced traces


@dataclass
class _Stats:
    rows: list[int]
    guns: int
    purchasers: dict[str, set[int]] = field(default_factory=dict)
    dealers: Counter[str] = field(default_factory=Counter)
    dealer_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    ttc: list[int] = field(default_factory=list)
    multiple_sales: int = 0
    us_guns: int = 0
    both_ids: int = 0
    not_possessor: int = 0
    states: set[str] = field(default_factory=set)
    links: int = 0


@lru_cache(maxsize=1)
def _state_names() -> dict[str, str]:
    text = resources.files("bicentennial.geo").joinpath("data", "mx_estados_2020.csv").read_text("utf-8")
    return {f"mx:{s['cve_ent']}": s["nom_ent"] for s in csv.DictReader(text.splitlines())}


def _components(
    rows: Sequence[TraceRow], links: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Label every node; return (gun node per row, component per node, gun count, event node per row)."""
    guns: dict[str | int, int] = {}
    purchasers: dict[str, int] = {}
    events: dict[tuple[date, str], int] = {}
    gun, purchaser, event = [], [], []
    for i, r in enumerate(rows):  # one visit per row: see indicators.tally
        gun.append(guns.setdefault(gun_key(r, i), len(guns)))
        purchaser.append(purchasers.setdefault(r.purchaser_id, len(purchasers)) if r.purchaser_id else -1)
        event.append(events.setdefault((r.recovery_date, r.recovery_area), len(events)))
    g, p, e = np.asarray(gun), np.asarray(purchaser), np.asarray(event) + len(guns) + len(purchasers)
    has_p = p >= 0
    pairs = np.asarray(links, dtype=np.int64).reshape(-1, 2)
    src = np.concatenate([g[has_p], g, e[pairs[:, 0]]])
    dst = np.concatenate([p[has_p] + len(guns), e, e[pairs[:, 1]]])
    size = len(guns) + len(purchasers) + len(events)
    graph = sparse.coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(size, size)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return g, labels, len(guns), e


def _baseline(rows: Sequence[TraceRow]) -> _Baseline:
    t = tally(rows)
    pairs = len(t.first_gun) + sum(len(g) - 1 for g in t.multi_gun.values())
    return _Baseline(
        repeat_purchase=(pairs - len(t.first_gun)) / pairs if pairs else 0.0,
        under_1y=sum(d < ONE_YEAR_DAYS for d in t.ttc) / len(t.ttc) if t.ttc else 0.0,
        multiple_sale=t.multiple_sale / t.us if t.us else 0.0,
        not_possessor=t.not_possessor / t.both_ids if t.both_ids else 0.0,
        dealer_share={d: c / t.us for d, c in t.dealers.items()},
    )


def _stats(rows: Sequence[TraceRow], members: list[int], gun: np.ndarray, guns: int) -> _Stats:
    s = _Stats(rows=members, guns=guns)
    seen: set[int] = set()
    for i in members:
        r, g = rows[i], int(gun[i])
        s.states.add(r.recovery_state)
        if r.purchaser_id and r.possessor_id:
            s.both_ids += 1
            s.not_possessor += r.purchaser_id != r.possessor_id
        if g in seen:
            continue  # a gun traced twice counts once below
        seen.add(g)
        if r.purchaser_id:
            s.purchasers.setdefault(r.purchaser_id, set()).add(i)
        if (t := r.time_to_crime_days) is not None and t >= 0:
            s.ttc.append(t)
        if r.us_sourced:
            s.us_guns += 1
            s.multiple_sales += r.multiple_sale
            s.dealers[dealer_key(r)] += 1
            s.dealer_names.setdefault(dealer_key(r), (r.dealer_name, r.dealer_state))
    return s


def _tail(k: np.ndarray, n: np.ndarray, p: float | np.ndarray) -> np.ndarray:
    """−ln P(X ≥ k) for X ~ Binomial(n, p); 0 when k = 0."""
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.where(k > 0, -binom.logsf(k - 1, n, p), 0.0)


def _scores(stats: list[_Stats], base: _Baseline) -> np.ndarray:
    def col(f: Callable[[_Stats], float]) -> np.ndarray:
        return np.asarray([f(s) for s in stats], dtype=np.float64)

    extra = col(lambda s: sum(len(g) - 1 for g in s.purchasers.values()))
    top = [s.dealers.most_common(1)[0] if s.dealers else ("", 0) for s in stats]
    nats = (
        extra * -math.log(max(base.repeat_purchase, _EPS))
        + _tail(col(lambda s: sum(t < ONE_YEAR_DAYS for t in s.ttc)), col(lambda s: len(s.ttc)), base.under_1y)
        + _tail(col(lambda s: s.multiple_sales), col(lambda s: s.us_guns), base.multiple_sale)
        + _tail(col(lambda s: s.not_possessor), col(lambda s: s.both_ids), base.not_possessor)
        + _tail(
            np.asarray([c if c >= 2 else 0 for _, c in top], dtype=np.float64),
            col(lambda s: s.us_guns),
            np.asarray([base.dealer_share.get(d, 0.0) for d, _ in top]),
        )
    )
    return nats / math.log(2)


def _places(states: set[str]) -> str:
    names = sorted(_state_names().get(s, s) for s in states)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _guns(n: int) -> str:
    return f"{n} gun{'s' * (n != 1)}"


def _evidence(s: _Stats, rows: Sequence[TraceRow], base: _Baseline) -> list[str]:
    out = []
    for pid, members in sorted(s.purchasers.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:5]:
        if len(members) < 2:
            break
        mine = [rows[i] for i in members]
        ffls = {r.dealer_ffl for r in mine if r.dealer_ffl}
        us = sorted({r.dealer_state for r in mine if r.dealer_state})
        days = [t for r in mine if (t := r.time_to_crime_days) is not None]
        span = (
            ""
            if not days
            else f" after {days[0]} days"
            if len(set(days)) == 1
            else f" within {min(days)}–{max(days)} days"
        )
        where = f" in {', '.join(us)}" if us else ""
        out.append(
            f"{len(members)} guns bought by purchaser {pid} at {len(ffls)} dealer{'s' * (len(ffls) != 1)}{where}, "
            f"recovered in {_places({r.recovery_state for r in mine})}{span}"
        )
    short = sum(t < ONE_YEAR_DAYS for t in s.ttc)
    if short:
        rate = f"all traces: {base.under_1y:.0%}"
        out.append(f"{short} of {_guns(len(s.ttc))} recovered within 1 year of retail sale ({rate})")
    if s.dealers and (top := s.dealers.most_common(1)[0])[1] >= 2:
        name, state = s.dealer_names[top[0]]
        share = base.dealer_share.get(top[0], 0.0)
        out.append(f"{top[1]} guns from one dealer, {name} ({top[0]}, {state}), {share:.2%} of US-sourced traces")
    if s.multiple_sales:
        out.append(f"{_guns(s.multiple_sales)} on multiple-sale reports (all traces: {base.multiple_sale:.1%})")
    if s.not_possessor:
        out.append(f"{s.not_possessor} of {_guns(s.both_ids)} recovered from someone other than the purchaser")
    if s.links:
        out.append(f"{s.links} ballistic lead{'s' * (s.links != 1)} between its recovery events")
    return out


def find_networks(
    rows: Sequence[TraceRow], *, min_guns: int = 3, links: Sequence[tuple[int, int]] = ()
) -> list[Network]:
    """Join purchasers, guns and recoveries into components and rank them as candidate trafficking networks.

    Parameters
    ----------
    rows : sequence of TraceRow
        Traces of guns recovered in Mexico.
    min_guns : int
        Smallest number of distinct guns for a component to be returned.
    links : sequence of (int, int)
        Ballistic leads: pairs of row indices whose recovery events the ballistics pillar ties
        together (cartridge cases matched across scenes).

    Returns
    -------
    list of Network
        Components with at least ``min_guns`` guns, highest score first; ``id`` is the rank.

    Notes
    -----
    Nodes are purchasers, guns (manufacturer + normalised serial; a row of its own when the
    serial is missing or obliterated), recovery events (recovery date + municipality) and
    dealers (FFL). Edges are purchaser–gun, gun–recovery event and, from ``links``,
    recovery event–recovery event. Dealer–gun edges are left out of the components: a large
    dealer sells to everyone and would join every purchaser into one component. Dealers are
    attached afterwards, as evidence. Components come from
    :func:`scipy.sparse.csgraph.connected_components` on a sparse adjacency.

    The score is the surprise, in bits, of the component's pattern under chance, summing
    independent-looking terms measured against the whole input (the population):

    * purchasers: Σ_p (g_p − 1) · −log q, with g_p the purchaser's guns and q = (purchaser–gun
      pairs − purchasers) / pairs, the population chance that a gun is not its buyer's first
      (a geometric model, P(G ≥ g) = q^(g−1));
    * short time-to-crime: −log P(X ≥ k), X ~ Binomial(n, p₁), k of the n guns with a known
      time-to-crime under one year, p₁ the population share;
    * multiple-sale reports and purchaser ≠ possessor: the same binomial tail with the
      population shares;
    * repeated dealer: the same tail for the leading dealer's m ≥ 2 guns against that dealer's
      share of US-sourced traces, so a big dealer's repeat sales count for little.

    The indicators are correlated in a real ring, so the sum is a ranking score, not a p-value.
    The indicators follow GAO, *Firearms Trafficking*, GAO-21-322 (2021), and ATF's National
    Firearms Commerce and Trafficking Assessment, vol. II (2023): multiple purchases, short
    time-to-crime, straw purchasers (purchaser ≠ possessor) and multiple-sale reports.
    """
    if not rows:
        return []
    gun, labels, n_guns, event = _components(rows, links)
    row_label = labels[gun]
    guns_per = np.bincount(labels[:n_guns], minlength=int(labels.max()) + 1)
    member = np.flatnonzero(guns_per[row_label] >= min_guns)
    order = member[np.argsort(row_label[member], kind="stable")]
    comps, starts = np.unique(row_label[order], return_index=True)
    groups = np.split(order, starts[1:]) if order.size else []
    stats = [_stats(rows, g.tolist(), gun, int(guns_per[c])) for c, g in zip(comps.tolist(), groups, strict=True)]
    pairs = np.asarray(links, dtype=np.int64).reshape(-1, 2)
    if pairs.size:
        same = labels[event[pairs[:, 0]]]
        counted = Counter(same[same == labels[event[pairs[:, 1]]]].tolist())
        for c, s in zip(comps.tolist(), stats, strict=True):
            s.links = counted.get(c, 0)
    base = _baseline(rows)
    scores = _scores(stats, base) if stats else np.zeros(0)
    ranked = sorted(range(len(stats)), key=lambda k: (-scores[k], -stats[k].guns, stats[k].rows[0]))
    return [_network(rank, stats[k], float(scores[k]), rows, base) for rank, k in enumerate(ranked, start=1)]


def _network(rank: int, s: _Stats, score: float, rows: Sequence[TraceRow], base: _Baseline) -> Network:
    serials = list(dict.fromkeys(rows[i].serial_normalized for i in s.rows if rows[i].serial_normalized))
    return Network(
        id=rank,
        purchasers=tuple(sorted(s.purchasers)),
        guns=s.guns,
        serials=tuple(serials[:20]),
        dealers=dict(s.dealers.most_common()),
        recovery_states=tuple(sorted(s.states)),
        time_to_crime_median_days=float(statistics.median(s.ttc)) if s.ttc else None,
        under_1y_share=sum(t < ONE_YEAR_DAYS for t in s.ttc) / len(s.ttc) if s.ttc else None,
        multiple_sales=s.multiple_sales,
        score=score,
        evidence=tuple(_evidence(s, rows, base)),
        rows=tuple(s.rows),
        ballistic_links=s.links,
    )
