"""Laundering typologies over a set of transactions: one entry point, :func:`detect_all`.

The detectors live by family in ``typology_cash`` (structuring, funnel accounts), ``typology_flows``
(pass-through, round-tripping) and ``typology_trade`` (trade-based laundering); links to designated
parties are here because they need only the caller's list. Every alert states its rule with the
figures, so an analyst can check it against the raw rows without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping

import pandas as pd

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.transactions import Transaction, fold, to_frame
from bicentennial.finance.typology_base import Alert, TypologyParams, money
from bicentennial.finance.typology_cash import detect_funnel, detect_structuring_mx, detect_structuring_us
from bicentennial.finance.typology_flows import detect_pass_through, detect_round_trip
from bicentennial.finance.typology_trade import detect_trade

__all__ = ["Alert", "Designated", "TypologyParams", "detect_all", "detect_designated", "normalize_party"]

Designated = Collection[str] | Callable[[str], float]
# Catalog msgids (see finance/explain.py), keyed (the account itself is designated, one transaction,
# one party): each number and role written out so that a translation can agree with it.
DESIGNATED_RULES = {
    (True, True, True): N_("{count} transaction ({total}) by an account that is itself a designated party {names}"),
    (True, False, True): N_("{count} transactions ({total}) by an account that is itself a designated party {names}"),
    (False, True, True): N_("{count} transaction ({total}) with designated party {names}"),
    (False, False, True): N_("{count} transactions ({total}) with designated party {names}"),
    (False, True, False): N_("{count} transaction ({total}) with designated parties {names}"),
    (False, False, False): N_("{count} transactions ({total}) with designated parties {names}"),
}
DESIGNATED_NAME = N_("'{name}' (match {score})")


def normalize_party(text: str) -> str:
    """Names and ids compare without accents, case or punctuation ("Pérez, Juan" ~ "PEREZ JUAN")."""
    return re.sub(r"[^a-z0-9ñ]+", " ", fold(text)).strip()


def _scorer(designated: Designated) -> Callable[[str], float]:
    if callable(designated):
        screen = designated
        return lambda party: float(screen(party) or 0.0)
    wanted = {normalize_party(d) for d in designated}
    return lambda party: 1.0 if normalize_party(party) in wanted else 0.0


def detect_designated(frame: pd.DataFrame, params: TypologyParams, designated: Designated) -> list[Alert]:
    """Transactions whose account or counterparty is designated (by the caller's set or screening function)."""
    score_of = _scorer(designated)
    parties = pd.unique(pd.concat([frame["account"], frame["counterparty"]]))
    scores = {p: s for p in parties if p and (s := score_of(str(p))) >= params.designated_min_score}
    if not scores:
        return []
    mine = frame["account"].isin(scores.keys())
    theirs = frame["counterparty"].isin(scores.keys())
    alerts = []
    for account, rows in frame[mine | theirs].groupby("account", sort=False):
        self_hit = account in scores
        names = [str(account)] if self_hit else sorted(set(rows["counterparty"]) & scores.keys())
        best = max(scores[n] for n in names)
        template = DESIGNATED_RULES[(self_hit, len(rows) == 1, len(names) == 1)]
        total = money(float(rows["amount"].sum()), rows["currency"])
        listed = [Explanation.of(DESIGNATED_NAME, name=n, score=f"{scores[n]:.2f}") for n in names[:5]]
        rule = Explanation.of(template, count=len(rows), total=total).with_part("names", listed, ", ")
        involved = tuple(dict.fromkeys([str(account), *names]))
        alerts.append(Alert.of("designated", involved, tuple(rows["id"]), best, rule, rows["time"]))
    return alerts


def detect_all(
    transactions: Iterable[Transaction] | pd.DataFrame,
    *,
    params: TypologyParams | None = None,
    designated: Designated | None = None,
    trade_reference: Mapping[str, float] | None = None,
) -> list[Alert]:
    """Run every detector; alerts sorted by score, strongest first."""
    p = params or TypologyParams()
    frame = transactions if isinstance(transactions, pd.DataFrame) else to_frame(transactions)
    frame = frame.reset_index(drop=True)
    alerts = [
        *detect_structuring_us(frame, p),
        *detect_structuring_mx(frame, p),
        *detect_funnel(frame, p),
        *detect_pass_through(frame, p),
        *detect_round_trip(frame, p),
        *detect_trade(frame, p, trade_reference),
    ]
    if designated is not None:
        alerts.extend(detect_designated(frame, p, designated))
    return sorted(alerts, key=lambda a: (-a.score, a.typology, a.accounts))
