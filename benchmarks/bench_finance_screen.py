"""Sanctions screening throughput and recall: the screening index against brute-force rapidfuzz.

The index holds every SDN name, primary and alias (~20,900 names, read with the csv module from
``/work/shared/data/sanctions``). It screens 1,000,000 names (90 % random common Mexican names,
10 % variants of real SDN entries from tests/finance/variants.py) on 2 worker processes in chunks,
the way ``bicentennial finance screen`` runs. The yardstick is brute force: rapidfuzz
``process.cdist`` with ``token_sort_ratio`` over all list names on 2 workers, timed on a sample of
the same mix. Recall is measured on the variant set for both: ours counts a variant found when its
entity ranks first with decision match or possible; brute force when its best name (score >= 85)
belongs to the entity. Bars (issue): >= 15,000 names/s, recall no worse than brute force.

    python benchmarks/bench_finance_screen.py [--rows 1000000] [--workers 2] [--sample 20000]
"""

from __future__ import annotations

import argparse
import gc
import pickle
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bicentennial.finance.name_tables import COMMON_GIVEN, COMMON_SURNAMES
from bicentennial.finance.screening_index import IndexEntry, ScreeningIndex
from tests.finance.variants import Variant, index_entries, mexican_entities, read_sdn, variant_set

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sanctions"
BRUTE_CUTOFF = 85
CHUNK = 5_000
_WORKER: dict[str, ScreeningIndex] = {}


def _load(blob: bytes) -> None:
    _WORKER["index"] = pickle.loads(blob)
    gc.freeze()  # the index is immutable: keep the collector from rescanning it on every cycle


def _screen(names: list[str]) -> list[tuple[str, str, float]]:
    out = []
    for found in _WORKER["index"].search_many(names, limit=1):
        out.append((found[0].decision, found[0].entity_id, found[0].score) if found else ("no-match", "", 0.0))
    return out


def query_mix(rows: int, variants: list[Variant], rng: random.Random) -> list[str]:
    names = []
    for _ in range(rows):
        if rng.random() < 0.1:
            names.append(rng.choice(variants).text)
            continue
        given = rng.choice(COMMON_GIVEN) + (f" {rng.choice(COMMON_GIVEN)}" if rng.random() < 0.4 else "")
        names.append(f"{given} {rng.choice(COMMON_SURNAMES)} {rng.choice(COMMON_SURNAMES)}".title())
    return names


def screen_parallel(index: ScreeningIndex, names: list[str], workers: int) -> tuple[Counter[str], float]:
    blob = pickle.dumps(index)
    decisions: Counter[str] = Counter()
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, initializer=_load, initargs=(blob,)) as pool:
        chunks = (names[i : i + CHUNK] for i in range(0, len(names), CHUNK))
        for rows in pool.map(_screen, chunks):
            decisions.update(decision for decision, _, _ in rows)
    return decisions, time.perf_counter() - start


def recall_ours(index: ScreeningIndex, variants: list[Variant]) -> float:
    found = 0
    for variant in variants:
        hits = index.search(variant.text)
        found += bool(hits) and any(c.entity_id == variant.entity_id and c.score == hits[0].score for c in hits)
    return found / len(variants)


def recall_brute(list_names: list[str], owners: list[str], variants: list[Variant], workers: int) -> float:
    scores = process.cdist(
        [v.text for v in variants], list_names, scorer=fuzz.token_sort_ratio, processor=utils.default_process,
        workers=workers, dtype=np.uint8,
    )  # fmt: skip
    found = 0
    for row, variant in zip(scores, variants, strict=True):
        best = row.max()
        found += best >= BRUTE_CUTOFF and variant.entity_id in {owners[j] for j in np.flatnonzero(row == best)}
    return found / len(variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    sdn, alt = read_sdn(DATA)
    entries = index_entries(sdn, alt)
    start = time.perf_counter()
    index = ScreeningIndex(IndexEntry(*entry) for entry in entries)
    print(f"index: {len(index):,} names built in {time.perf_counter() - start:.1f} s")
    variants = variant_set(mexican_entities(sdn, alt))
    rng = random.Random(42)
    names = query_mix(args.rows, variants, rng)
    print(f"queries: {len(names):,} ({len(set(names)):,} distinct)")

    decisions, seconds = screen_parallel(index, names, args.workers)
    ours = len(names) / seconds
    print(f"ours: {ours:,.0f} names/s on {args.workers} workers ({seconds:.1f} s), decisions {dict(decisions)}")

    sample = query_mix(args.sample, variants, random.Random(43))
    fresh = ScreeningIndex(IndexEntry(*entry) for entry in entries)
    start = time.perf_counter()
    fresh.search_many(sample)
    cold = len(sample) / (time.perf_counter() - start)
    print(f"ours, one process, cold caches, {len(sample):,} names: {cold:,.0f} names/s")

    list_names = [entry[1] for entry in entries]
    start = time.perf_counter()
    process.cdist(sample, list_names, scorer=fuzz.token_sort_ratio, processor=utils.default_process,
                  workers=args.workers, dtype=np.uint8)  # fmt: skip
    brute = len(sample) / (time.perf_counter() - start)
    print(f"brute force cdist token_sort_ratio: {brute:,.0f} names/s on {args.workers} workers")
    print(f"ratio ours / brute force: {ours / brute:.1f}x (bar: >= 15,000 names/s)")

    ours_recall = recall_ours(fresh, variants)
    brute_recall = recall_brute(list_names, [entry[0] for entry in entries], variants, args.workers)
    print(f"recall on {len(variants)} variants: ours {ours_recall:.3f}, ", end="")
    print(f"brute force (best token_sort_ratio >= {BRUTE_CUTOFF}) {brute_recall:.3f}")


if __name__ == "__main__":
    main()
