"""Cash typologies: structuring under the US and Mexican thresholds, and funnel accounts toward the border."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.transactions import fold
from bicentennial.finance.typology_base import Alert, TypologyParams, money, ramp

# Catalog msgids (see finance/explain.py): figures arrive formatted ("USD 8,000", "90%").
STRUCTURING_US_RULE = N_(
    "{count} cash deposits of {low}–{high} within {days} days (total {total}), each just under the "
    "USD {threshold} currency transaction report threshold"
)
# One sentence per kind of account, so that the kind is translated with it; {detail} lists the months.
STRUCTURING_MX_RULES = {
    "individual": N_(
        "US-dollar cash deposits of {share} of the cap or more a month in {months} months ({detail}); the monthly "
        "cap for individual accounts is USD {cap}"
    ),
    "company": N_(
        "US-dollar cash deposits of {share} of the cap or more a month in {months} months ({detail}); the monthly "
        "cap for company accounts is USD {cap}"
    ),
}
MX_MONTH = N_("{month}: USD {total} in {count}")
MX_MONTH_OVER_CAP = N_("{month}: USD {total} in {count}, over the cap")
FUNNEL_RULE = N_(
    "{deposits} cash deposits in {places} places ({names}) totalling {total}, then {share} withdrawn "
    "within {days} days in {border}"
)
STATE_ABBREVIATIONS = {
    "baja california": {"bc", "b c", "bcn"},
    "sonora": {"son", "sonora"},
    "chihuahua": {"chih"},
    "coahuila": {"coah", "coahuila de zaragoza"},
    "tamaulipas": {"tamps", "tamp"},
    "california": {"ca", "calif"},
    "arizona": {"az", "ariz"},
    "texas": {"tx", "tex"},
}
COUNTRY_WORDS = {"mexico", "mx", "usa", "us", "united states", "estados unidos", "eua", "eeuu"}
_LATLON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
EARTH_KM = 6371.0


def _plain(text: str) -> str:
    s = re.sub(r"\bcd\b\.?", "ciudad", fold(text))
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


@lru_cache(maxsize=1)
def bundled_border_places() -> tuple[tuple[str, str, str, float, float, tuple[str, ...]], ...]:
    """(city, state, country, lat, lon, aliases) for the cities on both sides of the US–Mexico border."""
    text = resources.files("bicentennial.finance").joinpath("data", "border_places.csv").read_text("utf-8")
    return tuple(
        (
            r["city"],
            r["state"],
            r["country"],
            float(r["lat"]),
            float(r["lon"]),
            tuple(filter(None, r["aliases"].split("|"))),
        )
        for r in csv.DictReader(text.splitlines())
    )


class BorderMatcher:
    """Decides whether a place ("City, State" or "lat,lon") lies at the US–Mexico border."""

    def __init__(self, names: Iterable[str] | None = None, radius_km: float = 30.0) -> None:
        rows = bundled_border_places()
        self.cities: dict[str, set[str]] = {}
        if names is None:
            for city, state, _, _, _, aliases in rows:
                for name in (city, *aliases):
                    self.cities.setdefault(_plain(name), set()).add(_plain(state))
            self.points = np.radians([[lat, lon] for _, _, _, lat, lon, _ in rows])
        else:
            self.cities = {_plain(n): set() for n in names}
            self.points = np.zeros((0, 2))
        self.radius = radius_km / EARTH_KM

    def __call__(self, place: str) -> bool:
        if m := _LATLON.match(place):
            return self._near(float(m[1]), float(m[2]))
        parts = [_plain(p) for p in place.split(",")]
        states = self.cities.get(parts[0])
        if states is None:
            return False
        rest = [p for p in parts[1:] if p and p not in COUNTRY_WORDS]
        if not rest or not states:
            return True
        return any(rest[0] == s or rest[0] in STATE_ABBREVIATIONS.get(s, ()) for s in states)

    def _near(self, lat: float, lon: float) -> bool:
        if not len(self.points):
            return False
        la, lo = math.radians(lat), math.radians(lon)
        h = (
            np.sin((self.points[:, 0] - la) / 2) ** 2
            + np.cos(la) * np.cos(self.points[:, 0]) * np.sin((self.points[:, 1] - lo) / 2) ** 2
        )
        return bool((2 * np.arcsin(np.sqrt(h)) <= self.radius).any())


def _cash_in(frame: pd.DataFrame) -> pd.Series:
    return (frame["channel"] == "cash") & (frame["direction"] == "in")


def detect_structuring_us(frame: pd.DataFrame, params: TypologyParams) -> list[Alert]:
    """Cash deposits in a band just under the CTR threshold, several within a short window."""
    t = params.ctr_threshold_usd
    low, high = params.structuring_band[0] * t, params.structuring_band[1] * t
    band = frame[_cash_in(frame) & (frame["currency"] == "USD") & frame["country"].isin(["US", ""])]
    band = band[(band["amount"] >= low) & (band["amount"] < high)].sort_values(["account", "time"])
    window, need, alerts = pd.Timedelta(days=params.structuring_window_days), params.structuring_min_count, []
    for account, rows in band.groupby("account", sort=False):
        times = rows["time"].to_numpy()
        starts = np.searchsorted(times, times - window.to_timedelta64(), side="left")
        ends = np.flatnonzero(np.arange(len(times)) - starts + 1 >= need)
        if not len(ends):
            continue
        keep = np.zeros(len(times), dtype=bool)
        for e in ends:
            keep[starts[e] : e + 1] = True
        hit = rows[keep]
        best = int((np.arange(len(times)) - starts + 1).max())
        rule = Explanation.of(
            STRUCTURING_US_RULE, count=best, low=f"USD {low:,.0f}", high=f"{high - 0.01:,.2f}",
            days=params.structuring_window_days, total=money(float(hit["amount"].sum()), hit["currency"]),
            threshold=f"{t:,.0f}",
        )  # fmt: skip
        score = float(ramp(best, need, 2 * need))
        alerts.append(Alert.of("structuring_us", (str(account),), tuple(hit["id"]), score, rule, hit["time"]))
    return alerts


def detect_structuring_mx(frame: pd.DataFrame, params: TypologyParams) -> list[Alert]:
    """Months of US-dollar cash deposits in Mexico that reach the last stretch below the monthly cap (or pass it)."""
    rows = frame[_cash_in(frame) & (frame["currency"] == "USD") & (frame["country"] == "MX")].copy()
    if rows.empty:
        return []
    rows["month"] = rows["time"].dt.to_period("M")
    company = rows["account_type"] == "company"
    rows["cap"] = np.where(company, params.mx_usd_cap_company, params.mx_usd_cap_individual)
    months = rows.groupby(["account", "month"], sort=False).agg(
        total=("amount", "sum"), count=("amount", "size"), cap=("cap", "first")
    )
    # Over the cap counts too: the bank should have refused the excess, so it is a breach on top.
    good = (months["total"] >= params.mx_band_low * months["cap"]) & (months["count"] >= params.mx_min_deposits)
    hits = months[good].reset_index()
    alerts = []
    for account, mine in hits.groupby("account", sort=False):
        if len(mine) < params.mx_min_months:
            continue
        cap = float(mine["cap"].iloc[0])
        chosen = rows[(rows["account"] == account) & rows["month"].isin(mine["month"])]
        detail = [
            Explanation.of(MX_MONTH_OVER_CAP if v > cap else MX_MONTH, month=m, total=f"{v:,.0f}", count=c)
            for m, v, c in zip(mine["month"], mine["total"], mine["count"], strict=True)
        ]
        kind = "company" if cap == params.mx_usd_cap_company else "individual"
        rule = Explanation.of(
            STRUCTURING_MX_RULES[kind], share=f"{params.mx_band_low:.0%}", months=len(mine), cap=f"{cap:,.0f}"
        ).with_part("detail", detail)
        score = float(ramp(len(mine), params.mx_min_months, params.mx_min_months + 3))
        ids = tuple(chosen["id"])
        alerts.append(Alert.of("structuring_mx", (str(account),), ids, score, rule, chosen["time"]))
    return alerts


def _funnel_account(rows: pd.DataFrame, border: pd.Series, params: TypologyParams) -> Alert | None:
    deposits = rows[_cash_in(rows)]
    outs = rows[(rows["direction"] == "out") & rows["channel"].isin(params.funnel_withdraw_channels) & border]
    window, quick = pd.Timedelta(days=params.funnel_window_days), pd.Timedelta(days=params.funnel_withdraw_days)
    used_in: set[str] = set()
    used_out: set[str] = set()
    best = (0, 0.0)
    for when in outs["time"]:
        feed = deposits[(deposits["time"] >= when - window) & (deposits["time"] <= when)]
        places = feed["place"].map(_plain).nunique()
        if places < params.funnel_min_places or when - feed["time"].max() > quick:
            continue
        taken = outs[(outs["time"] >= feed["time"].min()) & (outs["time"] <= when + quick)]
        share = float(taken["amount"].sum() / feed["amount"].sum())
        if share >= params.funnel_min_share:
            used_in.update(feed["id"])
            used_out.update(taken["id"])
            best = max(best, (places, share))
    if not used_in:
        return None
    feed, taken = deposits[deposits["id"].isin(used_in)], outs[outs["id"].isin(used_out)]
    names = sorted(set(feed["place"]))
    rule = Explanation.of(
        FUNNEL_RULE, deposits=len(feed), places=best[0], names="; ".join(names[:6]) + ("…" if len(names) > 6 else ""),
        total=money(float(feed["amount"].sum()), feed["currency"]), share=f"{min(best[1], 1.0):.0%}",
        days=params.funnel_withdraw_days, border="; ".join(sorted(set(taken["place"]))),
    )  # fmt: skip
    score = float(ramp(best[0], params.funnel_min_places, 2 * params.funnel_min_places))
    both = pd.concat([feed, taken])
    account = str(rows["account"].iloc[0])
    return Alert.of("funnel", (account,), tuple(both.sort_values("time")["id"]), score, rule, both["time"])


def detect_funnel(frame: pd.DataFrame, params: TypologyParams) -> list[Alert]:
    """Cash in at many places, out soon after at the border (FinCEN FIN-2014-A005)."""
    matcher = BorderMatcher(params.border_places, params.border_radius_km)
    cash = frame[frame["channel"].isin(("cash", *params.funnel_withdraw_channels))]
    deposit_places = cash[_cash_in(cash)].groupby("account")["place"].nunique()
    candidates = deposit_places.index[deposit_places >= params.funnel_min_places]
    rows = cash[cash["account"].isin(candidates)]
    if rows.empty:
        return []
    places = pd.Series(rows["place"].unique())
    at_border = dict(zip(places, places.map(matcher), strict=True))
    border = rows["place"].map(at_border).astype(bool)
    has_out = rows[border & (rows["direction"] == "out")]["account"].unique()
    alerts = []
    for _, mine in rows[rows["account"].isin(has_out)].sort_values("time").groupby("account", sort=False):
        if (alert := _funnel_account(mine, border.loc[mine.index], params)) is not None:
            alerts.append(alert)
    return alerts
