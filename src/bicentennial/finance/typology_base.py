"""What every laundering-typology detector returns and the thresholds they read, with their sources.

Thresholds are parameters, not constants buried in code, because each is a policy choice: a bank
tunes them to its book, a regulator changes them by decree. The defaults cite where they come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from bicentennial.finance.explain import Explanation


@dataclass(frozen=True)
class Alert:
    """A pattern worth an analyst's look: which accounts and transactions, how strong, and the rule in words
    (``rule`` in English; ``explanation`` the same sentence as a catalog template and its figures)."""

    typology: str  # structuring_us | structuring_mx | funnel | pass_through | round_trip | trade | designated
    accounts: tuple[str, ...]
    transactions: tuple[str, ...]  # transaction ids
    score: float  # 0..1; 0.5 at the rule's threshold, 1.0 well past it
    rule: str  # English sentence with the figures that tripped the rule
    period: tuple[datetime, datetime]
    explanation: Explanation | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, typology: str, accounts: Sequence[str], transactions: Sequence[str], score: float,
        explanation: Explanation, times: pd.Series,
    ) -> Alert:  # fmt: skip
        """An alert whose English rule is the explanation's text, over the period of ``times``."""
        rule = explanation.text()
        return cls(typology, tuple(accounts), tuple(transactions), score, rule, period(times), explanation)


@dataclass(frozen=True)
class TypologyParams:
    """Thresholds of the detectors.

    Structuring (US): 31 CFR 1010.311 makes banks file a Currency Transaction Report for cash over
    USD 10,000 a day; 31 U.S.C. 5324 makes splitting deposits to evade it a crime. Deposits between
    ``structuring_band[0]`` and ``structuring_band[1]`` of the threshold, ``structuring_min_count`` of
    them within ``structuring_window_days``, are the classic FinCEN red flag.

    Structuring (Mexico): the general provisions under article 115 of the Ley de Instituciones de
    Crédito (SHCP resolution, DOF June 2010) cap the US dollars in cash a bank may take per month
    and account: USD 4,000 for individuals, USD 14,000 for companies (in border and tourist zones).
    LFPIORPI (DOF 17 October 2012, art. 32) separately caps cash in vulnerable activities. Months
    whose USD cash deposits sit just under the cap, month after month, are the local analogue of
    structuring; a month over the cap is reported as well (the bank should have refused the excess).
    An account of unknown type gets the individual cap (the stricter reading).

    Funnel accounts (FinCEN advisory FIN-2014-A005): cash deposited in many places, withdrawn soon
    after near the US–Mexico border. Pass-through and round-tripping follow the FATF typologies of
    money mules and circular transfers; the mule rule runs on personal accounts (and accounts of
    unknown type) only, because a business forwards its takings to suppliers and payroll every day.
    Trade-based laundering follows FATF "Trade-Based Money
    Laundering" (2006, 2020): invoices far from the commodity's usual unit price; the robust z-score
    cut of 3.5 is Iglewicz and Hoaglin's (1993) outlier rule.
    """

    ctr_threshold_usd: float = 10_000.0
    structuring_band: tuple[float, float] = (0.8, 1.0)
    structuring_window_days: int = 7
    structuring_min_count: int = 3

    mx_usd_cap_individual: float = 4_000.0
    mx_usd_cap_company: float = 14_000.0
    mx_band_low: float = 0.8
    mx_min_months: int = 2
    mx_min_deposits: int = 2  # per month: one deposit near the cap is not splitting

    funnel_min_places: int = 4
    funnel_window_days: int = 14
    funnel_withdraw_days: int = 3
    funnel_min_share: float = 0.5
    funnel_withdraw_channels: tuple[str, ...] = ("cash",)
    border_places: tuple[str, ...] | None = None  # None: the bundled list (data/border_places.csv)
    border_radius_km: float = 30.0  # for places given as "lat,lon"

    passthrough_hours: float = 48.0
    passthrough_share: float = 0.9
    passthrough_max_ratio: float = 1.25  # outflow far above the inflow is a payroll run, not forwarding
    passthrough_min_amount: float = 3_000.0
    passthrough_min_events: int = 2
    passthrough_skip_channels: tuple[str, ...] = ("cash",)  # cash in, cash out at the border: funnel's job
    passthrough_account_types: tuple[str, ...] = ("individual", "")  # mules are personal accounts; see below

    roundtrip_window_days: int = 30
    roundtrip_min_intermediaries: int = 2  # A→B→C→A goes through 2; A→B→A (a refund) through 1
    roundtrip_max_hops: int = 6
    roundtrip_min_amount: float = 1_000.0
    roundtrip_keep: tuple[float, float] = (0.8, 1.02)  # each hop passes on this share of what it got

    trade_z: float = 3.5
    trade_min_group: int = 8
    trade_hs_digits: int = 6
    trade_reference_log_sigma: float = 0.35  # spread assumed around a reference price

    designated_min_score: float = 0.85


def ramp(value: float | np.ndarray, at: float, full: float) -> np.ndarray:
    """0.5 at the rule's threshold ``at``, rising linearly to 1.0 at ``full``."""
    span = max(full - at, 1e-9)
    return np.asarray(0.5 + 0.5 * np.clip((np.asarray(value, dtype=np.float64) - at) / span, 0.0, 1.0))


def period(times: pd.Series) -> tuple[datetime, datetime]:
    return (pd.Timestamp(times.min()).to_pydatetime(), pd.Timestamp(times.max()).to_pydatetime())


def money(amount: float, currencies: pd.Series | None = None) -> str:
    codes = sorted(set(currencies.dropna().astype(str))) if currencies is not None else []
    code = codes[0] if len(codes) == 1 and codes[0] else "(mixed currencies)" if codes else ""
    return f"{code} {amount:,.0f}".strip() if code != "(mixed currencies)" else f"{amount:,.0f} {code}"


def account_keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(order, key): rows sorted by account then time, and a sortable int64 key per sorted row.

    The key packs the account's code above the seconds since the first transaction, so one
    ``searchsorted`` finds a time window inside one account for all rows at once.
    """
    codes = pd.factorize(frame["account"])[0].astype(np.int64)
    secs = (frame["time"].to_numpy("datetime64[s]").astype(np.int64)) if len(frame) else np.zeros(0, np.int64)
    secs = secs - (secs.min() if len(secs) else 0)
    key = (codes << 34) + secs
    order = np.argsort(key, kind="stable")
    return order, key[order]
