"""One scan searched against a database of N stored scans (default 10,000): pre-filter plus CMC short list.

The database is built in a temporary SQLite file from the 40 real Fadul scans: each stored scan is one
of them, turned by a random angle and shifted, with fresh noise, so the pre-filter sees 10,000
different previews. The full-resolution heights of a stored scan are its source scan's (re-rotating
10,000 full scans would take longer than the search itself); the CMC stage on the short list therefore
costs what it costs in production. Bar (issue): under 10 minutes for 10,000 scans on this machine, and
faster with more workers.

    python benchmarks/bench_ballistics_search.py [--scans 10000] [--workers 2] [--shortlist 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

from bicentennial.access import service as access
from bicentennial.ballistics import service
from bicentennial.ballistics.models import BallisticScan
from bicentennial.bootstrap import seed_reference_data
from bicentennial.core.db import Database
from bicentennial.core.migrate import upgrade

FADUL = Path(__file__).resolve().parents[2] / "shared" / "data" / "ballistics" / "fadul"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shortlist", type=int, default=service.SHORTLIST)
    args = parser.parse_args()
    rng = np.random.default_rng(20211008)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite:///{tmp}/bench.sqlite3")
        upgrade(db.engine)
        with db.session() as s:
            seed_reference_data(session=s)
            access.create_user(
                session=s, spec=access.NewUser("lab", "FGR", "analyst", "lab"), password="x" * 16, actor=None
            )
        start = time.perf_counter()
        with db.session() as s:
            actor = access.get_user(session=s, username="lab")
            sources = []
            for path in sorted(FADUL.glob("*.x3p")):
                scan = service.store_scan(
                    session=s,
                    actor=actor,
                    data=path.read_bytes(),
                    file_name=path.name,
                    case_number=path.stem,
                    preprocessed=True,
                )
                sources.append(scan)
            query = sources[0].id
            previews = [service.unpack_heights(scan.preview, scan.file_name) for scan in sources]
            for i in range(args.scans - len(sources)):
                source = sources[i % len(sources)]
                preview = previews[i % len(sources)]
                turned = ndimage.rotate(np.nan_to_num(preview.heights), rng.uniform(-30, 30), reshape=False, order=1)
                turned = np.roll(turned, tuple(rng.integers(-2, 3, size=2)), axis=(0, 1))
                turned = turned + rng.normal(0, np.nanstd(preview.heights) * 0.3, turned.shape)
                turned[np.isnan(preview.heights)] = np.nan
                s.add(
                    BallisticScan(
                        owner_agency_id=actor.agency_id,
                        case_number=f"BENCH-{i:05d}",
                        file_name=source.file_name,
                        sha256=source.sha256,
                        spacing_um=source.spacing_um,
                        rows=source.rows,
                        columns=source.columns,
                        original=b"",
                        heights=source.heights,
                        preview=service.pack_heights(turned, preview.dx),
                        synthetic=True,
                    )
                )
                if i % 1000 == 999:
                    s.flush()
        print(f"database of {args.scans:,} scans built in {time.perf_counter() - start:.0f} s")
        for workers in sorted({1, args.workers}):
            with db.session() as s:
                actor = access.get_user(session=s, username="lab")
                start = time.perf_counter()
                found = service.search(
                    session=s, actor=actor, scan_id=query, top=20, shortlist=args.shortlist, workers=workers
                )
                seconds = time.perf_counter() - start
                s.rollback()
            same = [c for c in found if c.case_number.startswith("Fadul_1-")]
            print(
                f"search against {args.scans - 1:,} scans with {workers} worker(s): {seconds:.1f} s "
                f"({(args.scans - 1) / seconds:,.0f} scans/s); top hit {found[0].case_number} "
                f"CMC {found[0].result.cmc_count if found[0].result else '-'}; same-slide scan in top 20: {bool(same)}"
            )
    print("bar: under 600 s for 10,000 scans")


if __name__ == "__main__":
    main()
