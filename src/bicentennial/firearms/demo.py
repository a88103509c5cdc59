"""Synthetic firearm traces shaped like published figures, with planted straw-purchase rings.

For demos, tests and benchmarks only: nothing here is real trace data.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from bicentennial.firearms.rows import TraceRow

# Approximate dealer-state shares of US-sourced guns recovered in Mexico (GAO-21-322, 2014–2018).
SOURCE_STATES: dict[str, float] = {
    "TX": 0.41, "AZ": 0.16, "CA": 0.12, "NM": 0.05, "FL": 0.04, "NV": 0.03, "IL": 0.03, "GA": 0.025,
    "CO": 0.02, "OK": 0.02, "WA": 0.02, "UT": 0.015, "LA": 0.015, "NC": 0.015, "PA": 0.01, "OH": 0.01,
    "MO": 0.01, "VA": 0.01,
}  # fmt: skip
# ATF region digit of the FFL number, by state (illustrative).
FFL_REGION = {"TX": "5", "AZ": "9", "CA": "9", "NM": "5", "NV": "9", "UT": "8", "CO": "8", "WA": "9", "OK": "5"}
# Recovery weights by INEGI state code: the states the brief and press reporting name most often.
RECOVERY_STATES: dict[str, float] = {
    "14": 0.13, "11": 0.11, "16": 0.09, "02": 0.09, "08": 0.09, "26": 0.08, "25": 0.08, "28": 0.08,
    "12": 0.07, "15": 0.06,
}  # fmt: skip
OTHER_STATES_WEIGHT = 0.12
BORDER_STATES = {"TX": 0.5, "AZ": 0.25, "CA": 0.15, "NM": 0.1}
# type, manufacturer, model, caliber, country of manufacture, importer, weight
CATALOGUE: list[tuple[str, str, str, str, str, str, float]] = [
    ("pistol", "Glock", "G17", "9mm", "AT", "Glock Inc.", 0.10),
    ("pistol", "Smith & Wesson", "M&P9", "9mm", "US", "", 0.05),
    ("pistol", "Taurus", "G2C", "9mm", "BR", "Taurus International", 0.05),
    ("pistol", "Colt", "Government", ".38 Super", "US", "", 0.05),
    ("pistol", "Sig Sauer", "P320", "9mm", "US", "", 0.03),
    ("pistol", "Ruger", "SR9", "9mm", "US", "", 0.03),
    ("pistol", "Beretta", "92FS", "9mm", "IT", "Beretta USA", 0.03),
    ("pistol", "FN Herstal", "Five-seveN", "5.7x28mm", "BE", "FN America", 0.015),
    ("pistol", "Hi-Point", "JHP", ".45 ACP", "US", "", 0.02),
    ("revolver", "Smith & Wesson", "686", ".357 Magnum", "US", "", 0.03),
    ("revolver", "Ruger", "GP100", ".38 Special", "US", "", 0.02),
    ("rifle", "Romarm/Cugir", "WASR-10", "7.62x39mm", "RO", "Century Arms", 0.10),
    ("rifle", "Zastava", "PAP M70", "7.62x39mm", "RS", "Zastava USA", 0.04),
    ("rifle", "Norinco", "MAK-90", "7.62x39mm", "CN", "", 0.03),
    ("rifle", "Colt", "AR-15", "5.56x45mm", "US", "", 0.05),
    ("rifle", "Smith & Wesson", "M&P15", "5.56x45mm", "US", "", 0.04),
    ("rifle", "Bushmaster", "XM-15", "5.56x45mm", "US", "", 0.03),
    ("rifle", "Palmetto State Armory", "PA-15", "5.56x45mm", "US", "", 0.03),
    ("rifle", "Ruger", "Mini-14", ".223 Remington", "US", "", 0.02),
    ("rifle", "Century Arms", "C308", "7.62x51mm", "US", "", 0.01),
    ("rifle", "Ruger", "10/22", ".22 LR", "US", "", 0.03),
    ("rifle", "Barrett", "M82A1", ".50 BMG", "US", "", 0.004),
    ("shotgun", "Mossberg", "500", "12 gauge", "US", "", 0.04),
    ("shotgun", "Remington", "870", "12 gauge", "US", "", 0.03),
    ("machine_gun", "Colt", "M16A2", "5.56x45mm", "US", "", 0.008),
    ("other", "Unknown", "launcher", "40mm", "", "", 0.005),
]
RING_GUNS = [11, 14, 17, 15, 0, 7, 21]  # WASR-10, AR-15, PA-15, M&P15, Glock, Five-seveN, Barrett
RING_GUN_WEIGHTS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.1, 0.05]
NOT_TRACED = {"obliterated_serial": 0.35, "insufficient_data": 0.3, "foreign_no_import_record": 0.2, "too_old": 0.15}
CRIME_CODES = ["5212", "5299", "3599", "0999", "1099"]  # weapon offences, drugs, homicide, kidnapping (NCIC-style)
_NAMES_A = ["Lone Star", "Desert", "Border", "Frontier", "Patriot", "Liberty", "Eagle", "Canyon", "Mesa", "Sun"]
_NAMES_B = ["Arms", "Guns", "Outfitters", "Firearms", "Pawn", "Sporting Goods", "Armory", "Tactical"]
_SERIAL_MOD = 10**8
_SERIAL_STEP = 73_939_133  # odd and not a multiple of 5: i -> i * step mod 10**8 is a bijection


@dataclass(frozen=True)
class Ring:
    """A planted straw-purchase ring: who bought, which guns, where from and where they turned up."""

    purchasers: tuple[str, ...]
    serials: tuple[str, ...]  # normalised
    dealers: tuple[str, ...]  # FFL numbers
    recovery_states: tuple[str, ...]


class _RingGun(NamedTuple):
    purchaser: int  # index within the ring
    catalogue: int
    ffl: str
    name: str
    dealer_state: str
    purchase: int  # ordinal
    recovery: int  # ordinal
    state: str  # INEGI state code
    area: str  # INEGI municipality code
    multiple_sale: bool
    event: int  # seizure index within the ring


@lru_cache(maxsize=1)
def _municipalities() -> dict[str, tuple[list[str], np.ndarray]]:
    text = resources.files("bicentennial.geo").joinpath("data", "mx_municipios_2020.csv").read_text("utf-8")
    by_state: dict[str, tuple[list[str], list[float]]] = {}
    for m in csv.DictReader(text.splitlines()):
        codes, weights = by_state.setdefault(m["cve_ent"], ([], []))
        codes.append(m["cvegeo"])
        weights.append(float(m["pob_2020"]) ** 0.75)  # flatter than population: recoveries spread beyond capitals
    return {s: (c, np.asarray(w) / np.sum(w)) for s, (c, w) in by_state.items()}


def _recovery_state_weights() -> tuple[list[str], np.ndarray]:
    states = sorted(_municipalities())
    others = [s for s in states if s not in RECOVERY_STATES]
    w = [RECOVERY_STATES.get(s, OTHER_STATES_WEIGHT / len(others)) for s in states]
    return states, np.asarray(w) / np.sum(w)


def _dealers(rng: np.random.Generator) -> dict[str, list[tuple[str, str]]]:
    """A few hundred dealers, Zipf-like within each state: (FFL, name) per state, largest first."""
    out: dict[str, list[tuple[str, str]]] = {}
    seqs = iter(rng.choice(90_000, size=1_000, replace=False) + 10_000)
    for state, share in SOURCE_STATES.items():
        dealers = []
        for _ in range(max(3, round(share * 400))):
            ffl = (
                f"{FFL_REGION.get(state, '1')}{rng.integers(10, 99)}{rng.integers(1, 999):03d}01"
                f"{rng.integers(1, 9)}{'ABCDEFGHJKL'[rng.integers(0, 11)]}{next(seqs)}"
            )
            name = f"{_NAMES_A[rng.integers(0, len(_NAMES_A))]} {_NAMES_B[rng.integers(0, len(_NAMES_B))]} {state}"
            dealers.append((ffl, name))
        out[state] = dealers
    return out


def _zipf(n: int, exponent: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return w / w.sum()


def _serial(manufacturer: str, number: int, dashed: bool) -> tuple[str, str]:
    prefix = "".join(c for c in manufacturer.upper() if c.isalpha())[:2]
    digits = f"{number * _SERIAL_STEP % _SERIAL_MOD:08d}"
    return (f"{prefix}-{digits[:4]} {digits[4:]}" if dashed else prefix + digits), prefix + digits


def _muni(rng: np.random.Generator, state: str) -> str:
    codes, w = _municipalities()[state]
    return codes[int(rng.choice(len(codes), p=w))]


def _plant_rings(
    rng: np.random.Generator, rings: int, dealers: dict[str, list[tuple[str, str]]], start: date, end: date
) -> list[list[_RingGun]]:
    """Each ring as a list of its guns (serials and ids are added by the caller)."""
    states, sw = _recovery_state_weights()
    lo, hi = start.toordinal() - 90, max(start.toordinal() - 90, end.toordinal() - 600)
    out = []
    for _ in range(rings):
        us_state = str(rng.choice(list(BORDER_STATES), p=list(BORDER_STATES.values())))
        pool = dealers[us_state]
        chosen = [pool[i] for i in rng.choice(len(pool), size=int(rng.integers(1, 3)), replace=False)]
        base = int(rng.integers(lo, hi + 1))
        mx_states = [str(s) for s in rng.choice(states, size=int(rng.integers(1, 4)), replace=False, p=sw)]
        seized = [mx_states[e % len(mx_states)] for e in range(int(rng.integers(2, 5)))]
        events = [(s, _muni(rng, s), base + 42 + int(rng.integers(50, 499))) for s in seized]
        guns: list[_RingGun] = []
        for p in range(int(rng.integers(1, 4))):
            for _ in range(int(rng.integers(5, 16))):
                ffl, name = chosen[int(rng.integers(0, len(chosen)))]
                s, muni, day = events[len(guns) % len(events)]
                guns.append(
                    _RingGun(
                        p, int(rng.choice(RING_GUNS, p=RING_GUN_WEIGHTS)), ffl, name, us_state,
                        base + int(rng.integers(0, 43)), day, s, muni, bool(rng.random() < 0.4),
                        len(guns) % len(events),
                    )
                )  # fmt: skip
        out.append(guns)
    return out


def generate_traces(
    count: int, *, seed: int = 1, rings: int = 6, start: date = date(2019, 1, 1), end: date = date(2024, 12, 31)
) -> tuple[list[TraceRow], list[Ring]]:
    """Draw ``count`` synthetic traces of guns recovered in Mexico, with ``rings`` planted rings.

    Parameters
    ----------
    count : int
        Rows to return, ring guns included.
    seed : int
        Seed of the generator; the same seed gives the same rows.
    rings : int
        Straw-purchase rings to plant: 1–3 purchasers buying 5–15 guns each from 1–2 dealers
        in one border state within six weeks (about 40 % on multiple-sale reports), recovered
        in 2–4 seizures (date + municipality) in 1–3 Mexican states 3–18 months later, from a
        possessor other than the purchaser.
    start, end : date
        Recovery window of the background rows (ring recoveries fall inside it when it spans
        at least two years).

    Returns
    -------
    rows : list of TraceRow
        Shuffled; ``line`` is 0.
    rings : list of Ring
        The planted rings, for tests to check that they are found.

    Notes
    -----
    Shares are approximate and illustrative, drawn from GAO, *Firearms Trafficking*, GAO-21-322
    (2021): about 70 % of guns recovered in Mexico and traced in 2014–2018 were US-sourced, with
    Texas (~41 %), Arizona (~16 %) and California (~12 %) leading, then New Mexico, Florida and
    others. Of the rest, 12 % are traced to a foreign sale and 18 % are not traced (reasons below;
    obliterated serials are about 6 % of all rows). Dealers: a few hundred, Zipf-like within each
    state (exponent 1.1), so a handful account for much of the volume. Time-to-crime is
    log-normal with a median of about 6.5 years (σ = 0.9) for background guns, consistent with
    ATF's reported averages; ring guns take 2–18 months. Recovery states are weighted towards
    Jalisco, Guanajuato, Michoacán, Baja California, Chihuahua, Sonora, Sinaloa, Tamaulipas,
    Guerrero and Estado de México, municipalities (INEGI 2020 codes) by population to the power
    0.75. About 4 % of background guns share a purchaser with another gun; 3 % are on a
    multiple-sale report.
    """
    if end < start:
        raise ValueError("end must not precede start")
    rng = np.random.default_rng(seed)
    dealers = _dealers(rng)
    planted = _plant_rings(rng, rings, dealers, start, end)
    ring_rows = sum(len(r) for r in planted)
    if ring_rows > count:
        raise ValueError(f"count={count} is too small for {rings} rings ({ring_rows} guns)")
    n = count - ring_rows
    numbers = rng.permutation(2 * count + 1).tolist()  # purchaser and possessor numbers, all distinct
    rows = _background(rng, n, numbers, dealers, start, end)
    found = []
    next_pid, next_event = n, count + n
    for k, guns in enumerate(planted):
        pids = [f"P-{numbers[next_pid + p]:08d}" for p in range(1 + max(g.purchaser for g in guns))]
        next_pid += len(pids)
        serials = []
        for g in guns:
            cat = CATALOGUE[g.catalogue]
            serial, norm = _serial(cat[1], len(rows), dashed=False)
            serials.append(norm)
            rows.append(
                TraceRow(
                    line=0, serial=serial, serial_normalized=norm, serial_obliterated=False, firearm_type=cat[0],
                    manufacturer=cat[1], model=cat[2], caliber=cat[3], country_of_origin=cat[4], importer=cat[5],
                    recovery_date=date.fromordinal(g.recovery), recovery_state=f"mx:{g.state}",
                    recovery_area=f"mx:{g.area}", crime_code="5212", case_number=f"FGR-R{k}-{g.event}",
                    possessor_id=f"X-{numbers[next_event + g.event]:08d}", dealer_ffl=g.ffl, dealer_name=g.name,
                    dealer_state=g.dealer_state, purchaser_id=pids[g.purchaser],
                    purchase_date=date.fromordinal(g.purchase), multiple_sale=g.multiple_sale,
                )
            )  # fmt: skip
        next_event += 4
        ffls = tuple(sorted({g.ffl for g in guns}))
        found.append(Ring(tuple(pids), tuple(serials), ffls, tuple(sorted({f"mx:{g.state}" for g in guns}))))
    order = rng.permutation(len(rows)).tolist()
    return [rows[i] for i in order], found


def _pick(rng: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    p = np.asarray(list(options.values()))
    return rng.choice(len(options), size=size, p=p / p.sum())


def _background(
    rng: np.random.Generator,
    n: int,
    numbers: list[int],
    dealers: dict[str, list[tuple[str, str]]],
    start: date,
    end: date,
) -> list[TraceRow]:
    """Ordinary recoveries: independent draws from the published mixes (vectorised, then one loop)."""
    span = (end - start).days
    days = [start + timedelta(days=d) for d in range(span + 1)]
    recovery = rng.integers(0, span + 1, n)
    states, sw = _recovery_state_weights()
    state_idx = rng.choice(len(states), size=n, p=sw)
    area = np.empty(n, dtype=object)
    for k, s in enumerate(states):
        at = np.flatnonzero(state_idx == k)
        codes, w = _municipalities()[s]
        area[at] = [f"mx:{codes[j]}" for j in rng.choice(len(codes), size=at.size, p=w)]
    unknown_area = rng.random(n) < 0.05
    u = rng.random(n)
    us, traced = u < 0.70, u < 0.82
    reasons = list(NOT_TRACED)
    reason = _pick(rng, NOT_TRACED, n)
    obliterated = ~traced & (reason == reasons.index("obliterated_serial"))
    weights = {str(i): c[6] for i, c in enumerate(CATALOGUE)}
    cat = _pick(rng, weights, n)
    src = _pick(rng, SOURCE_STATES, n)
    dealer = np.zeros(n, dtype=np.int64)
    src_states = list(SOURCE_STATES)
    for k, s in enumerate(src_states):
        at = np.flatnonzero(src == k)
        dealer[at] = rng.choice(len(dealers[s]), size=at.size, p=_zipf(len(dealers[s])))
    ttc = np.maximum(1, rng.lognormal(np.log(2400), 0.9, n).astype(np.int64))
    start_ord = start.toordinal()
    purchase = np.maximum(date(1970, 1, 1).toordinal(), start_ord + recovery - ttc)
    has_purchase = us & (rng.random(n) > 0.08)
    multiple = us & (rng.random(n) < 0.03)
    pid = np.asarray(numbers[:n])
    us_rows = np.flatnonzero(us)
    reuse = np.flatnonzero(us & (rng.random(n) < 0.04))
    if us_rows.size:
        pid[reuse] = pid[rng.choice(us_rows, size=reuse.size)]
    possessed = rng.random(n) < 0.65
    self_possessed = us & (rng.random(n) < 0.2)
    dashed = rng.random(n) < 0.2
    crime = rng.integers(0, len(CRIME_CODES), n)
    rows = []
    columns = enumerate(
        zip(
            recovery.tolist(), state_idx.tolist(), area.tolist(), unknown_area.tolist(), us.tolist(),
            traced.tolist(), reason.tolist(), obliterated.tolist(), cat.tolist(), src.tolist(), dealer.tolist(),
            purchase.tolist(), has_purchase.tolist(), multiple.tolist(), pid.tolist(), possessed.tolist(),
            self_possessed.tolist(), dashed.tolist(), crime.tolist(), strict=True,
        )
    )  # fmt: skip
    for i, (rec, st, ar, unk, is_us, ok, rsn, obl, c, sidx, d, pur, has_p, mult, pnum, poss, own, dash, cr) in columns:
        typ, make, model, caliber, country, importer, _ = CATALOGUE[c]
        serial, norm = ("", "") if obl else _serial(make, i, dash)
        purchaser = f"P-{pnum:08d}" if is_us else ""
        ffl, name = dealers[src_states[sidx]][d] if is_us else ("", "")
        rows.append(
            TraceRow(
                line=0, serial=serial, serial_normalized=norm, serial_obliterated=obl, firearm_type=typ,
                manufacturer=make, model=model, caliber=caliber, recovery_date=days[rec],
                recovery_state=f"mx:{states[st]}", recovery_area=f"mx:{states[st]}" if unk else ar,
                country_of_origin=country, importer=importer, crime_code=CRIME_CODES[cr], case_number=f"FGR-{i:08d}",
                possessor_id=(purchaser if own else f"X-{numbers[n + i]:08d}") if poss else "",
                trace_status="completed" if ok else "not_traced", not_traced_reason="" if ok else reasons[rsn],
                dealer_ffl=ffl, dealer_name=name, dealer_state=src_states[sidx] if is_us else "",
                purchaser_id=purchaser, purchase_date=date.fromordinal(pur) if has_p else None,
                multiple_sale=mult,
            )
        )  # fmt: skip
    return rows
