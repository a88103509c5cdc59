"""Trade-based laundering: invoices whose unit value is far from what the commodity usually costs.

Over- and under-invoicing move value across a border inside a legitimate-looking shipment (FATF,
"Trade-Based Money Laundering", 2006; FATF–Egmont "Trade-Based Money Laundering: Trends and
Developments", 2020). Unit prices are log-normal-ish, so the comparison is on log unit value: a
robust z-score against the median and MAD of the same HS code in the data (Iglewicz and Hoaglin,
1993: |z| > 3.5 is an outlier), or against a reference price the caller supplies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.typology_base import Alert, TypologyParams, money, ramp

# Catalog msgids (see finance/explain.py), one per number and per direction so each is translated whole;
# {detail} lists the invoices (TRADE_ITEMS) and then the total (TRADE_TOTAL).
TRADE_RULES = {
    1: N_("{count} invoice priced far from the usual unit value: {detail}"),
    2: N_("{count} invoices priced far from the usual unit value: {detail}"),
}
TRADE_ITEMS = {
    "over": N_("HS {hs}{name} at {unit}/unit vs usual {usual} ({factor}× over, z {z})"),
    "under": N_("HS {hs}{name} at {unit}/unit vs usual {usual} ({factor}× under, z {z})"),
}
TRADE_TOTAL = N_("total declared {total}")
MAD_TO_SD = 0.6745  # MAD of a normal distribution is 0.6745 σ


def unit_value_z(
    frame: pd.DataFrame, params: TypologyParams, reference: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Trade rows with ``hs``, ``log_unit``, ``usual`` (unit price) and ``z``; rows without a yardstick dropped."""
    rows = frame[(frame["channel"] == "trade") & (frame["hs_code"] != "")]
    rows = rows[(rows["declared_value"] > 0) & (rows["quantity"] > 0)].copy()
    if rows.empty:
        return rows.assign(hs="", log_unit=0.0, usual=0.0, z=0.0)
    rows["hs"] = rows["hs_code"].str[: params.trade_hs_digits]
    rows["log_unit"] = np.log(rows["declared_value"] / rows["quantity"])
    groups = rows.groupby("hs")["log_unit"]
    median = groups.transform("median")
    mad = (rows["log_unit"] - median).abs().groupby(rows["hs"]).transform("median")
    size = groups.transform("size")
    z = MAD_TO_SD * (rows["log_unit"] - median) / mad.where(mad > 0)
    z = z.where(size >= params.trade_min_group)
    usual = np.exp(median)
    if reference:
        digits = {re.sub(r"\D", "", str(k))[: params.trade_hs_digits]: float(v) for k, v in reference.items()}
        ref = rows["hs"].map(digits)
        has = ref.notna() & (ref > 0)
        z = z.where(~has, (rows["log_unit"] - np.log(ref.where(has, 1.0))) / params.trade_reference_log_sigma)
        usual = usual.where(~has, ref)
    rows["usual"], rows["z"] = usual, z
    return rows[rows["z"].notna()]


def detect_trade(
    frame: pd.DataFrame, params: TypologyParams, reference: Mapping[str, float] | None = None
) -> list[Alert]:
    """One alert per account whose invoices include unit values with |robust z| ≥ ``trade_z``."""
    rows = unit_value_z(frame, params, reference)
    odd = rows[rows["z"].abs() >= params.trade_z]
    alerts = []
    for account, mine in odd.groupby("account", sort=False):
        items = []
        for r in mine.sort_values("z", key=abs, ascending=False).head(3).itertuples():
            unit = float(np.exp(r.log_unit))
            factor = unit / r.usual if unit >= r.usual else r.usual / unit
            items.append(Explanation.of(
                TRADE_ITEMS["over" if unit >= r.usual else "under"], hs=r.hs,
                name=f" ({r.commodity})" if r.commodity else "", unit=f"{unit:,.2f}", usual=f"{r.usual:,.2f}",
                factor=f"{factor:.1f}", z=f"{r.z:+.1f}",
            ))  # fmt: skip
        items.append(Explanation.of(TRADE_TOTAL, total=money(float(mine["declared_value"].sum()), mine["currency"])))
        rule = Explanation.of(TRADE_RULES[min(len(mine), 2)], count=len(mine)).with_part("detail", items)
        score = float(ramp(float(mine["z"].abs().max()), params.trade_z, 2 * params.trade_z))
        alerts.append(Alert.of("trade", (str(account),), tuple(mine["id"]), score, rule, mine["time"]))
    return alerts
