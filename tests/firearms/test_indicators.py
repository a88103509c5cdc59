"""Trafficking indicators, networks and the synthetic trace generator (no database)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import pytest
from numpy.testing import assert_allclose

from bicentennial.firearms.demo import generate_traces
from bicentennial.firearms.indicators import compute_indicators
from bicentennial.firearms.networks import find_networks
from bicentennial.firearms.rows import TraceRow


def trace(serial: str, recovered: date, state: str, **kw: Any) -> TraceRow:
    values: dict[str, Any] = dict(
        line=0, serial=serial, serial_normalized=serial, serial_obliterated=False, firearm_type="pistol",
        manufacturer="Glock", model="G17", caliber="9mm", recovery_date=recovered, recovery_state=state,
        recovery_area=state,
    )  # fmt: skip
    values.update(kw)
    return TraceRow(**values)


def us(ffl: str, state: str, purchaser: str, **kw: Any) -> dict[str, Any]:
    return dict(dealer_ffl=ffl, dealer_name=f"Dealer {ffl}", dealer_state=state, purchaser_id=purchaser, **kw)


@pytest.fixture
def rows() -> list[TraceRow]:
    not_traced = dict(trace_status="not_traced")
    return [
        trace("A1", date(2020, 1, 15), "mx:14", firearm_type="rifle", caliber="7.62x39mm", possessor_id="X1",
              purchase_date=date(2019, 1, 15), multiple_sale=True, **us("F1", "TX", "P1")),
        trace("A2", date(2020, 2, 10), "mx:14", firearm_type="rifle", caliber="5.56x45mm", possessor_id="P1",
              purchase_date=date(2015, 1, 15), **us("F1", "TX", "P1")),
        trace("A3", date(2020, 2, 20), "mx:25", possessor_id="X2", purchase_date=date(2010, 6, 1),
              **us("F2", "TX", "P2")),
        trace("A4", date(2020, 3, 1), "mx:25", purchase_date=date(2018, 3, 1), **us("F3", "AZ", "P3")),
        trace("A5", date(2020, 3, 5), "mx:02", firearm_type="rifle", caliber=".50 BMG", possessor_id="X3",
              multiple_sale=True, **us("F3", "AZ", "P3")),
        trace("A6", date(2020, 3, 15), "mx:26", firearm_type="revolver", caliber=".38 Special", possessor_id="X4",
              purchase_date=date(2020, 1, 1), **us("F4", "CA", "P4")),
        trace("A7", date(2020, 3, 20), "mx:26", firearm_type="rifle", caliber="7.62x39mm", country_of_origin="RO"),
        trace("", date(2020, 4, 1), "mx:14", firearm_type="rifle", caliber="5.56x45mm", serial_obliterated=True,
              not_traced_reason="obliterated_serial", **not_traced),
        trace("A9", date(2020, 4, 2), "mx:25", firearm_type="revolver", caliber=".357 Magnum",
              not_traced_reason="too_old", **not_traced),
        trace("A10", date(2020, 4, 5), "mx:14", firearm_type="shotgun", caliber="12 gauge", **not_traced),
    ]  # fmt: skip


def test_indicators_match_hand_counts(rows: list[TraceRow]) -> None:
    ind = compute_indicators(rows)
    assert (ind.total, ind.traced, ind.us_sourced) == (10, 7, 6)
    # time-to-crime, days: 365, 1852, 3551, 731 (2020 is a leap year), 74; row A5 has no purchase date
    assert ind.time_to_crime_known == 5
    assert ind.time_to_crime_median_days == 731
    assert [d["state"] for d in ind.top_source_states] == ["TX", "AZ", "CA"]
    assert [d["count"] for d in ind.top_dealers] == [2, 2, 1, 1]
    assert [d["ffl"] for d in ind.top_dealers] == ["F1", "F3", "F2", "F4"]
    assert ind.top_dealers[0] == {"ffl": "F1", "dealer_name": "Dealer F1", "state": "TX", "count": 2, "share": 2 / 6}
    assert (ind.dealers, ind.dealers_for_half) == (4, 2)
    assert (ind.multi_gun_purchasers, ind.multi_gun_purchaser_guns) == (2, 4)
    assert_allclose(
        [ind.us_sourced_share, ind.time_to_crime_under_3y_share, ind.purchaser_not_possessor_share,
         ind.multiple_sale_share, ind.obliterated_share, ind.untraceable_share],
        [0.6, 0.6, 0.8, 2 / 6, 0.1, 0.3],
    )  # fmt: skip
    assert_allclose([d["share"] for d in ind.top_source_states], [3 / 6, 2 / 6, 1 / 6])
    assert ind.calibers_of_concern == [
        {"caliber": "5.56x45mm", "count": 2},
        {"caliber": "7.62x39mm", "count": 2},
        {"caliber": ".50 BMG", "count": 1},
    ]
    assert ind.types == {"rifle": 5, "pistol": 2, "revolver": 2, "shotgun": 1}
    assert ind.untraceable_by_reason == {"obliterated_serial": 1, "too_old": 1, "unspecified": 1}
    assert ind.by_recovery_state == {"mx:02": 1, "mx:14": 4, "mx:25": 3, "mx:26": 2}
    assert [(d["state"], d["recovered"], d["traced"]) for d in ind.untraceable_by_recovery_state] == [
        ("mx:02", 1, 1),
        ("mx:14", 4, 2),
        ("mx:25", 3, 2),
        ("mx:26", 2, 2),
    ]
    assert ind.by_month == {"2020-01": 1, "2020-02": 2, "2020-03": 4, "2020-04": 3}
    json.dumps(asdict(ind))


def test_indicators_custom_calibers_and_empty(rows: list[TraceRow]) -> None:
    assert compute_indicators(rows, concern_calibers={"9mm"}).calibers_of_concern == [{"caliber": "9mm", "count": 2}]
    empty = compute_indicators([])
    assert (empty.total, empty.time_to_crime_median_days, empty.dealers_for_half) == (0, None, 0)


def two_purchasers() -> list[TraceRow]:
    """PA and PB each buy three guns from the same dealer; their guns are seized in two separate events."""
    out = []
    for k, (pid, recovered, area) in enumerate([("PA", date(2021, 5, 1), "25006"), ("PB", date(2021, 6, 1), "26030")]):
        for j, days in enumerate([120, 200, 300]):
            out.append(
                trace(f"G{k}{j}", recovered, f"mx:{area[:2]}", recovery_area=f"mx:{area}", possessor_id=f"X{k}",
                      purchase_date=recovered - timedelta(days=days), **us("D1", "TX", pid))
            )  # fmt: skip
    return out


def test_dealer_does_not_merge_purchasers_and_evidence_reads_plainly() -> None:
    nets = find_networks(two_purchasers())
    assert sorted(n.purchasers for n in nets) == [("PA",), ("PB",)]
    pa = next(n for n in nets if n.purchasers == ("PA",))
    assert (pa.guns, pa.dealers, pa.recovery_states, pa.time_to_crime_median_days) == (3, {"D1": 3}, ("mx:25",), 200)
    assert pa.evidence[0] == "3 guns bought by purchaser PA at 1 dealer in TX, recovered in Sinaloa within 120–300 days"
    assert find_networks(two_purchasers(), min_guns=4) == []


def test_ballistic_link_merges_two_components() -> None:
    nets = find_networks(two_purchasers(), links=[(0, 3)])
    assert len(nets) == 1
    assert (nets[0].purchasers, nets[0].guns, nets[0].ballistic_links) == (("PA", "PB"), 6, 1)
    assert nets[0].recovery_states == ("mx:25", "mx:26")
    assert any("ballistic" in e for e in nets[0].evidence)


@pytest.mark.parametrize("seed", [1, 7])
def test_planted_rings_are_the_top_networks(seed: int) -> None:
    """Each ring is one component holding all its purchasers and guns, and the k best-scored networks are the k rings.

    A ring's component may take in a few background guns that share a seizure (date + municipality) with it;
    the top-k statement implies that every ring outranks every component of background guns, of any size.
    """
    rows, rings = generate_traces(20_000, seed=seed)
    nets = find_networks(rows)
    owner = {p: k for k, ring in enumerate(rings) for p in ring.purchasers}
    ring_nets = []
    for ring in rings:
        [net] = [n for n in nets if set(ring.purchasers) <= set(n.purchasers)]
        assert set(ring.serials) <= {rows[i].serial_normalized for i in net.rows}
        assert set(net.dealers) >= set(ring.dealers)
        ring_nets.append(net.id)
    assert sorted(ring_nets) == list(range(1, len(rings) + 1))
    assert all(len({owner[p] for p in n.purchasers if p in owner}) <= 1 for n in nets)  # rings stay apart
    assert max(n.guns for n in nets) < 100  # dealers would have joined most guns into one component


def test_generator_is_deterministic_and_shaped_like_gao() -> None:
    a, rings_a = generate_traces(5_000, seed=3)
    b, rings_b = generate_traces(5_000, seed=3)
    assert a == b and rings_a == rings_b and len(a) == 5_000
    ind = compute_indicators(a)
    assert abs(ind.us_sourced_share - 0.70) < 0.03
    assert ind.top_source_states[0]["state"] == "TX"
    assert abs(ind.top_source_states[0]["share"] - 0.41) < 0.04
    assert 5 * 365 < (ind.time_to_crime_median_days or 0) < 8 * 365
