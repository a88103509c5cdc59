"""Firearm trace importer at scale: 1,000,000 rows with English headers, UTF-8, a mix of ISO and
day-first dates, aliases for makes, calibres and states, ~6 % obliterated serials.

Prints rows/s and seconds for parsing only (generation is not timed) and the process's
peak resident memory. The bound to beat is well under 60 s on 2 cores.

    python benchmarks/bench_traces_parse.py [--rows 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bicentennial.firearms.importer import parse_traces

HEADER = ["serial", "manufacturer", "model", "caliber", "type", "recovery_date", "recovery_state",
          "recovery_municipality", "purchase_date", "ffl", "dealer_name", "dealer_state", "purchaser_id",
          "possessor_id", "multiple_sale", "trace_status", "country_of_origin", "importer", "crime_code",
          "case_number"]  # fmt: skip
MAKES = ["COLT", "S&W", "Smith and Wesson", "RUGER", "Glock GmbH", "CAI", "Barrett Firearms", "FNH USA", "Norinco",
         "Romarm", "Zastava", "Beretta", "Taurus", "Bushmaster", "Springfield Armory", "Kel-Tec", "PSA", "Anderson",
         "Diamondback", "H&K"]  # fmt: skip
CALIBRES = ["9MM LUGER", "9x19", ".223 REM", "5.56X45 NATO", "7.62X39", "7.62 x 39", "50 BMG", ".38 SUPER", ".45 ACP",
            ".40 S&W", "22 LR", ".380 ACP", ".308 WIN", "12 GA"]  # fmt: skip
TYPES = ["PISTOL", "Pistola", "RIFLE", "Fusil", "REVOLVER", "SHOTGUN", "Escopeta"]
STATES = ["CHIH", "Chihuahua", "09", "Ciudad de México", "TAMPS", "Tamaulipas", "SIN", "Sinaloa", "JAL", "Guerrero",
          "Michoacán", "BC", "Sonora", "Distrito Federal", "15", "19"]  # fmt: skip
DEALER_STATES = ["TX", "Texas", "AZ", "CA", "NM", "FL", "NV", "GA", "IL", "WA"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            recovered = start + timedelta(days=rng.randrange(3000))
            bought = recovered - timedelta(days=rng.randrange(1, 4000))
            obliterated = rng.random() < 0.06
            traced = not obliterated and rng.random() < 0.7
            recovery = recovered.isoformat() if i % 2 else recovered.strftime("%d/%m/%Y")
            writer.writerow([
                "OBLITERATED" if obliterated else f"{rng.choice('ABCDEFGHJKMNPRSTUVWXYZ')}{rng.randrange(10**7):07d}",
                rng.choice(MAKES), f"M{rng.randrange(100)}", rng.choice(CALIBRES), rng.choice(TYPES), recovery,
                rng.choice(STATES), "", bought.isoformat() if traced else "",
                f"5-74-{rng.randrange(100, 999)}-01-2A-{rng.randrange(10**5):05d}" if traced else "",
                f"Dealer {rng.randrange(500)}" if traced else "", rng.choice(DEALER_STATES) if traced else "",
                f"P{rng.randrange(10**6)}" if traced else "", f"X{rng.randrange(10**6)}",
                "Y" if rng.random() < 0.05 else "N", "completed" if traced else "not traced",
                "US" if traced else "", "", f"{rng.randrange(1, 30)}", f"FGR/{rng.randrange(10**6)}/{recovered.year}",
            ])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="leave the generated CSV in place")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench_traces_"))
    path = folder / "traces.csv"
    generate(path, args.rows)
    size_mb = path.stat().st_size / 2**20
    started = time.perf_counter()
    parsed = parse_traces(path, today=date(2025, 1, 1))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    print(f"file: {path} ({size_mb:.0f} MiB, {args.rows:,} rows)")
    print(f"parsed {len(parsed.rows):,} rows, {len(parsed.errors):,} errors, {len(parsed.duplicates):,} duplicates")
    print(f"{seconds:.1f} s, {args.rows / seconds:,.0f} rows/s, peak RSS {peak_mb:,.0f} MiB")
    if not args.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
