"""Synthetic bank activity with planted laundering patterns and their ground truth, in the spirit of AMLSim.

Real transaction data cannot leave a bank, so detectors are measured on generated data whose
answers are known (IBM's AMLSim, Altman et al. 2023, does the same for graph typologies). Normal
accounts get salaries (the Mexican quincena, US bi-weekly pay), card spending, rent, ATM cash,
transfers between friends, company takings, supplier payments and trade invoices, in Mexican and
US cities; :mod:`bicentennial.finance.synthetic_planted` adds the typologies. Every id starts with
"SYN-" and every record has ``synthetic=True``, so generated rows can never pass for real ones.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from bicentennial.finance.transactions import Transaction
from bicentennial.finance.typology_base import Alert

PLACES_MX = (
    ("Ciudad de México", "CDMX"), ("Guadalajara", "Jalisco"), ("Monterrey", "Nuevo León"), ("Puebla", "Puebla"),
    ("León", "Guanajuato"), ("Querétaro", "Querétaro"), ("Mérida", "Yucatán"), ("Culiacán", "Sinaloa"),
    ("Morelia", "Michoacán"), ("Oaxaca", "Oaxaca"), ("Hermosillo", "Sonora"), ("Chihuahua", "Chihuahua"),
    ("Toluca", "Estado de México"), ("Veracruz", "Veracruz"), ("San Luis Potosí", "San Luis Potosí"),
    ("Tijuana", "Baja California"), ("Ciudad Juárez", "Chihuahua"), ("Reynosa", "Tamaulipas"),
)  # fmt: skip
PLACES_US = (
    ("Los Angeles", "CA"), ("Houston", "TX"), ("Chicago", "IL"), ("Phoenix", "AZ"), ("Dallas", "TX"),
    ("San Antonio", "TX"), ("Atlanta", "GA"), ("Denver", "CO"), ("New York", "NY"), ("Las Vegas", "NV"),
    ("Tucson", "AZ"), ("Albuquerque", "NM"), ("San Diego", "CA"), ("El Paso", "TX"), ("Laredo", "TX"),
)  # fmt: skip
# (HS code, commodity, usual unit price in USD, unit)
COMMODITIES = (
    ("847130", "laptop computers", 650.0), ("870323", "passenger cars", 21_000.0), ("090111", "green coffee, kg", 4.2),
    ("080440", "avocados, kg", 2.1), ("610910", "cotton T-shirts", 3.5), ("710812", "gold, unwrought, kg", 60_000.0),
    ("852352", "smart cards", 1.8), ("220300", "beer, litre", 1.1), ("300490", "medicines, kg", 95.0),
    ("854231", "processors", 48.0), ("940360", "wooden furniture", 140.0), ("070200", "tomatoes, kg", 1.0),
)  # fmt: skip
MX_USD_ACCOUNTS = 0.08  # share of Mexican accounts held in US dollars (border and tourist zones)
MONTHLY_INCOME = {("US", "USD"): 4_000.0, ("MX", "MXN"): 12_000.0, ("MX", "USD"): 1_500.0}  # median, per person


@dataclass
class Account:
    id: str
    kind: str  # "individual" | "company"
    country: str
    currency: str
    place: str
    income: float  # monthly: salary for people, turnover scale for companies
    employer: str = ""
    trader: bool = False
    shop: bool = False


@dataclass(frozen=True)
class Planted:
    """One planted pattern: its typology, the accounts that carry it and its transaction ids."""

    typology: str
    accounts: tuple[str, ...]
    transactions: tuple[str, ...]


@dataclass
class Truth:
    patterns: list[Planted] = field(default_factory=list)
    designated: set[str] = field(default_factory=set)  # counterparties a screening list would name


@dataclass(frozen=True)
class Evaluation:
    typology: str
    planted: int
    alerts: int
    found: int  # planted patterns that at least one alert of the typology touches
    correct: int  # alerts of the typology that touch a planted pattern of it
    recall: float
    precision: float


class Builder:
    """Accumulates transactions with sequential SYN- ids; shared by normal activity and planted patterns."""

    def __init__(self, rng: np.random.Generator, start: datetime, days: int) -> None:
        self.rng, self.start, self.days = rng, start, days
        self.rows: list[Transaction] = []
        self.accounts: list[Account] = []

    def when(self, day: float) -> datetime:
        return self.start + timedelta(seconds=round(float(day) * 86400))  # banks book to the second

    def add(
        self, acc: Account, cp: str, amount: float, channel: str, direction: str, at: datetime, **kw: object
    ) -> str:
        place = str(kw.pop("place", acc.place))
        country = str(kw.pop("country", acc.country))
        currency = str(kw.pop("currency", acc.currency))
        tid = f"SYN-T{len(self.rows) + 1:09d}"
        self.rows.append(
            Transaction(tid, acc.id, cp, round(float(amount), 2), currency, channel, direction, place, country, at,
                        acc.kind, synthetic=True, **kw)  # type: ignore[arg-type]
        )  # fmt: skip
        return tid

    def transfer(self, a: Account, b: Account, amount: float, at: datetime, channel: str = "wire") -> list[str]:
        """Both sides of a transfer between two accounts of the bank."""
        return [self.add(a, b.id, amount, channel, "out", at), self.add(b, a.id, amount, channel, "in", at)]

    def day_times(self, rate: float) -> np.ndarray:
        n = self.rng.poisson(rate * self.days)
        return np.sort(self.rng.uniform(0, self.days, n))


def _accounts(b: Builder, n: int) -> None:
    rng = b.rng
    for i in range(n):
        country = "MX" if rng.random() < 0.65 else "US"
        places = PLACES_MX if country == "MX" else PLACES_US
        city, state = places[int(rng.integers(0, len(places)))]
        company = rng.random() < 0.12
        currency = "USD" if country == "US" or rng.random() < MX_USD_ACCOUNTS else "MXN"
        income = float(rng.lognormal(np.log(MONTHLY_INCOME[country, currency]), 0.5)) * (25 if company else 1)
        # Mexican businesses take cash in pesos; their dollar accounts serve wires and trade.
        shop = company and rng.random() < 0.5 and not (country == "MX" and currency == "USD")
        b.accounts.append(
            Account(f"SYN-A{i + 1:06d}", "company" if company else "individual", country, currency,
                    f"{city}, {state}", income, trader=company and rng.random() < 0.25, shop=shop)
        )  # fmt: skip
    companies = {c: [a for a in b.accounts if a.kind == "company" and a.country == c] for c in ("MX", "US")}
    for a in b.accounts:
        if a.kind == "individual" and companies[a.country]:
            a.employer = companies[a.country][int(rng.integers(0, len(companies[a.country])))].id


def _person(b: Builder, a: Account, by_id: Mapping[str, Account], people: Sequence[Account]) -> None:
    rng, m = b.rng, a.income
    pay_days = np.arange(14, b.days, 14 if a.country == "US" else 15)
    for d in pay_days.tolist():
        at = b.when(d + 0.4)
        employer = by_id.get(a.employer)
        if employer is not None and employer.currency == a.currency:
            b.transfer(employer, a, m / 2, at)
        else:
            b.add(a, "SYN-EMPLOYER", m / 2, "wire", "in", at)
    for d in np.arange(rng.uniform(0, 30), b.days, 30).tolist():
        b.add(a, f"SYN-LANDLORD-{a.id[-4:]}", m * 0.3, "wire", "out", b.when(d))
    for d in b.day_times(0.5):
        away = rng.random() < 0.05
        place = b.accounts[int(rng.integers(0, len(b.accounts)))].place if away else a.place
        shop = f"SYN-SHOP-{rng.integers(0, 5000):04d}"
        b.add(a, shop, rng.lognormal(np.log(m * 0.012), 0.8), "card", "out", b.when(d), place=place)
    for d in b.day_times(0.1):
        b.add(a, "", rng.lognormal(np.log(m * 0.08), 0.5), "cash", "out", b.when(d))
    for d in b.day_times(0.017):
        b.add(a, "", rng.lognormal(np.log(m * 0.1), 0.6), "cash", "in", b.when(d))
    for d in b.day_times(0.05):
        friend = people[int(rng.integers(0, len(people)))]
        if friend.id != a.id and friend.currency == a.currency:
            b.transfer(a, friend, rng.lognormal(np.log(m * 0.05), 0.8), b.when(d))


def _company(b: Builder, a: Account, suppliers: Sequence[Account]) -> None:
    rng, m = b.rng, a.income
    for d in b.day_times(2.0):
        b.add(a, f"SYN-CUST-{rng.integers(0, 20000):05d}", rng.lognormal(np.log(m / 60), 0.9),
              "card" if rng.random() < 0.6 else "wire", "in", b.when(d))  # fmt: skip
    if a.shop:
        for d in b.day_times(0.4):
            b.add(a, "", rng.lognormal(np.log(m / 40), 0.6), "cash", "in", b.when(d))
    for d in b.day_times(0.3):
        s = suppliers[int(rng.integers(0, len(suppliers)))] if suppliers else None
        amount = rng.lognormal(np.log(m / 12), 0.8)
        if s is not None and s.id != a.id and s.currency == a.currency and rng.random() < 0.5:
            b.transfer(a, s, amount, b.when(d))
        else:
            b.add(a, f"SYN-SUPPLIER-{rng.integers(0, 3000):04d}", amount, "wire", "out", b.when(d))
    if a.trader:
        for d in b.day_times(0.07):
            trade(b, a, b.when(d), 1.0)


def trade(b: Builder, a: Account, at: datetime, factor: float) -> str:
    """One import (payment out) or export (payment in) invoice; ``factor`` scales the unit price."""
    rng = b.rng
    hs, name, usual = COMMODITIES[int(rng.integers(0, len(COMMODITIES)))]
    qty = float(max(1, round(rng.lognormal(np.log(50_000 / usual), 0.7))))
    unit = usual * float(rng.lognormal(0, 0.25)) * factor
    value = qty * unit
    direction = "out" if rng.random() < 0.6 else "in"
    cp = f"SYN-TRADER-{rng.integers(0, 800):03d}"
    return b.add(a, cp, value, "trade", direction, at, currency="USD", declared_value=round(value, 2),
                 commodity=name, hs_code=hs, quantity=qty)  # fmt: skip


def generate(
    n_accounts: int,
    days: int,
    seed: int,
    planted: Mapping[str, int] | None = None,
    *,
    start: datetime = datetime(2024, 1, 1),
) -> tuple[list[Transaction], Truth]:
    """Normal activity for ``n_accounts`` over ``days`` plus ``planted[typology]`` instances of each typology.

    Typologies: structuring_us, structuring_mx, funnel, pass_through, round_trip, trade, designated.
    """
    from bicentennial.finance.synthetic_planted import plant

    b = Builder(np.random.default_rng(seed), start, days)
    _accounts(b, n_accounts)
    truth = Truth()
    plant(b, planted or {}, truth)  # suspects also get the normal activity below, as real ones do
    by_id = {a.id: a for a in b.accounts}
    people = [a for a in b.accounts if a.kind == "individual"]
    companies = [a for a in b.accounts if a.kind == "company"]
    for a in b.accounts:
        if a.kind == "individual":
            _person(b, a, by_id, people)
        else:
            _company(b, a, companies)
    b.rows.sort(key=lambda t: t.time)
    return b.rows, truth


def evaluate(alerts: Iterable[Alert], truth: Truth) -> dict[str, Evaluation]:
    """Per typology: recall over planted patterns and precision over alerts, matched by shared account."""
    alerts = list(alerts)
    out = {}
    for typology in sorted({p.typology for p in truth.patterns} | {a.typology for a in alerts}):
        patterns = [set(p.accounts) for p in truth.patterns if p.typology == typology]
        mine = [set(a.accounts) for a in alerts if a.typology == typology]
        found = sum(any(p & a for a in mine) for p in patterns)
        correct = sum(any(p & a for p in patterns) for a in mine)
        out[typology] = Evaluation(
            typology, len(patterns), len(mine), found, correct,
            found / len(patterns) if patterns else 0.0, correct / len(mine) if mine else 0.0,
        )  # fmt: skip
    return out


CSV_FIELDS = (
    "id", "account", "counterparty", "amount", "currency", "channel", "direction", "place", "country", "time",
    "account_type", "declared_value", "commodity", "hs_code", "quantity", "synthetic",
)  # fmt: skip


def write_csv(path: str | Path, transactions: Iterable[Transaction]) -> None:
    """English headers that :func:`bicentennial.finance.transactions.read_transactions` reads back."""
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_FIELDS)
        for t in transactions:
            values = [getattr(t, name) for name in CSV_FIELDS]
            w.writerow(["" if v is None else v.isoformat(timespec="seconds") if isinstance(v, datetime) else v
                        for v in values])  # fmt: skip
