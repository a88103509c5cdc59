"""The network view: accounts, parties, designated entities and alerts joined into ranked components.

An analyst reads laundering as a network, not as single alerts: a mule account, the company that
feeds it and a designated counterparty are one case. The graph starts from the evidence (accounts
in alerts, designated parties, records the platform links in) and adds the transfers that touch it,
so a bank's whole book does not collapse into one component through shops and payroll. Components
come from ``scipy.sparse.csgraph`` (no networkx in the lock file) and are ranked by evidence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation, as_dicts
from bicentennial.finance.transactions import Transaction, to_frame
from bicentennial.finance.typology_base import Alert

DESIGNATED_WEIGHT = 2.0  # a designated party weighs as much as two strong alerts
AMOUNT_WEIGHT = 0.1  # per order of magnitude of money moved: breaks ties, never outranks an alert
# Catalog msgids (see finance/explain.py), keyed by whether each count is one, so a translation agrees.
EXPLAIN_ALERTS = {True: N_("{n} alert: {items}"), False: N_("{n} alerts: {items}")}
EXPLAIN_DESIGNATED = {True: N_("{n} designated party: {names}"), False: N_("{n} designated parties: {names}")}
EXPLAIN_MONEY = {  # (one transaction, one account)
    (True, True): N_("{amount} moved in {count} transaction between {accounts} account"),
    (True, False): N_("{amount} moved in {count} transaction between {accounts} accounts"),
    (False, True): N_("{amount} moved in {count} transactions between {accounts} account"),
    (False, False): N_("{amount} moved in {count} transactions between {accounts} accounts"),
}
EXPLAIN_LINKS = {True: N_("{n} other record linked: {kinds}"), False: N_("{n} other records linked: {kinds}")}


@dataclass(frozen=True)
class Link:
    """A relation from elsewhere in the platform (account holder, company director, a case file...)."""

    source: str
    target: str
    kind: str  # e.g. "holder", "director", "shareholder", "case"
    source_kind: str = "person"
    target_kind: str = "account"
    weight: float = 1.0


@dataclass
class Node:
    id: str
    kind: str  # account | counterparty | designated | alert | (a Link's kinds: person, company, case...)
    label: str
    component: int = -1
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # transfer | flagged | designated | a Link's kind
    weight: float  # alert score for "flagged", link weight, else number of transactions
    amount: float = 0.0
    count: int = 0


@dataclass(frozen=True)
class Component:
    """``explanation`` in English; ``explanations`` the same lines as catalog templates and figures."""

    rank: int  # 1 = most evidence
    nodes: tuple[str, ...]
    score: float
    explanation: tuple[str, ...]
    explanations: tuple[Explanation, ...] = ()


@dataclass
class Network:
    nodes: dict[str, Node]
    edges: list[Edge]
    components: list[Component]


def _hubs(frame: pd.DataFrame, limit: int) -> set[str]:
    """Parties that deal with more than ``limit`` others: employers, shops, utilities."""
    pairs = frame.loc[frame["counterparty"] != "", ["account", "counterparty"]].drop_duplicates()
    degree = pd.concat([pairs["account"], pairs["counterparty"]]).value_counts()
    return set(degree.index[degree > limit])


def _transfer_edges(frame: pd.DataFrame, seeds: set[str], alerted: set[str], hub_degree: int) -> pd.DataFrame:
    known = set(frame["account"].unique())
    hubs = _hubs(frame, hub_degree) - seeds
    touches = frame["account"].isin(seeds) | frame["counterparty"].isin(seeds)
    keep = touches & (frame["counterparty"].isin(known) | frame["id"].isin(alerted) | frame["counterparty"].isin(seeds))
    keep &= ~(frame["account"].isin(hubs) | frame["counterparty"].isin(hubs)) | frame["id"].isin(alerted)
    rows = frame[keep & (frame["counterparty"] != "")]
    out = rows["direction"] == "out"
    src = rows["account"].where(out, rows["counterparty"])
    dst = rows["counterparty"].where(out, rows["account"])
    moves = pd.DataFrame({"src": src, "dst": dst, "time": rows["time"], "amount": rows["amount"]})
    moves = moves.drop_duplicates()  # one transfer between two own accounts is booked on both
    return moves.groupby(["src", "dst"], as_index=False).agg(amount=("amount", "sum"), count=("amount", "size"))


def build_graph(
    transactions: Iterable[Transaction] | pd.DataFrame,
    alerts: Sequence[Alert],
    links: Iterable[Link] = (),
    designated: Collection[str] = (),
    *,
    hub_degree: int = 25,
) -> Network:
    """Nodes and edges around the evidence, with components ranked (see :func:`rank_components`).

    Seeds are the accounts in alerts, designated parties and the ends of ``links``; the graph adds
    the transfers between seeds and other accounts of the data, and every alerted transaction. A
    party dealing with more than ``hub_degree`` others (an employer, a shop) is left out unless it is
    a seed itself or sits in an alerted transaction: paying the same salary office is no tie.
    """
    frame = transactions if isinstance(transactions, pd.DataFrame) else to_frame(transactions)
    links = list(links)
    flagged_designated = {p for a in alerts if a.typology == "designated" for p in a.accounts[1:]}
    marked = set(designated) | flagged_designated
    seeds = {p for a in alerts for p in a.accounts} | marked | {x for lk in links for x in (lk.source, lk.target)}
    alerted = {t for a in alerts for t in a.transactions}
    accounts = dict(zip(frame["account"], frame["account_type"], strict=False))
    nodes: dict[str, Node] = {}

    def node(name: str, kind: str) -> None:
        if name not in nodes:
            kind = "designated" if name in marked else "account" if name in accounts else kind
            attrs = {"account_type": accounts[name]} if name in accounts else {}
            nodes[name] = Node(name, kind, name, attrs=attrs)

    edges: list[Edge] = []
    for r in _transfer_edges(frame, seeds, alerted, hub_degree).itertuples():
        node(str(r.src), "counterparty")
        node(str(r.dst), "counterparty")
        kind = "designated" if r.src in marked or r.dst in marked else "transfer"
        edges.append(Edge(str(r.src), str(r.dst), kind, float(r.count), float(r.amount), int(r.count)))
    for i, a in enumerate(alerts, 1):
        key = f"alert:{i}"
        nodes[key] = Node(key, "alert", f"{a.typology} ({a.score:.2f})", attrs={"rule": a.rule, "score": a.score})
        for p in a.accounts:
            node(p, "counterparty")
            edges.append(Edge(key, p, "flagged", a.score, 0.0, len(a.transactions)))
    for lk in links:
        node(lk.source, lk.source_kind)
        node(lk.target, lk.target_kind)
        edges.append(Edge(lk.source, lk.target, lk.kind, lk.weight))
    return Network(nodes, edges, rank_components(nodes, edges, alerts))


def _explain(members: list[Node], edges: list[Edge], alerts: Sequence[Alert]) -> tuple[float, tuple[Explanation, ...]]:
    ids = {n.id for n in members}
    mine = [alerts[int(n.id.split(":")[1]) - 1] for n in members if n.kind == "alert"]
    named = sorted(n.id for n in members if n.kind == "designated")
    money = [e for e in edges if e.kind in {"transfer", "designated"} and e.source in ids]
    total, count = sum(e.amount for e in money), sum(e.count for e in money)
    others = Counter(n.kind for n in members if n.kind not in {"account", "counterparty", "designated", "alert"})
    score = sum(a.score for a in mine) + DESIGNATED_WEIGHT * len(named) + AMOUNT_WEIGHT * math.log10(1 + total)
    lines = []
    if mine:
        items = ", ".join(f"{a.typology} {a.score:.2f}" for a in sorted(mine, key=lambda a: -a.score)[:6])
        lines.append(Explanation.of(EXPLAIN_ALERTS[len(mine) == 1], n=len(mine), items=items))
    if named:
        lines.append(Explanation.of(EXPLAIN_DESIGNATED[len(named) == 1], n=len(named), names=", ".join(named[:5])))
    if count:
        n_acc = sum(n.kind in {"account", "designated"} for n in members)
        template = EXPLAIN_MONEY[(count == 1, n_acc == 1)]
        lines.append(Explanation.of(template, amount=f"{total:,.0f}", count=count, accounts=n_acc))
    if others:
        kinds, n = ", ".join(f"{c} {k}" for k, c in sorted(others.items())), sum(others.values())
        lines.append(Explanation.of(EXPLAIN_LINKS[n == 1], n=n, kinds=kinds))
    return score, tuple(lines)


def rank_components(nodes: dict[str, Node], edges: list[Edge], alerts: Sequence[Alert]) -> list[Component]:
    """Connected components ranked by evidence.

    Score = sum of the alerts' scores + 2 per designated party + 0.1 per order of magnitude of the
    money moved inside: alerts and designations decide, money breaks ties.
    """
    index = {k: i for i, k in enumerate(nodes)}
    src = np.fromiter((index[e.source] for e in edges), dtype=np.int64, count=len(edges))
    dst = np.fromiter((index[e.target] for e in edges), dtype=np.int64, count=len(edges))
    graph = sparse.coo_matrix((np.ones(len(edges), dtype=np.int8), (src, dst)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph.tocsr(), directed=False)
    groups: dict[int, list[Node]] = {}
    for n, label in zip(nodes.values(), labels.tolist(), strict=True):
        groups.setdefault(label, []).append(n)
    by_group: dict[int, list[Edge]] = {}
    for e in edges:
        by_group.setdefault(int(labels[index[e.source]]), []).append(e)
    scored = [(*_explain(members, by_group.get(g, []), alerts), g) for g, members in groups.items()]
    scored.sort(key=lambda x: (-x[0], x[2]))
    out = []
    for rank, (score, lines, g) in enumerate(scored, 1):
        for n in groups[g]:
            n.component = rank
        english = tuple(line.text() for line in lines)
        out.append(Component(rank, tuple(n.id for n in groups[g]), round(score, 4), english, lines))
    return out


def to_json(network: Network, *, top: int | None = None) -> dict[str, Any]:
    """{"nodes", "edges", "components"} for a front-end drawing; ``top`` keeps the best-ranked components."""
    keep = {c.rank for c in network.components[:top]} if top is not None else None
    nodes = [n for n in network.nodes.values() if keep is None or n.component in keep]
    ids = {n.id for n in nodes}
    return {
        "nodes": [asdict(n) for n in nodes],
        "edges": [asdict(e) for e in network.edges if e.source in ids],
        "components": [_component_json(c) for c in network.components if keep is None or c.rank in keep],
    }


def _component_json(component: Component) -> dict[str, Any]:
    """The stored shape: English ``explanation`` lines and their ``explanations`` (see finance/explain.py)."""
    return {
        "rank": component.rank,
        "nodes": list(component.nodes),
        "score": component.score,
        "explanation": list(component.explanation),
        "explanations": as_dicts(component.explanations),
    }
