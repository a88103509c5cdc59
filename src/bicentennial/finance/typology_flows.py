"""Flow typologies: rapid pass-through (money mules) and round-tripping, found with time-ordered search."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

import numpy as np
import pandas as pd

from bicentennial.core.i18n import N_
from bicentennial.finance.explain import Explanation
from bicentennial.finance.typology_base import Alert, TypologyParams, account_keys, money, ramp

# Catalog msgids (see finance/explain.py): figures arrive formatted ("USD 12,000", "92%").
FORWARDING_RULE = N_(
    "{events} times money came in (largest {largest}) and {share}–{top} of it left within {hours} hours "
    "({total_in} in, {total_out} out)"
)
ROUND_TRIP_RULE = N_("{amount} left {origin} and {back} came back through {path} within {days} days ({hops} transfers)")


def detect_pass_through(frame: pd.DataFrame, params: TypologyParams) -> list[Alert]:
    """Credits of which ≥ ``passthrough_share`` leaves within ``passthrough_hours`` (and not far more)."""
    if frame.empty:
        return []
    order, key = account_keys(frame)
    amount = frame["amount"].to_numpy(np.float64)[order]
    out = (frame["direction"] == "out").to_numpy()[order]
    prefix = np.concatenate([[0.0], np.cumsum(np.where(out, amount, 0.0))])
    anchor = (~out) & (amount >= params.passthrough_min_amount)
    anchor &= ~frame["channel"].isin(params.passthrough_skip_channels).to_numpy()[order]
    anchor &= frame["account_type"].isin(params.passthrough_account_types).to_numpy()[order]
    idx = np.flatnonzero(anchor)
    hi = np.searchsorted(key, key[idx] + int(params.passthrough_hours * 3600), side="right")
    left = prefix[hi] - prefix[idx + 1]
    ratio = left / amount[idx]
    hit = (ratio >= params.passthrough_share) & (ratio <= params.passthrough_max_ratio)
    idx, hi, ratio = idx[hit], hi[hit], ratio[hit]
    sorted_frame = frame.iloc[order]
    accounts = sorted_frame["account"].to_numpy()[idx]
    alerts = []
    for account in pd.unique(accounts):
        mine = accounts == account
        if mine.sum() < params.passthrough_min_events:
            continue
        rows = np.unique(np.concatenate([np.arange(i, h) for i, h in zip(idx[mine], hi[mine], strict=True)]))
        chosen = sorted_frame.iloc[rows]
        chosen = chosen[(chosen["direction"] == "out") | chosen.index.isin(sorted_frame.index[idx[mine]])]
        ins, outs = chosen[chosen["direction"] == "in"], chosen[chosen["direction"] == "out"]
        rule = Explanation.of(
            FORWARDING_RULE, events=int(mine.sum()), largest=money(float(ins["amount"].max()), ins["currency"]),
            share=f"{float(ratio[mine].min()):.0%}", top=f"{float(ratio[mine].max()):.0%}",
            hours=f"{params.passthrough_hours:g}", total_in=money(float(ins["amount"].sum()), ins["currency"]),
            total_out=money(float(outs["amount"].sum()), outs["currency"]),
        )  # fmt: skip
        score = float(ramp(int(mine.sum()), params.passthrough_min_events, 3 * params.passthrough_min_events))
        alerts.append(Alert.of("pass_through", (str(account),), tuple(chosen["id"]), score, rule, chosen["time"]))
    return alerts


def transfer_edges(frame: pd.DataFrame) -> pd.DataFrame:
    """One edge (src, dst, time, amount, id) per transfer between two accounts both present in the data.

    A transfer between two of the bank's own accounts appears twice (debit and credit); the copy
    seen from the receiving side is dropped when it repeats sender, receiver, time and amount.
    """
    known = set(frame["account"].unique())
    moves = frame[(frame["channel"] != "cash") & frame["counterparty"].isin(known)]
    out = moves[moves["direction"] == "out"]
    inn = moves[moves["direction"] == "in"]
    edges = pd.concat(
        [
            pd.DataFrame({"src": out["account"], "dst": out["counterparty"], "time": out["time"],
                          "amount": out["amount"], "id": out["id"]}),
            pd.DataFrame({"src": inn["counterparty"], "dst": inn["account"], "time": inn["time"],
                          "amount": inn["amount"], "id": inn["id"]}),
        ]
    )  # fmt: skip
    edges = edges[edges["src"] != edges["dst"]]
    return edges.drop_duplicates(["src", "dst", "time", "amount"]).sort_values("time", kind="stable")


def _cycles(edges: pd.DataFrame, params: TypologyParams) -> list[list[int]]:
    """Time-respecting cycles; each a list of edge positions. Depth-first from every large enough edge."""
    src, dst = edges["src"].tolist(), edges["dst"].tolist()
    secs = (edges["time"].to_numpy("datetime64[s]").astype(np.int64)).tolist()
    amt = edges["amount"].tolist()
    by_src: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(src):
        by_src[s].append(i)
    times = {s: [secs[i] for i in ix] for s, ix in by_src.items()}
    window, (lo, hi) = params.roundtrip_window_days * 86400, params.roundtrip_keep
    found: list[list[int]] = []
    for e0 in range(len(src)):
        if amt[e0] < params.roundtrip_min_amount:
            continue
        origin, limit = src[e0], secs[e0] + window
        stack = [[e0]]
        while stack:
            path = stack.pop()
            last = path[-1]
            node, cands = dst[last], by_src.get(dst[last], [])
            start = bisect_right(times.get(node, []), secs[last])
            for j in cands[start:]:
                if secs[j] > limit:
                    break
                if not lo * amt[last] <= amt[j] <= hi * amt[last]:
                    continue
                if dst[j] == origin:
                    if len(path) >= params.roundtrip_min_intermediaries:
                        found.append([*path, j])
                elif len(path) + 1 < params.roundtrip_max_hops and all(dst[k] != dst[j] for k in path):
                    stack.append([*path, j])
    return found


def detect_round_trip(frame: pd.DataFrame, params: TypologyParams) -> list[Alert]:
    """Funds that come back to the account they left, through ≥ ``roundtrip_min_intermediaries`` others."""
    edges = transfer_edges(frame)
    if edges.empty:
        return []
    cycles = _cycles(edges, params)
    alerts, seen = [], set()
    for cycle in cycles:
        chosen = edges.iloc[cycle]
        ids = tuple(chosen["id"])
        if frozenset(ids) in seen:
            continue
        seen.add(frozenset(ids))
        nodes = list(chosen["src"])
        first, back = chosen.iloc[0], chosen.iloc[-1]
        days = (back["time"] - first["time"]).total_seconds() / 86400
        rule = Explanation.of(
            ROUND_TRIP_RULE, amount=money(float(first["amount"])), origin=nodes[0], back=money(float(back["amount"])),
            path=" → ".join([*nodes, nodes[0]]), days=max(1, int(np.ceil(days))), hops=len(cycle),
        )  # fmt: skip
        keep = float(back["amount"]) / float(first["amount"])
        score = float(ramp(keep, params.roundtrip_keep[0], 1.0))
        alerts.append(Alert.of("round_trip", tuple(dict.fromkeys(nodes)), ids, score, rule, chosen["time"]))
    return alerts
