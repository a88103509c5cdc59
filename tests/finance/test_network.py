from __future__ import annotations

import json
from datetime import datetime, timedelta

from bicentennial.finance.network import Link, build_graph, to_json
from bicentennial.finance.transactions import Transaction
from bicentennial.finance.typologies import detect_all

T0 = datetime(2024, 3, 1, 9)
_ids = iter(range(1, 10**6))


def hop(src: str, dst: str, amount: float, day: float, kind: str = "company") -> list[Transaction]:
    common = {"currency": "MXN", "channel": "wire", "place": "Monterrey, NL", "country": "MX", "account_type": kind}
    when = T0 + timedelta(days=day)
    return [
        Transaction(f"n{next(_ids)}", src, dst, amount, direction="out", time=when, **common),  # type: ignore[arg-type]
        Transaction(f"n{next(_ids)}", dst, src, amount, direction="in", time=when, **common),  # type: ignore[arg-type]
    ]


def case() -> list[Transaction]:
    rows = hop("A", "B", 100_000, 0) + hop("B", "C", 98_000, 3) + hop("C", "A", 96_000, 6)  # round trip
    rows += hop("D", "SANCTIONED CO", 20_000, 2, "individual")[:1]  # designated counterparty at another bank
    rows += hop("D", "E", 500, 4, "individual")  # E is D's friend: one hop of context
    # a payroll office paying 30 people, two of them flagged: a hub that must not tie the cases together
    for i, person in enumerate(["B", "D", *[f"W{k}" for k in range(28)]]):
        rows += hop("PAYROLL", person, 9_000, 1 + i * 0.01)
    return rows


def test_components_ranked_by_evidence_with_explanations() -> None:
    rows = case()
    alerts = detect_all(rows, designated={"Sanctioned Co"})
    assert {a.typology for a in alerts} == {"round_trip", "designated"}
    net = build_graph(rows, alerts, links=[Link("Juan Pérez", "D", "holder")])
    first, second = net.components[:2]
    assert set(first.nodes) >= {"D", "SANCTIONED CO", "E", "Juan Pérez"}
    assert "1 designated party: SANCTIONED CO" in first.explanation
    assert any(line.startswith("1 alert: designated 1.00") for line in first.explanation)
    assert "1 other record linked: 1 person" in first.explanation
    assert set(second.nodes) >= {"A", "B", "C"} and "D" not in second.nodes
    assert any("294,000 moved in 3 transactions between 3 accounts" in line for line in second.explanation)
    assert first.score > second.score > 0
    assert "PAYROLL" not in net.nodes and "W1" not in net.nodes
    assert net.nodes["SANCTIONED CO"].kind == "designated" and net.nodes["A"].kind == "account"
    assert net.nodes["A"].attrs == {"account_type": "company"}


def test_hub_kept_when_allowed_and_json_export() -> None:
    rows = case()
    alerts = detect_all(rows, designated={"Sanctioned Co"})
    joined = build_graph(rows, alerts, hub_degree=100)
    assert "PAYROLL" in joined.nodes
    assert joined.nodes["B"].component == joined.nodes["D"].component
    net = build_graph(rows, alerts)
    data = json.loads(json.dumps(to_json(net, top=1)))
    assert {n["id"] for n in data["nodes"]} == set(net.components[0].nodes)
    assert {"source", "target", "kind", "weight", "amount", "count"} <= set(data["edges"][0])
    assert all(e["source"] in {n["id"] for n in data["nodes"]} for e in data["edges"])
    assert [c["rank"] for c in data["components"]] == [1]
    transfer = next(e for e in data["edges"] if e["kind"] == "designated")
    assert (transfer["source"], transfer["target"], transfer["amount"], transfer["count"]) == (
        "D", "SANCTIONED CO", 20_000, 1,
    )  # fmt: skip
