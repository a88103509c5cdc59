"""Manifest screening throughput, streamed from CSV files, on the bundled controlled-chemical list.

Three manifests are generated (seeded) in a temporary folder:

* ``identifiers``: 1,000,000 rows identified by CAS number or name (English, Spanish, synonyms,
  salts, typos, unlisted goods), as customs and distributors declare them;
* ``structures``: 200,000 rows with a SMILES each, drawn from a catalogue of 20,000 distinct
  structures (listed substances and their salts, designer analogues, ordinary chemicals) with
  the skew of real trade (a few products make most lines);
* ``unique``: 20,000 rows whose SMILES are all different, the worst case for the cache.

Each is screened end to end (read, identify, combine, verdict) with 2 worker processes, the way
``bicentennial precursors screen`` runs. Peak memory is read after 100,000 and after 1,000,000
identifier rows: equal figures mean the file streams. The yardstick is RDKit itself: bare
``Chem.MolFromSmiles`` on one core over the unique structures. Bars (issue): >= 100,000 rows/s by
CAS or name, >= 8,000 rows/s with structures.

    python benchmarks/bench_precursors_screen.py [--rows 1000000] [--structures 200000] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from rdkit import Chem, RDLogger

from bicentennial.precursors.batch import Summary, screen_rows
from bicentennial.precursors.manifest import open_manifest
from bicentennial.precursors.registry import bundled
from bicentennial.precursors.screening import Screener

RDLogger.DisableLog("rdApp.*")
ORDINARY = ["Sodium chloride", "Glucose", "Citric acid", "Vanillin", "Calcium carbonate", "Ethyl acetate", "Urea"]
CORES = ["c1ccccc1", "c1ccc2c(c1)OCO2", "c1ccncc1", "c1ccc2ccccc2c1", "c1ccsc1", "C1CCNCC1", "C1CCOCC1"]
GROUPS = ["C", "CC", "CCC", "C(C)C", "OC", "F", "Cl", "Br", "C(=O)O", "C(=O)OC", "C(=O)C", "N", "C#N", "O", "CN", "C=O"]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def identifier_rows(n: int, rng: random.Random):  # type: ignore[no-untyped-def]
    subs = bundled().substances
    for _ in range(n):
        s = rng.choice(subs)
        u = rng.random()
        if u < 0.35 and s.cas:
            yield ["", s.cas, rng.randint(1, 500), "kg"]
        elif u < 0.75:
            name = rng.choice([s.name_en, s.name_es, *s.synonyms])
            if rng.random() < 0.1:
                name = f"{name} hydrochloride" if rng.random() < 0.5 else f"clorhidrato de {name}"
            yield [name, "", rng.randint(1, 500), "kg"]
        elif u < 0.8:
            name = s.name_en
            i = rng.randrange(1, max(2, len(name) - 1))
            yield [name[:i] + name[i + 1 :], "", 1, "kg"]  # one letter missing
        else:
            yield [f"{rng.choice(ORDINARY)} lot {rng.randint(1, 5000)}", "", 10, "kg"]


def random_structure(rng: random.Random) -> str:
    core = rng.choice(CORES)
    chain = "".join(rng.choice(["C", "CC", "C(=O)", "O", "N", "C(C)"]) for _ in range(rng.randint(1, 4)))
    return (
        f"{rng.choice(GROUPS)}{chain}{core.replace('1', '9', 0)}"
        if core.startswith("C1")
        else f"{chain}{core[:2]}({rng.choice(GROUPS)}){core[2:]}"
    )


def catalogue(n: int, rng: random.Random) -> list[str]:
    listed = [s.smiles for s in bundled().substances]
    salts = [f"{s}.Cl" for s in listed if "N" in s] + [f"{s}.O" for s in listed]
    analogues = [
        "CC(=O)Cc1ccc(F)cc1",
        "CCC(=O)Cc1ccccc1",
        "CCCCCOC(=O)C1(C)OC1c1ccccc1",
        "O=C1CCN(C(=O)OCc2ccccc2)CC1",
        "COC(=O)c1ccccc1N",
    ]
    pool = set(listed + salts + analogues)
    while len(pool) < n:
        smiles = random_structure(rng)
        if Chem.MolFromSmiles(smiles) is not None:
            pool.add(smiles)
    return sorted(pool)


def write(path: Path, header: list[str], rows) -> Path:  # type: ignore[no-untyped-def]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    return path


def screen(path: Path, workers: int, marks: dict[int, float] | None = None) -> tuple[float, Summary]:
    screener = Screener(bundled())
    summary = Summary()
    start = time.perf_counter()
    for item in screen_rows(open_manifest(path).rows, screener, workers=workers, summary=summary):
        if marks is not None and item.row in marks:
            marks[item.row] = peak_mib()
    return time.perf_counter() - start, summary


def report(label: str, rows: int, seconds: float, summary: Summary) -> float:
    rate = rows / seconds
    counts = summary.as_dict()
    print(
        f"{label:<12} {rows:>9,} rows  {seconds:7.2f} s  {rate:>10,.0f} rows/s  "
        f"(controlled {counts['controlled']:,}, review {counts['review']:,}, "
        f"clear {counts['clear']:,}, errors {counts['error']:,})"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--structures", type=int, default=200_000)
    parser.add_argument("--catalogue", type=int, default=20_000)
    parser.add_argument("--unique", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(20211008)  # the accord's date
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ids = write(
            folder / "identifiers.csv", ["nombre", "cas", "cantidad", "unidad"], identifier_rows(args.rows, rng)
        )
        pool = catalogue(args.catalogue, rng)
        weights = [1 / (rank + 1) for rank in range(len(pool))]
        rng.shuffle(pool)
        drawn = rng.choices(pool, weights=weights, k=args.structures)
        structures = write(folder / "structures.csv", ["smiles", "cantidad"], ([s, 1] for s in drawn))
        unique_pool = catalogue(args.unique + 200, random.Random(7))[: args.unique]
        unique = write(folder / "unique.csv", ["smiles"], ([s] for s in unique_pool))

        start = time.perf_counter()
        for smiles in unique_pool:
            Chem.MolFromSmiles(smiles)
        rdkit_rate = len(unique_pool) / (time.perf_counter() - start)

        marks = {100_000: 0.0, args.rows: 0.0}
        seconds, summary = screen(ids, args.workers, marks)
        id_rate = report("identifiers", args.rows, seconds, summary)
        seconds, summary = screen(structures, args.workers)
        st_rate = report("structures", args.structures, seconds, summary)
        seconds, summary = screen(unique, args.workers)
        un_rate = report("unique", args.unique, seconds, summary)
    print(
        f"peak memory after 100,000 rows {marks[100_000]:.0f} MiB, after {args.rows:,} rows {marks[args.rows]:.0f} MiB"
    )
    print(
        f"RDKit MolFromSmiles alone, one core: {rdkit_rate:,.0f} SMILES/s; structures screened per second "
        f"with {args.workers} workers = {st_rate / rdkit_rate:.2f}x that "
        f"(unique structures {un_rate / rdkit_rate:.2f}x)"
    )
    print(
        f"bars: identifiers {id_rate:,.0f} rows/s (>= 100,000: {'met' if id_rate >= 100_000 else 'NOT met'}); "
        f"structures {st_rate:,.0f} rows/s (>= 8,000: {'met' if st_rate >= 8_000 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
