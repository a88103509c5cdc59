"""Building blocks of the suspicious-order rules: the records, running quantiles, importer keys, figures.

Kept apart from the rules so that each piece can be checked on its own: the quantile against
numpy, the importer key against the spellings found on real manifests.
"""

from __future__ import annotations

import heapq
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.flag_text import Params, joined, render
from bicentennial.precursors.quantities import COUNT, MASS, VOLUME

UNIT_LABELS = {MASS: "kg", VOLUME: "L", COUNT: "units"}
FAMILIES = (MASS, VOLUME, COUNT)

BAD_FAMILY = "Order {ref}: family {family!r} is not one of {families}"
BAD_AMOUNT = "Order {ref}: amount {amount!r} is not a number of zero or more"
BAD_ROUTE_CODE = "Order {ref}: route code {code!r} is not an ISO 3166 two-letter country code"
BAD_RULE = "Suspicion rule {name} = {value!r} is out of range"

# Company-form suffixes dropped from the end of an importer's name (after folding case and accents
# and removing dots), longest first, repeatedly: "Química Norte, S.A. de C.V." and "QUIMICA NORTE SA
# DE CV" are one importer; so are "Acme Chemicals Co., Ltd." and "ACME CHEMICALS".
_SUFFIX_LIST = (
    "sa de cv|s de rl de cv|s de rl|sapi de cv|sab de cv|sa de cv sofom|sc|de cv|sa|sas|sac|saa|srl|ltda|sl|spa|"
    "sarl|inc|incorporated|llc|lllp|llp|lp|ltd|limited|corp|corporation|co|company|plc|gmbh|ag|bv|nv|pte|pvt|"
    "private|pty|kk|oy|ab|as"
)
_COMPANY_SUFFIXES = sorted((tuple(suffix.split()) for suffix in _SUFFIX_LIST.split("|")), key=len, reverse=True)
_PUNCTUATION = re.compile(r"[^\w]+|_")


@dataclass(frozen=True)
class Order:
    """One shipment as the rules see it; `amount` is already in kg, L or units (see `normalise_quantity`)."""

    ref: str
    importer: str
    substance_id: str
    amount: float
    family: str
    day: date | None = None
    exporter: str | None = None
    route: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise InvalidInput(BAD_FAMILY.format(ref=self.ref, family=self.family, families=", ".join(FAMILIES)))
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, numbers.Real) or not math.isfinite(amount) or amount < 0:
            raise InvalidInput(BAD_AMOUNT.format(ref=self.ref, amount=amount))
        for code in self.route:
            if not (isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha()):
                raise InvalidInput(BAD_ROUTE_CODE.format(ref=self.ref, code=code))


@dataclass(frozen=True)
class Flag:
    """A rule that fired: `rule` is a stable code, `message` the reviewer's explanation, `score` 0..1.

    `template` (an English msgid, or several joined, see `flag_text`) and `params` (the formatted
    figures) let `text` say the same in the reader's language; `message` is that text in English.
    They take no part in equality: two flags with one message say the same thing.
    """

    rule: str
    message: str
    score: float
    template: str = field(default="", compare=False)
    params: Params = field(default=(), compare=False)

    @classmethod
    def of(cls, rule: str, score: float, *parts: tuple[str, Mapping[str, object]]) -> Flag:
        """A flag from (template, figures) sentences; its English message is the templates filled in."""
        template, params = joined(parts)
        return cls(rule, render(template, params, str), score, template, params)

    def text(self, gettext: Callable[[str], str]) -> str:
        """The message in gettext's language (the English message for a flag without a template)."""
        return render(self.template, self.params, gettext) if self.template else self.message

    def as_dict(self) -> dict[str, Any]:
        """The stored JSON shape: {rule, message, score, template, params}."""
        return {
            "rule": self.rule,
            "message": self.message,
            "score": round(self.score, 3),
            "template": self.template,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class SuspicionRules:
    """Every threshold of the rules; the defaults are starting points for a regulator to tune.

    history_factor, min_history: an order above `history_factor` × the median of at least
    `min_history` earlier orders of the same importer and substance is of unusual size for that
    importer. trade_quantile, trade_factor, min_trade: above `trade_factor` × that quantile of at
    least `min_trade` orders of the substance by anyone is of unusual size for the trade.
    route_min_share, min_routes: a transit country (or that many transit countries) seen in fewer
    than this share of at least `min_routes` known routes deviates from the pattern.
    split_window_days, split_min_orders: orders of unusual frequency (see `suspicious_split`).
    """

    history_factor: float = 5.0
    min_history: int = 3
    trade_quantile: float = 0.99
    trade_factor: float = 2.0
    min_trade: int = 20
    route_min_share: float = 0.02
    min_routes: int = 20
    split_window_days: int = 30
    split_min_orders: int = 3

    def __post_init__(self) -> None:
        checks = {
            "history_factor": self.history_factor > 0,
            "min_history": self.min_history >= 1,
            "trade_quantile": 0 < self.trade_quantile <= 1,
            "trade_factor": self.trade_factor > 0,
            "min_trade": self.min_trade >= 1,
            "route_min_share": 0 < self.route_min_share <= 1,
            "min_routes": self.min_routes >= 1,
            "split_window_days": self.split_window_days >= 1,
            "split_min_orders": self.split_min_orders >= 2,
        }
        for name, ok in checks.items():
            if not ok:
                raise InvalidInput(BAD_RULE.format(name=name, value=getattr(self, name)))


def fold(text: str) -> str:
    """Case-folded text without accents."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=65536)
def importer_key(name: str) -> str:
    """The key two spellings of one importer share: no case, accents, punctuation or company form.

    Dots are removed rather than spaced so that "S.A." becomes "sa"; other punctuation separates
    words. A name that is nothing but a company form keeps it, so it never collapses to "".
    """
    words = _PUNCTUATION.sub(" ", fold(name).replace(".", "")).split()
    stripped = True
    while stripped:
        stripped = False
        for suffix in _COMPANY_SUFFIXES:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words, stripped = words[: -len(suffix)], True
                break
    return " ".join(words)


def substance_key(substance_id: str) -> str:
    return substance_id.strip().upper()


class RunningQuantile:
    """Exact quantile of a growing sample, O(log n) per value, O(1) per query.

    Uses numpy's default ("linear", Hyndman & Fan type 7) definition: with the sample sorted as
    x[0..n-1] and h = (n-1)p, the quantile is x[⌊h⌋] + (h-⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋]). The ⌊h⌋+1 smallest
    values sit in a max-heap and the rest in a min-heap, so both neighbours are at the heap tops.
    """

    __slots__ = ("_high", "_low", "_p")

    def __init__(self, p: float) -> None:
        self._p = p
        self._low: list[float] = []  # negated: a max-heap
        self._high: list[float] = []

    def __len__(self) -> int:
        return len(self._low) + len(self._high)

    def add(self, value: float) -> None:
        low, high = self._low, self._high
        if low and value <= -low[0]:
            heapq.heappush(low, -value)
        else:
            heapq.heappush(high, value)
        target = int((len(low) + len(high) - 1) * self._p) + 1
        while len(low) > target:
            heapq.heappush(high, -heapq.heappop(low))
        while len(low) < target:
            heapq.heappush(low, -heapq.heappop(high))

    def value(self) -> float:
        """The quantile; the sample must not be empty."""
        h = (len(self) - 1) * self._p
        below = -self._low[0]
        fraction = h - int(h)
        if fraction == 0 or not self._high:
            return below
        return below + fraction * (self._high[0] - below)


def number(value: float) -> str:
    """1,234.5 style; three significant digits below 1 so that small amounts do not read as 0."""
    if value != 0 and abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def quantity(value: float, family: str) -> str:
    return f"{number(value)} {UNIT_LABELS[family]}"


def rank(p: float) -> tuple[str, str]:
    """0.99 -> ("99", "th"), 0.5 -> ("50", "th"), 0.995 -> ("99.5", "th"), 0.01 -> ("1", "st").

    The English ordinal suffix is kept apart from the number because Spanish needs none
    ("percentil 99"), so a translated template can leave it out.
    """
    text = f"{p * 100:g}"
    suffix = "th"
    if "." not in text and not text.endswith(("11", "12", "13")):
        suffix = {"1": "st", "2": "nd", "3": "rd"}.get(text[-1], "th")
    return text, suffix


def share(value: float) -> str:
    """Three significant digits, so that 1 in 51 (1.96%) does not read as the 2% limit."""
    return f"{value * 100:.3g}%"


def excess_score(amount: float, limit: float) -> float:
    """0.5 at the limit, rising towards 1 as the amount grows: 1 - limit / (2 × amount)."""
    return 1.0 if limit <= 0 else min(1.0, max(0.5, 1 - limit / (2 * amount)))
