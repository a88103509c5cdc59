"""Laundering patterns planted into synthetic activity, each recorded in the ground truth.

The shapes follow the published red flags, with their spread drawn at random so that detectors are
not measured on one fixed case: FinCEN's structuring and funnel-account advisories (FIN-2014-A005),
the Mexican US-dollar cash caps (LIC art. 115 provisions, 2010), FATF's money-mule, round-tripping
and trade-based laundering typologies. Round-trip hops wait two days or more, as layering through
companies does; a same-day relay would be a pass-through and is planted as one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from bicentennial.finance.synthetic import PLACES_US, Account, Builder, Planted, Truth, trade

BORDER_WITHDRAWALS = (
    ("El Paso, TX", "US"), ("Laredo, TX", "US"), ("San Diego, CA", "US"), ("Nogales, AZ", "US"),
    ("McAllen, TX", "US"), ("Tijuana, Baja California", "MX"), ("Ciudad Juárez, Chihuahua", "MX"),
)  # fmt: skip
INTERIOR_US = tuple(f"{c}, {s}" for c, s in PLACES_US if c not in {"San Diego", "El Paso", "Laredo"})
CAP = {"individual": 4_000.0, "company": 14_000.0}
SCALE = {"USD": 1.0, "MXN": 17.0}  # pesos per dollar, rounded: sizes only, not a rate anyone should use


@dataclass
class Suspects:
    used: set[str] = field(default_factory=set)  # an account carries at most one planted pattern


def _pick(b: Builder, s: Suspects, want: Callable[[Account], bool], make: Account) -> Account:
    pool = [a for a in b.accounts if a.id not in s.used and want(a)]
    if pool:
        a = pool[int(b.rng.integers(0, len(pool)))]
    else:  # the population has none left: open one for the role
        a = Account(f"SYN-A{len(b.accounts) + 1:06d}", make.kind, make.country, make.currency, make.place, make.income)
        a.trader = make.trader
        b.accounts.append(a)
    s.used.add(a.id)
    return a


def _us_person(b: Builder, s: Suspects) -> Account:
    blank = Account("", "individual", "US", "USD", "Houston, TX", 4_000.0)
    return _pick(b, s, lambda a: a.kind == "individual" and a.country == "US", blank)


def structuring_us(b: Builder, s: Suspects) -> Planted:
    rng, a = b.rng, _us_person(b, s)
    ids = []
    for _ in range(int(rng.integers(1, 4))):
        first, spread = rng.uniform(0, max(1, b.days - 10)), rng.uniform(2, 9)
        for d in np.sort(first + rng.uniform(0, spread, int(rng.integers(3, 7)))):
            ids.append(b.add(a, "", round(rng.uniform(8_000, 9_950), -1), "cash", "in", b.when(d)))
    return Planted("structuring_us", (a.id,), tuple(ids))


def _month_starts(b: Builder) -> list[tuple[float, float]]:
    """(first, last) day offsets of each calendar month with at least 20 days inside the data."""
    out, day = [], 0.0
    while day < b.days:
        t = b.when(day)
        nxt = (t.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(float(b.days), day + (nxt - t).total_seconds() / 86400)
        if end - day >= 20:
            out.append((day + 0.01, end - 0.01))
        day = end
    return out


def structuring_mx(b: Builder, s: Suspects) -> Planted:
    rng = b.rng
    blank = Account("", "individual", "MX", "USD", "Tijuana, Baja California", 1_500.0)
    a = _pick(b, s, lambda x: x.country == "MX" and x.currency == "USD", blank)
    months = _month_starts(b)
    chosen = rng.choice(len(months), size=int(rng.integers(min(2, len(months)), len(months) + 1)), replace=False)
    ids = []
    for m in sorted(chosen):
        total = CAP[a.kind] * rng.uniform(0.82, 0.99)
        parts = rng.dirichlet(np.ones(int(rng.integers(2, 6)))) * total
        first, last = months[m]
        days = rng.uniform(first, last, len(parts))
        ids += [b.add(a, "", p, "cash", "in", b.when(d)) for p, d in zip(parts, days, strict=True)]
    return Planted("structuring_mx", (a.id,), tuple(ids))


def funnel(b: Builder, s: Suspects) -> Planted:
    rng, a = b.rng, _us_person(b, s)
    ids = []
    for _ in range(int(rng.integers(1, 3))):
        places = rng.choice(INTERIOR_US, size=int(rng.integers(4, 9)), replace=False)
        n = int(rng.integers(len(places), 12))
        first = rng.uniform(0, max(1, b.days - 14))
        days = np.sort(first + rng.uniform(0, rng.uniform(3, 10), n))
        amounts = rng.uniform(1_000, 7_500, n)
        where = [places[i % len(places)] for i in range(n)]
        ids += [b.add(a, "", x, "cash", "in", b.when(d), place=p) for x, d, p in zip(amounts, days, where, strict=True)]
        place, country = BORDER_WITHDRAWALS[int(rng.integers(0, len(BORDER_WITHDRAWALS)))]
        outs = rng.dirichlet(np.ones(int(rng.integers(1, 4)))) * amounts.sum() * rng.uniform(0.85, 0.98)
        for x in outs:
            at = b.when(days[-1] + rng.uniform(0.1, 2.5))
            ids.append(b.add(a, "", x, "cash", "out", at, place=place, country=country))
    return Planted("funnel", (a.id,), tuple(ids))


def pass_through(b: Builder, s: Suspects) -> Planted:
    rng = b.rng
    a = _pick(b, s, lambda x: x.kind == "individual", Account("", "individual", "MX", "MXN", "Puebla, Puebla", 1e4))
    ids = []
    for d in np.sort(rng.uniform(0, b.days - 3, int(rng.integers(2, 6)))):
        amount = rng.lognormal(np.log(15_000), 0.6) * SCALE[a.currency]
        ids.append(b.add(a, f"SYN-ORDERING-{rng.integers(0, 9999):04d}", amount, "wire", "in", b.when(d)))
        for x in rng.dirichlet(np.ones(int(rng.integers(1, 4)))) * amount * rng.uniform(0.9, 0.99):
            dest = f"SYN-BENEFICIARY-{rng.integers(0, 9999):04d}"
            ids.append(b.add(a, dest, x, "wire", "out", b.when(d + rng.uniform(1, 40) / 24)))
    return Planted("pass_through", (a.id,), tuple(ids))


def round_trip(b: Builder, s: Suspects) -> Planted:
    rng = b.rng
    origin = _pick(b, s, lambda x: x.kind == "company", Account("", "company", "MX", "MXN", "Monterrey, NL", 3e5))
    hops = int(rng.integers(3, 6))
    chain = [origin] + [
        _pick(b, s, lambda x: x.currency == origin.currency, Account("", "company", "MX", origin.currency, "", 3e5))
        for _ in range(hops - 1)
    ]
    amount, day, ids = rng.lognormal(np.log(60_000), 0.7) * SCALE[origin.currency], rng.uniform(0, b.days - 30), []
    for i in range(hops):
        ids += b.transfer(chain[i], chain[(i + 1) % hops], amount, b.when(day))
        amount *= rng.uniform(0.9, 0.995)
        day += rng.uniform(2.2, 28 / hops)
    return Planted("round_trip", tuple(a.id for a in chain), tuple(ids))


def mis_invoicing(b: Builder, s: Suspects) -> Planted:
    rng = b.rng
    blank = Account("", "company", "MX", "USD", "Manzanillo, Colima", 4e4, trader=True)
    a = _pick(b, s, lambda x: x.trader, blank)
    ids = []
    for d in rng.uniform(0, b.days, int(rng.integers(2, 5))):
        factor = float(np.exp(rng.uniform(np.log(4), np.log(15)))) ** (1 if rng.random() < 0.5 else -1)
        ids.append(trade(b, a, b.when(d), factor))
    return Planted("trade", (a.id,), tuple(ids))


def designated(b: Builder, s: Suspects, truth: Truth) -> Planted:
    rng = b.rng
    a = _pick(b, s, lambda x: True, Account("", "individual", "US", "USD", "Phoenix, AZ", 4e3))
    party = f"SYN-DESIGNATED-{len(truth.designated) + 1:03d}"
    truth.designated.add(party)
    ids = [
        b.add(a, party, rng.lognormal(np.log(5_000), 0.5) * SCALE[a.currency], "wire", "out", b.when(d))
        for d in rng.uniform(0, b.days, int(rng.integers(1, 4)))
    ]
    return Planted("designated", (a.id,), tuple(ids))


PLANTERS: dict[str, Callable[[Builder, Suspects], Planted]] = {
    "structuring_us": structuring_us,
    "structuring_mx": structuring_mx,
    "funnel": funnel,
    "pass_through": pass_through,
    "round_trip": round_trip,
    "trade": mis_invoicing,
}


def plant(b: Builder, planted: Mapping[str, int], truth: Truth) -> Suspects:
    """Add ``planted[typology]`` instances of each typology to ``b``; record them in ``truth``."""
    from bicentennial.core.errors import InvalidInput

    s = Suspects()
    for typology, count in planted.items():
        if typology not in {*PLANTERS, "designated"}:
            raise InvalidInput(f"unknown typology {typology!r}; use one of: {', '.join([*PLANTERS, 'designated'])}")
        for _ in range(count):
            p = designated(b, s, truth) if typology == "designated" else PLANTERS[typology](b, s)
            truth.patterns.append(p)
    return s
