from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bicentennial.finance.transactions import Transaction, to_frame
from bicentennial.finance.typologies import TypologyParams, detect_all, detect_designated
from bicentennial.finance.typology_cash import (
    BorderMatcher,
    detect_funnel,
    detect_structuring_mx,
    detect_structuring_us,
)
from bicentennial.finance.typology_flows import detect_pass_through, detect_round_trip
from bicentennial.finance.typology_trade import detect_trade

T0 = datetime(2024, 1, 8, 10)
P = TypologyParams()
_n = iter(range(1, 10**6))


def tx(
    account: str, amount: float, day: float, channel: str = "cash", direction: str = "in", **kw: object
) -> Transaction:
    fields: dict = {"counterparty": "", "currency": "USD", "place": "Houston, TX", "country": "US", **kw}
    return Transaction(
        id=f"t{next(_n)}", account=account, amount=amount, channel=channel, direction=direction,
        time=T0 + timedelta(days=day), **fields,
    )  # fmt: skip


def run(detector, rows, **kw):  # type: ignore[no-untyped-def]
    return detector(to_frame(rows), P, **kw)


def test_structuring_us_fires_with_figures() -> None:
    rows = [tx("A", 9_500, 0), tx("A", 9_200, 2), tx("A", 8_100, 5), tx("A", 500, 1)]
    (alert,) = run(detect_structuring_us, rows)
    assert alert.typology == "structuring_us" and alert.accounts == ("A",)
    assert len(alert.transactions) == 3 and alert.score == 0.5
    assert "3 cash deposits of USD 8,000–9,999.99 within 7 days (total USD 26,800)" in alert.rule
    assert alert.period == (T0, T0 + timedelta(days=5))
    six = [tx("B", 9_000, d) for d in range(6)]
    assert run(detect_structuring_us, six)[0].score == 1.0


@pytest.mark.parametrize(
    "rows",
    [
        [tx("A", 9_500, 0), tx("A", 9_200, 2)],  # two are not a pattern
        [tx("A", 9_500, 0), tx("A", 9_200, 2), tx("A", 7_990, 5)],  # third under the 80 % band
        [tx("A", 9_500, 0), tx("A", 9_200, 4), tx("A", 8_100, 7.5)],  # spread over more than 7 days
        [tx("A", 9_500, 0), tx("A", 9_200, 2), tx("A", 10_000, 5)],  # at the threshold: a CTR is filed
        [tx("A", 9_500, 0), tx("A", 9_200, 2), tx("A", 8_100, 5, "wire")],  # not cash
    ],
)
def test_structuring_us_quiet_below_rule(rows: list[Transaction]) -> None:
    assert run(detect_structuring_us, rows) == []


def mx(account: str, amount: float, day: float, kind: str = "individual") -> Transaction:
    return tx(account, amount, day, place="Tijuana, Baja California", country="MX", account_type=kind)


def test_structuring_mx_months_under_the_cap() -> None:
    rows = [mx("P", 1_800, 0), mx("P", 1_700, 9), mx("P", 2_000, 30), mx("P", 1_400, 40)]
    (alert,) = run(detect_structuring_mx, rows)
    assert "2024-01: USD 3,500 in 2" in alert.rule and "2024-02: USD 3,400 in 2" in alert.rule
    assert "USD 4,000" in alert.rule and "individual" in alert.rule and len(alert.transactions) == 4
    below = [mx("P", 1_600, 0), mx("P", 1_500, 9), mx("P", 2_000, 30), mx("P", 1_400, 40)]  # Jan 3,100 = 77.5 %
    assert run(detect_structuring_mx, below) == []
    company = [mx("C", a, d, "company") for a, d in [(1_800, 0), (1_700, 9), (2_000, 30), (1_400, 40)]]
    assert run(detect_structuring_mx, company) == []  # 14,000 cap
    company = [mx("C", a, d, "company") for a, d in [(6_000, 0), (6_000, 9), (6_500, 30), (5_500, 40)]]
    (alert,) = run(detect_structuring_mx, company)
    assert "USD 14,000" in alert.rule and "company" in alert.rule


def funnel_rows(places: list[str], out_place: str = "Nogales, AZ", delay: float = 2) -> list[Transaction]:
    rows = [tx("F", 3_000, i, place=p) for i, p in enumerate(places)]
    return [*rows, tx("F", 0.9 * 3_000 * len(places), len(places) - 1 + delay, direction="out", place=out_place)]


def test_funnel_fires_and_stays_quiet() -> None:
    places = ["Chicago, IL", "Atlanta, GA", "Denver, CO", "Dallas, TX"]
    (alert,) = run(detect_funnel, funnel_rows(places))
    assert "4 cash deposits in 4 places" in alert.rule and "90% withdrawn within 3 days in Nogales, AZ" in alert.rule
    assert len(alert.transactions) == 5 and alert.score == 0.5
    assert run(detect_funnel, funnel_rows(places[:3])) == []
    assert run(detect_funnel, funnel_rows(places, out_place="Chicago, IL")) == []
    assert run(detect_funnel, funnel_rows(places, delay=3.5)) == []


@pytest.mark.parametrize(
    ("place", "border"),
    [
        ("Cd. Juárez, Chih.", True), ("Nogales, Sonora", True), ("LAREDO, TX", True), ("Tijuana", True),
        ("32.54,-117.03", True), ("19.43,-99.13", False), ("Pachuca, Hidalgo", False),
        ("Matamoros, Coahuila", False), ("Chicago, IL", False),
    ],
)  # fmt: skip
def test_border_matcher(place: str, border: bool) -> None:
    assert BorderMatcher()(place) is border


def mule(day: float, amount: float, out_share: float, hours: float, account: str = "M", **kw: object) -> list:
    got = tx(account, amount, day, "wire", counterparty="X", **kw)
    sent = tx(account, amount * out_share, day + hours / 24, "wire", "out", counterparty="Y", **kw)
    return [got, sent]


def test_pass_through() -> None:
    rows = mule(0, 10_000, 0.95, 20) + mule(10, 12_000, 0.92, 30)
    (alert,) = run(detect_pass_through, rows)
    assert alert.accounts == ("M",) and len(alert.transactions) == 4
    assert "2 times money came in (largest USD 12,000) and 92%–95% of it left within 48 hours" in alert.rule
    assert run(detect_pass_through, mule(0, 10_000, 0.95, 20) + mule(10, 12_000, 0.92, 50)) == []  # too slow
    assert run(detect_pass_through, mule(0, 10_000, 0.95, 20) + mule(10, 12_000, 0.85, 30)) == []  # 85 % out
    assert run(detect_pass_through, mule(0, 10_000, 0.95, 20)) == []  # once
    company = mule(0, 10_000, 0.95, 20, account_type="company") + mule(10, 9_000, 0.95, 5, account_type="company")
    assert run(detect_pass_through, company) == []


def hop(src: str, dst: str, amount: float, day: float) -> list[Transaction]:
    return [
        tx(src, amount, day, "wire", "out", counterparty=dst),
        tx(dst, amount, day, "wire", "in", counterparty=src),
    ]


def test_round_trip() -> None:
    rows = hop("A", "B", 10_000, 0) + hop("B", "C", 9_800, 3) + hop("C", "A", 9_600, 6) + hop("D", "A", 50, 1)
    (alert,) = run(detect_round_trip, rows)
    assert alert.accounts == ("A", "B", "C") and len(alert.transactions) == 3
    assert "10,000 left A and 9,600 came back through A → B → C → A within 6 days (3 transfers)" in alert.rule
    assert run(detect_round_trip, hop("A", "B", 10_000, 0) + hop("B", "A", 9_900, 2)) == []  # one intermediary
    late = hop("A", "B", 10_000, 0) + hop("B", "C", 9_800, 3) + hop("C", "A", 9_600, 31)
    assert run(detect_round_trip, late) == []
    backwards = hop("A", "B", 10_000, 5) + hop("B", "C", 9_800, 3) + hop("C", "A", 9_600, 6)
    assert run(detect_round_trip, backwards) == []
    skimmed = hop("A", "B", 10_000, 0) + hop("B", "C", 7_000, 3) + hop("C", "A", 6_900, 6)  # 70 % passed on
    assert run(detect_round_trip, skimmed) == []


def invoice(account: str, unit: float, day: float) -> Transaction:
    return tx(account, unit * 1000, day, "trade", "out", hs_code="090111", quantity=1000.0,
              declared_value=unit * 1000, commodity="green coffee")  # fmt: skip


def test_trade_unit_value_outlier() -> None:
    usual = [invoice(f"N{i}", 4.0 * (1 + 0.05 * (i % 5 - 2)), i) for i in range(10)]
    (alert,) = run(detect_trade, [*usual, invoice("X", 40.0, 3)])
    assert alert.accounts == ("X",)
    assert "HS 090111 (green coffee) at 40.00/unit vs usual 4.00 (10.0× over" in alert.rule
    assert run(detect_trade, [*usual, invoice("X", 4.8, 3)]) == []
    few = [invoice("N1", 4.0, 0), invoice("N2", 4.2, 1), invoice("X", 20.0, 2)]
    assert run(detect_trade, few) == []  # too few invoices for a yardstick
    (alert,) = run(detect_trade, few, reference={"0901.11": 4.0})
    assert "5.0× over" in alert.rule


def test_designated_set_and_screening_function() -> None:
    rows = [
        tx("A", 5_000, 0, "wire", "out", counterparty="JUAN PEREZ"),
        tx("B", 10, 1, "card", "out", counterparty="Z"),
    ]
    (alert,) = run(detect_designated, rows, designated={"Juan Pérez"})
    assert alert.accounts == ("A", "JUAN PEREZ") and alert.score == 1.0
    assert "1 transaction (USD 5,000) with designated party 'JUAN PEREZ' (match 1.00)" in alert.rule
    (alert,) = run(detect_designated, rows, designated=lambda name: 0.9 if name.startswith("JUAN") else 0.0)
    assert alert.score == 0.9
    assert run(detect_designated, rows, designated=lambda name: 0.5) == []


def test_detect_all_runs_every_detector_sorted_by_score() -> None:
    rows = [
        *[tx("A", 9_500, d) for d in (0, 1, 2)],
        *mule(0, 10_000, 0.95, 20),
        *mule(10, 12_000, 0.92, 30),
        tx("Z", 100, 3, "wire", "out", counterparty="Bad Guy"),
    ]
    alerts = detect_all(rows, designated={"bad guy"})
    assert {a.typology for a in alerts} == {"structuring_us", "pass_through", "designated"}
    assert [a.score for a in alerts] == sorted((a.score for a in alerts), reverse=True)
    assert detect_all([]) == []
