from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bicentennial.core.errors import InvalidInput
from bicentennial.finance.synthetic import Truth, evaluate, generate, write_csv
from bicentennial.finance.transactions import Transaction, read_transactions, to_frame
from bicentennial.finance.typologies import detect_all

TYPOLOGIES = ("structuring_us", "structuring_mx", "funnel", "pass_through", "round_trip", "trade", "designated")


@pytest.fixture(scope="module")
def generated() -> tuple[list[Transaction], Truth]:
    return generate(1500, 90, seed=11, planted=dict.fromkeys(TYPOLOGIES, 15))


def test_seeded_and_labelled(generated: tuple[list[Transaction], Truth]) -> None:
    rows, _ = generated
    again, _ = generate(1500, 90, seed=11, planted=dict.fromkeys(TYPOLOGIES, 15))
    assert rows[:50] == again[:50] and len(rows) == len(again)
    assert generate(50, 30, seed=12)[0][:20] != generate(50, 30, seed=13)[0][:20]
    assert all(t.synthetic and t.id.startswith("SYN-") and t.account.startswith("SYN-") for t in rows)
    assert [t.time for t in rows] == sorted(t.time for t in rows)
    assert len(rows) > 100_000
    countries = {t.country for t in rows}
    assert {"MX", "US"} <= countries and {"MXN", "USD"} <= {t.currency for t in rows}


def test_truth_matches_planted(generated: tuple[list[Transaction], Truth]) -> None:
    rows, truth = generated
    by_type = {k: [p for p in truth.patterns if p.typology == k] for k in TYPOLOGIES}
    assert all(len(v) == 15 for v in by_type.values())
    ids = {t.id for t in rows}
    assert all(set(p.transactions) <= ids for p in truth.patterns)
    assert all(len(p.accounts) >= 3 for p in by_type["round_trip"])
    assert len(truth.designated) == 15


def test_every_detector_recall_and_precision(generated: tuple[list[Transaction], Truth]) -> None:
    rows, truth = generated
    scores = evaluate(detect_all(to_frame(rows), designated=truth.designated), truth)
    for typology in TYPOLOGIES:
        s = scores[typology]
        assert s.recall >= 0.8, s
        assert s.precision >= 0.5, s


def test_evaluate_counts() -> None:
    from bicentennial.finance.synthetic import Planted
    from bicentennial.finance.typology_base import Alert

    truth = Truth([Planted("funnel", ("A",), ("t1",)), Planted("funnel", ("B",), ("t2",))])
    period = (datetime(2024, 1, 1), datetime(2024, 1, 2))
    alerts = [Alert("funnel", ("A",), (), 0.5, "", period), Alert("funnel", ("C",), (), 0.5, "", period)]
    s = evaluate(alerts, truth)["funnel"]
    assert (s.planted, s.alerts, s.found, s.correct, s.recall, s.precision) == (2, 2, 1, 1, 0.5, 0.5)


def test_csv_round_trip(tmp_path: Path) -> None:
    rows, _ = generate(40, 20, seed=3, planted={"trade": 1, "funnel": 1})
    write_csv(tmp_path / "syn.csv", rows)
    back = list(read_transactions(tmp_path / "syn.csv"))
    assert len(back) == len(rows)
    for a, b in zip(rows, back, strict=True):
        assert (a.id, a.account, a.amount, a.channel, a.direction, a.place, a.time, a.synthetic) == (
            b.id, b.account, b.amount, b.channel, b.direction, b.place, b.time, b.synthetic,
        )  # fmt: skip
        assert (a.hs_code, a.quantity, a.declared_value) == (b.hs_code, b.quantity, b.declared_value)


def test_unknown_typology() -> None:
    with pytest.raises(InvalidInput, match="unknown typology 'smurfing'"):
        generate(10, 10, seed=1, planted={"smurfing": 1})
