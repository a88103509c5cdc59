"""Suspicious-order rules for precursor shipments.

21 CFR 1301.74(b) describes suspicious orders as "orders of unusual size, orders deviating
substantially from a normal pattern, and orders of unusual frequency"; 21 CFR 1310.05(a) makes
listed-chemical transactions of extraordinary quantity or uncommon method of delivery reportable; and
COFEPRIS and INCB PEN Online reviewers look for the same signs in pre-export notifications. The
rules name the signs but not the numbers, so every number here is a parameter of `SuspicionRules`,
and every flag states the rule and the figures that made it fire so that a reviewer can judge it.

All rules are causal: an order is compared with the orders known before it (the caller's history,
then the batch's own earlier orders by day), never with later ones, except split orders, whose
group is only visible once its last piece arrives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TypeVar

from bicentennial.core.errors import InvalidInput
from bicentennial.core.i18n import N_
from bicentennial.precursors.suspicious_split import split_order_flags
from bicentennial.precursors.suspicious_support import (
    Flag,
    Order,
    RunningQuantile,
    SuspicionRules,
    excess_score,
    importer_key,
    number,
    quantity,
    rank,
    share,
    substance_key,
)

HISTORY = "quantity-above-history"
TRADE = "quantity-above-trade"
NEW_IMPORTER = "new-importer"
ROUTE = "unusual-route"
SPLIT = "split-orders"

# Each template is a catalog msgid (see `flag_text`); the figures are formatted before they fill it in.
HISTORY_MESSAGE = N_(
    "Quantity {amount} is {ratio}× the median of this importer's {count} earlier orders of {substance} ({median});"
    " rule: > {factor}×"
)
HISTORY_ZERO_MESSAGE = N_(
    "Quantity {amount} is above the median of this importer's {count} earlier orders of {substance}, which is 0;"
    " rule: > {factor}×"
)
TRADE_MESSAGE = N_(
    "Quantity {amount} is {ratio}× the {rank}{ordinal} percentile of {count} known orders of {substance} by all"
    " importers ({value}); rule: > {factor}×"
)
TRADE_ZERO_MESSAGE = N_(
    "Quantity {amount} is above the {rank}{ordinal} percentile of {count} known orders of {substance} by all"
    " importers, which is 0; rule: > {factor}×"
)
NEW_IMPORTER_MESSAGE = N_(
    "First order of {substance} by this importer; {count} earlier orders of it came from other importers"
)
NEW_IMPORTER_LARGE_MESSAGE = N_(
    "First order of {substance} by this importer, and its quantity {amount} is above the median of"
    " {count} earlier orders of it by other importers ({median})"
)
ROUTE_COUNTRY_MESSAGE = N_(
    "Transit country {country} appears in {seen} of {count} known routes of {substance} ({share}); rule: < {minimum}"
)
ROUTE_LENGTH_MESSAGE = N_(
    "Route has {transits} transit countries; {seen} of {count} known routes of {substance} ({share}) have"
    " that many or more; rule: < {minimum}"
)
DUPLICATE_REF = "Order reference {ref!r} appears twice; each order needs its own reference"

# Scores. A first order is weak evidence on its own (every importer has one) and stronger when
# it is also large; a route never seen scores 0.8, one at the share limit 0.4.
NEW_IMPORTER_SCORE = 0.3
NEW_IMPORTER_LARGE_SCORE = 0.6
ROUTE_SCORE_FLOOR = 0.4
ROUTE_SCORE_SPAN = 0.4

_NO_THRESHOLDS: Mapping[str, float] = MappingProxyType({})
_K = TypeVar("_K", str, tuple[str, str, str])


@dataclass
class _Substance:
    """What is known about one substance so far, all importers together."""

    importers: set[str] = field(default_factory=set)
    trade: dict[str, RunningQuantile] = field(default_factory=dict)
    median: dict[str, RunningQuantile] = field(default_factory=dict)
    routes: int = 0
    transit_countries: Counter[str] = field(default_factory=Counter)
    transit_counts: Counter[int] = field(default_factory=Counter)


def _transits(order: Order) -> set[str]:
    return {code.upper() for code in order.route[1:-1]}


def _running(stats: dict[_K, RunningQuantile], key: _K, p: float) -> RunningQuantile:
    found = stats.get(key)
    if found is None:
        found = stats[key] = RunningQuantile(p)
    return found


class _Knowledge:
    """The orders seen so far, folded into running statistics."""

    def __init__(self, rules: SuspicionRules) -> None:
        self.rules = rules
        self.substances: dict[str, _Substance] = {}
        self.importer_history: dict[tuple[str, str, str], RunningQuantile] = {}

    def add(self, order: Order, importer: str, substance: str) -> None:
        known = self.substances.get(substance)
        if known is None:
            known = self.substances[substance] = _Substance()
        known.importers.add(importer)
        _running(known.trade, order.family, self.rules.trade_quantile).add(order.amount)
        _running(known.median, order.family, 0.5).add(order.amount)
        _running(self.importer_history, (importer, substance, order.family), 0.5).add(order.amount)
        if len(order.route) >= 2:
            known.routes += 1
            transits = _transits(order)
            known.transit_countries.update(transits)
            known.transit_counts[len(transits)] += 1

    def check(self, order: Order, importer: str, substance: str) -> list[Flag]:
        known = self.substances.get(substance)
        if known is None:
            return []
        found = (
            _above_history(order, self.importer_history.get((importer, substance, order.family)), self.rules),
            _above_trade(order, known.trade.get(order.family), self.rules),
            _new_importer(order, importer, known),
            _unusual_route(order, known, self.rules),
        )
        return [flag for flag in found if flag is not None]


def _above_history(order: Order, past: RunningQuantile | None, rules: SuspicionRules) -> Flag | None:
    if past is None or len(past) < rules.min_history:
        return None
    median = past.value()
    if order.amount <= rules.history_factor * median:
        return None
    figures = dict(amount=quantity(order.amount, order.family), count=len(past), substance=order.substance_id)
    figures |= dict(factor=number(rules.history_factor), median=quantity(median, order.family))
    if median > 0:
        sentence = (HISTORY_MESSAGE, figures | dict(ratio=number(order.amount / median)))
    else:
        sentence = (HISTORY_ZERO_MESSAGE, figures)
    return Flag.of(HISTORY, excess_score(order.amount, rules.history_factor * median), sentence)


def _above_trade(order: Order, trade: RunningQuantile | None, rules: SuspicionRules) -> Flag | None:
    if trade is None or len(trade) < rules.min_trade:
        return None
    value = trade.value()
    if order.amount <= rules.trade_factor * value:
        return None
    figures = dict(amount=quantity(order.amount, order.family), count=len(trade), substance=order.substance_id)
    figures |= dict(factor=number(rules.trade_factor), value=quantity(value, order.family))
    figures |= dict(zip(("rank", "ordinal"), rank(rules.trade_quantile), strict=True))
    if value > 0:
        sentence = (TRADE_MESSAGE, figures | dict(ratio=number(order.amount / value)))
    else:
        sentence = (TRADE_ZERO_MESSAGE, figures)
    return Flag.of(TRADE, excess_score(order.amount, rules.trade_factor * value), sentence)


def _new_importer(order: Order, importer: str, known: _Substance) -> Flag | None:
    if importer in known.importers:
        return None
    same_family = known.median.get(order.family)
    if same_family is not None and order.amount > same_family.value():
        figures: dict[str, object] = dict(substance=order.substance_id, amount=quantity(order.amount, order.family))
        figures |= dict(count=len(same_family), median=quantity(same_family.value(), order.family))
        return Flag.of(NEW_IMPORTER, NEW_IMPORTER_LARGE_SCORE, (NEW_IMPORTER_LARGE_MESSAGE, figures))
    count = sum(len(stats) for stats in known.median.values())
    return Flag.of(
        NEW_IMPORTER, NEW_IMPORTER_SCORE, (NEW_IMPORTER_MESSAGE, dict(substance=order.substance_id, count=count))
    )


def _route_score(seen_share: float, rules: SuspicionRules) -> float:
    return ROUTE_SCORE_FLOOR + ROUTE_SCORE_SPAN * (1 - seen_share / rules.route_min_share)


def _unusual_route(order: Order, known: _Substance, rules: SuspicionRules) -> Flag | None:
    if len(order.route) < 3 or known.routes < rules.min_routes:
        return None
    figures = dict(count=known.routes, substance=order.substance_id, minimum=share(rules.route_min_share))
    parts: list[tuple[str, dict[str, object]]] = []
    scores: list[float] = []
    for country in sorted(_transits(order)):
        seen = known.transit_countries[country]
        if seen / known.routes < rules.route_min_share:
            parts.append(
                (ROUTE_COUNTRY_MESSAGE, figures | dict(country=country, seen=seen, share=share(seen / known.routes)))
            )
            scores.append(_route_score(seen / known.routes, rules))
    transits = len(_transits(order))
    if transits >= 2:
        seen = sum(n for length, n in known.transit_counts.items() if length >= transits)
        if seen / known.routes < rules.route_min_share:
            parts.append(
                (ROUTE_LENGTH_MESSAGE, figures | dict(transits=transits, seen=seen, share=share(seen / known.routes)))
            )
            scores.append(_route_score(seen / known.routes, rules))
    return Flag.of(ROUTE, max(scores), *parts) if parts else None


def _in_day_order(orders: Sequence[Order]) -> list[Order]:
    """By day, stably; an order without a day keeps its place after the dated order before it."""
    keys: list[date] = []
    last = date.min
    for order in orders:
        last = order.day or last
        keys.append(last)
    return [orders[i] for i in sorted(range(len(orders)), key=keys.__getitem__)]


def _check_refs(orders: Iterable[Order]) -> None:
    seen: set[str] = set()
    for order in orders:
        if order.ref in seen:
            raise InvalidInput(DUPLICATE_REF.format(ref=order.ref))
        seen.add(order.ref)


def flag_orders(
    orders: Sequence[Order],
    *,
    history: Sequence[Order] = (),
    thresholds: Mapping[str, float] = _NO_THRESHOLDS,
    rules: SuspicionRules = SuspicionRules(),
) -> dict[str, list[Flag]]:
    """Flags per order reference; references without flags are absent.

    Parameters
    ----------
    orders
        The batch to screen; references must be unique.
    history
        Earlier orders (e.g. past notifications). They inform the rules but are never flagged; the
        batch's own orders inform later ones, in `day` order (undated orders: batch order).
    thresholds
        Substance id → threshold quantity in kg (21 CFR 1310.04(f)), used by the split-orders rule.
    rules
        The thresholds of the rules.

    Returns
    -------
    dict[str, list[Flag]]
        Per reference, its flags in rule order. O(n log n): running heaps and counters, no rescans.
    """
    _check_refs(orders)
    knowledge = _Knowledge(rules)
    for order in history:
        knowledge.add(order, importer_key(order.importer), substance_key(order.substance_id))
    flags: dict[str, list[Flag]] = {}
    for order in _in_day_order(orders):
        importer, substance = importer_key(order.importer), substance_key(order.substance_id)
        found = knowledge.check(order, importer, substance)
        if found:
            flags[order.ref] = found
        knowledge.add(order, importer, substance)
    for ref, (sentence, score) in split_order_flags(orders, history, thresholds, rules).items():
        flags.setdefault(ref, []).append(Flag.of(SPLIT, score, sentence))
    return flags
