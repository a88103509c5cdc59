"""The hash chain: how an entry is hashed and how a sequence is verified.

Pure functions over plain dicts, so an exported JSONL file can be checked by
anyone, offline, without the database (``bicentennial audit verify FILE``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
# An agency's export shows other agencies' entries as stubs: position and hashes only.
REDACTED_FIELDS = frozenset({"seq", "prev_hash", "hash", "redacted", "_line"})
FIELDS = ("seq", "ts", "kind", "actor", "agency", "target", "owner", "data", "prev_hash")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    # "owner" joined the chain later: hashed only when set, so earlier entries keep their hashes.
    body = {name: entry.get(name) for name in FIELDS if name != "owner" or entry.get("owner") is not None}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    head: str
    bad_index: int | None = None  # 1-based position (line number in a JSONL file)
    bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"OK: {self.entries} entries, chain intact, head {self.head}"
        return f"BROKEN at entry {self.bad_index} (seq {self.bad_seq}): {self.reason}"


def verify(entries: Iterable[Mapping[str, Any]], *, expect_head: str | None = None) -> Verdict:
    """Check every link; name the first entry that breaks the chain.

    An edited entry fails its own hash; a deleted, inserted or reordered one
    breaks the ``prev_hash`` link or the ``seq`` run. Truncation at the end is
    only detectable against a head published earlier (``expect_head``).
    Redacted stubs (in an agency's export) are checked for their links only;
    every full entry is checked in full, so an agency's own entries and their
    places in the chain are provable without seeing anyone else's.
    """
    prev, count = GENESIS, 0
    for count, entry in enumerate(entries, start=1):
        seq = entry.get("seq")
        problem = _check(entry, count, prev)
        if problem:
            return Verdict(False, count, prev, count, seq if isinstance(seq, int) else None, problem)
        prev = entry["hash"]
    if expect_head is not None and prev != expect_head:
        return Verdict(
            False, count, prev, count, None, f"head is {prev}, expected {expect_head} (entries missing at the end)"
        )
    return Verdict(True, count, prev)


def _check(entry: Mapping[str, Any], position: int, prev: str) -> str:
    if entry.get("seq") != position:
        return (
            f"sequence number {entry.get('seq')!r} where {position} was expected (entry deleted, inserted or reordered)"
        )
    if entry.get("prev_hash") != prev:
        return "prev_hash does not match the entry before it (entry deleted, inserted or reordered)"
    if entry.get("redacted") is True and set(entry) <= REDACTED_FIELDS:
        return ""  # another agency's entry: only its links are shown, and they must hold
    if entry.get("hash") != entry_hash(entry):
        return "hash does not match the entry's content (entry edited)"
    return ""


def parse_jsonl(lines: Iterable[str], *, source: str) -> list[dict[str, Any]]:
    from bicentennial.core.errors import InvalidInput

    out: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{source}, line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InvalidInput(f"{source}, line {number}: expected a JSON object")
        obj["_line"] = number
        out.append(obj)
    return out
