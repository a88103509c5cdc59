"""Split orders: one purchase cut into pieces that each stay under the reporting threshold.

Thresholds in 21 CFR 1310.04(f) apply per transaction, which invites "structuring" a large
purchase into several small ones; the DEA answers with the cumulative threshold (a calendar
month's total, 21 CFR 1300.02) and 1301.74(b) names "orders of unusual frequency". Here a group
is the orders of one importer and substance, by mass, each below the substance's threshold, that
fall within `split_window_days` of each other (last day − first day < the window) and number at
least `split_min_orders`; when together they reach the threshold every order of the group in
the batch is flagged. Earlier orders from the history count as pieces (a split across two
notification runs is still a split) but are not flagged again. Undated orders cannot be placed
in a window and are left out.
"""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from bicentennial.core.errors import InvalidInput
from bicentennial.core.i18n import N_
from bicentennial.precursors.quantities import MASS
from bicentennial.precursors.suspicious_support import Order, SuspicionRules, importer_key, number, substance_key

# Catalog msgids (see `flag_text`); the second names only the first MAX_REFS_NAMED references.
SPLIT_MESSAGE = N_(
    "{count} orders of {substance} by this importer within {days} days ({refs}), each below the threshold of"
    " {threshold} kg, total {total} kg; rule: {min_orders} or more orders within {window} days, each below the"
    " threshold, together at or above it"
)
SPLIT_MORE_MESSAGE = N_(
    "{count} orders of {substance} by this importer within {days} days ({refs} and {more} more), each below the"
    " threshold of {threshold} kg, total {total} kg; rule: {min_orders} or more orders within {window} days, each"
    " below the threshold, together at or above it"
)
MAX_REFS_NAMED = 10
BAD_THRESHOLD = "Threshold for {substance} must be a number of kg, zero or more, not {value!r}"

# A group of the minimum size scores 0.6; each further piece adds 0.1, up to 1.
SPLIT_SCORE_BASE = 0.6
SPLIT_SCORE_STEP = 0.1


class _Piece(NamedTuple):
    day: date
    seq: int
    order: Order
    in_batch: bool


def _limits(thresholds: Mapping[str, float]) -> dict[str, float]:
    limits: dict[str, float] = {}
    for substance, value in thresholds.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
            raise InvalidInput(BAD_THRESHOLD.format(substance=substance, value=value))
        limits[substance_key(substance)] = float(value)
    return limits


def _groups(
    batch: Sequence[Order], history: Sequence[Order], limits: Mapping[str, float]
) -> dict[tuple[str, str], list[_Piece]]:
    groups: dict[tuple[str, str], list[_Piece]] = defaultdict(list)
    tagged = [(order, False) for order in history] + [(order, True) for order in batch]
    for seq, (order, in_batch) in enumerate(tagged):
        substance = substance_key(order.substance_id)
        limit = limits.get(substance)
        if order.family == MASS and order.day is not None and limit is not None and order.amount < limit:
            groups[importer_key(order.importer), substance].append(_Piece(order.day, seq, order, in_batch))
    return groups


def _maximal_windows(pieces: Sequence[_Piece], window_days: int) -> Iterator[tuple[int, int]]:
    """(first, last) index of every run of pieces within the window that no longer run contains."""
    starts: list[int] = []
    first = 0
    for piece in pieces:
        while (piece.day - pieces[first].day).days >= window_days:
            first += 1
        starts.append(first)
    for last, first in enumerate(starts):
        if last + 1 == len(starts) or starts[last + 1] > first:
            yield first, last


Sentence = tuple[str, dict[str, object]]


def _describe(window: Sequence[_Piece], total: float, limit: float, rules: SuspicionRules) -> tuple[Sentence, float]:
    refs = [piece.order.ref for piece in window]
    figures: dict[str, object] = dict(count=len(window), substance=window[0].order.substance_id)
    figures |= dict(days=(window[-1].day - window[0].day).days + 1, refs=", ".join(refs[:MAX_REFS_NAMED]))
    figures |= dict(threshold=number(limit), total=number(total), min_orders=rules.split_min_orders)
    figures |= dict(window=rules.split_window_days)
    if len(refs) > MAX_REFS_NAMED:
        sentence = (SPLIT_MORE_MESSAGE, figures | dict(more=len(refs) - MAX_REFS_NAMED))
    else:
        sentence = (SPLIT_MESSAGE, figures)
    score = SPLIT_SCORE_BASE + SPLIT_SCORE_STEP * (len(window) - rules.split_min_orders)
    return sentence, min(1.0, score)


def split_order_flags(
    batch: Sequence[Order], history: Sequence[Order], thresholds: Mapping[str, float], rules: SuspicionRules
) -> dict[str, tuple[Sentence, float]]:
    """Reference of each batch order in a split group → ((template, figures), score) of its largest group."""
    limits = _limits(thresholds)
    best: dict[str, tuple[float, Sentence, float]] = {}
    for (_, substance), pieces in _groups(batch, history, limits).items():
        if len(pieces) < rules.split_min_orders:
            continue
        pieces.sort(key=lambda piece: (piece.day, piece.seq))
        for first, last in _maximal_windows(pieces, rules.split_window_days):
            window = pieces[first : last + 1]
            if len(window) < rules.split_min_orders or not any(piece.in_batch for piece in window):
                continue
            total = math.fsum(piece.order.amount for piece in window)
            if total < limits[substance]:
                continue
            sentence, score = _describe(window, total, limits[substance], rules)
            for piece in window:
                if piece.in_batch and total > best.get(piece.order.ref, (-1.0,))[0]:
                    best[piece.order.ref] = (total, sentence, score)
    return {ref: (sentence, score) for ref, (_, sentence, score) in best.items()}
