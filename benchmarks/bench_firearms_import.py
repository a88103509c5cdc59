"""Firearms at scale, end to end: 1,000,000 traces imported into SQLite, then indicators and networks.

1. Generates a 1,000,000-row trace CSV and runs ``bicentennial firearms import`` on it in a
   child process (fresh SQLite database), timing it and reading its peak memory. Bar: < 2 min.
2. In this process: loads the traces an analyst of the owning agency may see (through the
   access rule), then computes every indicator (bar < 5 s) and extracts networks (bar < 30 s).

    python benchmarks/bench_firearms_import.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_traces_parse import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "traces.csv"
        generate(path, args.rows)
        env = {**os.environ, "BICENTENNIAL_DATA_DIR": tmp, "BICENTENNIAL_DATABASE_URL": f"sqlite:///{tmp}/fa.db"}
        bc = [sys.executable, "-m", "bicentennial"]
        subprocess.run([*bc, "setup"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*bc, "users", "create", "--username", "bench", "--agency", "FGR", "--role", "analyst", "--password-stdin"],
            env=env,
            check=True,
            capture_output=True,
            input=b"bench password 123\n",
        )
        started = time.perf_counter()
        done = subprocess.run(
            [*bc, "firearms", "import", str(path), "--as", "bench", "--partial", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            sys.exit(f"import failed: {done.stderr[-500:]}")
        report = json.loads(done.stdout)
        print(
            f"import: {args.rows:,} rows in {seconds:.1f} s (bar 120 s), {report['imported']:,} stored, "
            f"{len(report['errors'])} row errors reported; peak memory {peak:,.0f} MB"
        )
        analyse(env)


def analyse(env: dict[str, str]) -> None:
    os.environ.update(env)
    from bicentennial.access import service as access
    from bicentennial.core.db import Database
    from bicentennial.firearms import service
    from bicentennial.firearms.indicators import compute_indicators
    from bicentennial.firearms.networks import find_networks

    db = Database.from_url(env["BICENTENNIAL_DATABASE_URL"])
    with db.session() as s:
        actor = access.get_user(session=s, username="bench")
        started = time.perf_counter()
        rows = service.visible_rows(session=s, actor=actor, purpose="benchmark")
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = compute_indicators(rows)
        indicators = time.perf_counter() - started
        started = time.perf_counter()
        networks = find_networks(rows)
        extraction = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load {len(rows):,} visible traces from the database: {loaded:.1f} s")
    print(
        f"indicators: {indicators:.2f} s (bar 5 s); traced {result.traced:,}, US-sourced {result.us_sourced_share:.0%}"
    )
    print(f"networks: {extraction:.1f} s (bar 30 s); {len(networks):,} candidates; peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
