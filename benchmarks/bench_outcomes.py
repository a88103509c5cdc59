"""Outcomes at real scale: a municipal SESNSP file into SQLite, then the scorecard page.

1. Generates a municipal SESNSP crimes file of real size (2,469 municipalities × 11 years
   × the crime catalogue, ≈ 2.9 M rows) and imports its homicide, feminicide and
   kidnapping rows into a fresh SQLite database with ``bicentennial outcomes import``,
   in a child process so that its peak memory can be read. Bar: < 60 s, < 1.5 GB.
2. Serves the scorecard page (English) from that database, now holding ten years of
   monthly municipal data, and prints the median of 20 requests. Bar: < 200 ms.

    python benchmarks/bench_outcomes.py [--years 11]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sesnsp_parse import write_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "IDM_NM_dic25.csv"
        rows = write_file(path, args.years)
        env = {**os.environ, "BICENTENNIAL_DATA_DIR": tmp, "BICENTENNIAL_DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        subprocess.run([sys.executable, "-m", "bicentennial", "setup"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bicentennial", "outcomes", "import", str(path), "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            sys.exit(f"import failed: {done.stderr}")
        print(
            f"import: {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {seconds:.1f} s "
            f"(bar 60 s); peak memory {peak_mb:.0f} MB (bar 1,536 MB); {done.stdout.strip()[:120]}"
        )
        print(f"scorecard page: median {scorecard_ms(env):.0f} ms over 20 requests (bar 200 ms)")


def scorecard_ms(env: dict[str, str]) -> float:
    os.environ.update(env)
    from fastapi.testclient import TestClient

    from bicentennial.access import service as access
    from bicentennial.core.config import Settings
    from bicentennial.core.db import Database
    from bicentennial.web.app import create_app

    db = Database.from_url(env["BICENTENNIAL_DATABASE_URL"])
    with db.session() as s:
        access.create_user(
            session=s, spec=access.NewUser("bench", "SSPC", "viewer"), password="bench password 1", actor=None
        )
    client = TestClient(create_app(Settings(data_dir=Path(env["BICENTENNIAL_DATA_DIR"])), db))
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "bench", "password": "bench password 1", "csrf_token": token})
    times = []
    for _ in range(21):
        started = time.perf_counter()
        assert client.get("/outcomes").status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])


if __name__ == "__main__":
    main()
