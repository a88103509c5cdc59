"""The audit chain: recorded on commit only; any tampering named at its first bad entry."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bicentennial.audit import chain, events
from bicentennial.audit import service as audit


def sample_chain(n: int) -> list[dict]:
    entries, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        entry = {
            "seq": seq,
            "ts": f"2026-01-01T00:00:{seq:02d}+00:00",
            "kind": "record.created",
            "actor": "ana",
            "agency": "FGR",
            "target": f"request:{seq}",
            "owner": "DEA",
            "data": {"n": seq},
            "prev_hash": prev,
        }
        entry["hash"] = prev = chain.entry_hash(entry)
        entries.append(entry)
    return entries


def test_intact_chain_verifies() -> None:
    verdict = chain.verify(sample_chain(5))
    assert verdict.ok and verdict.entries == 5 and verdict.head == sample_chain(5)[-1]["hash"]


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (lambda e: e[2]["data"].update(n=99), 3),  # edited content
        (lambda e: e.__setitem__(3, {**e[3], "actor": "mallory"}), 4),  # edited actor
        (lambda e: e.pop(1), 2),  # deleted
        (lambda e: e.insert(2, copy.deepcopy(e[2])), 4),  # inserted copy: the entry after it no longer links
        (lambda e: e.__setitem__(slice(1, 3), [e[2], e[1]]), 2),  # reordered
    ],
)
def test_tampering_is_detected_at_the_first_bad_entry(tamper, first_bad: int) -> None:
    entries = sample_chain(6)
    tamper(entries)
    verdict = chain.verify(entries)
    assert not verdict.ok
    assert verdict.bad_index == first_bad


def test_rehashed_edit_still_breaks_the_next_link() -> None:
    entries = sample_chain(4)
    entries[1]["data"] = {"n": 42}
    entries[1]["hash"] = chain.entry_hash(entries[1])  # forger recomputes this entry's hash
    verdict = chain.verify(entries)
    assert not verdict.ok and verdict.bad_index == 3


def test_truncation_detected_against_a_published_head() -> None:
    full = sample_chain(5)
    assert chain.verify(full[:4], expect_head=full[-1]["hash"]).ok is False
    assert chain.verify(full, expect_head=full[-1]["hash"]).ok


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=8))
def test_jsonl_parser_accepts_or_raises_declared_error(lines: list[str]) -> None:
    from bicentennial.core.errors import InvalidInput

    try:
        parsed = chain.parse_jsonl(lines, source="x.jsonl")
    except InvalidInput as exc:
        assert "x.jsonl, line" in exc.message
    else:
        assert all(isinstance(p, dict) for p in parsed)


def test_events_written_only_when_the_transaction_commits(db) -> None:
    with db.session() as s:
        before = audit.count(s)
    with pytest.raises(RuntimeError), db.session() as s:
        audit.record(s, events.SignOut(actor="ghost"))
        raise RuntimeError("rolled back")
    with db.session() as s:
        assert audit.count(s) == before
        audit.record(s, events.SignOut(actor="real"))
    with db.session() as s:
        assert audit.count(s) == before + 1
        assert audit.recent(s, limit=1)[0].actor == "real"
        assert audit.verify_database(s).ok


def test_database_chain_detects_an_edited_row(db) -> None:
    from bicentennial.audit.models import AuditEntry

    with db.session() as s:
        for i in range(3):
            audit.record(s, events.RecordDeleted(actor="ana", target=f"x:{i}"))
    with db.session() as s:
        row = audit.recent(s, limit=1, offset=1)[0]
        bad_seq = row.seq
        s.get(AuditEntry, bad_seq).data = json.dumps({"forged": True})
    with db.session() as s:
        verdict = audit.verify_database(s)
        assert not verdict.ok and verdict.bad_seq == bad_seq


def test_a_rolled_back_savepoint_keeps_the_outer_events(db) -> None:
    with db.session() as s:
        before = audit.count(s)
        audit.record(s, events.SignOut(actor="outer"))
        with contextlib.suppress(RuntimeError), s.begin_nested():
            raise RuntimeError("inner work failed")
    with db.session() as s:
        assert audit.count(s) == before + 1
