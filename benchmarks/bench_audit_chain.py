"""Audit chain throughput: appending events (committed in batches) and verifying the chain.

Prints entries per second for both, on SQLite and (when BICENTENNIAL_BENCH_DATABASE_URL
or BICENTENNIAL_TEST_DATABASE_URL is set) PostgreSQL. Verification is what an auditor
runs on an export; appends are paid by every audited request.

    python benchmarks/bench_audit_chain.py [--entries 20000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from sqlalchemy import text

from bicentennial.audit import chain, events
from bicentennial.audit import service as audit
from bicentennial.core.db import Database
from bicentennial.core.migrate import upgrade


def bench(url: str, entries: int, batch: int) -> None:
    db = Database.from_url(url)
    upgrade(db.engine)
    start = time.perf_counter()
    for first in range(0, entries, batch):
        with db.session() as s:
            for i in range(first, min(first + batch, entries)):
                audit.record(s, events.RecordRead(actor="bench", agency="FGR", target=f"trace:{i}", owner_agency="ATF"))
    append = time.perf_counter() - start
    start = time.perf_counter()
    with db.session() as s:
        rows = list(audit.iter_entries(s))
    verdict = chain.verify(rows)
    verify = time.perf_counter() - start
    assert verdict.ok, verdict.describe()
    print(
        f"{db.engine.dialect.name:>10}: append {entries / append:10,.0f} entries/s (batches of {batch}); "
        f"read+verify {len(rows) / verify:10,.0f} entries/s over {len(rows):,} entries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.sqlite3", args.entries, args.batch)
    pg = os.environ.get("BICENTENNIAL_BENCH_DATABASE_URL") or os.environ.get("BICENTENNIAL_TEST_DATABASE_URL")
    if pg:
        schema = "bench_audit"
        admin = Database.from_url(pg)
        with admin.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        sep = "&" if "?" in pg else "?"
        try:
            bench(f"{pg}{sep}options=-csearch_path%3D{schema}", args.entries, args.batch)
        finally:
            with admin.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
