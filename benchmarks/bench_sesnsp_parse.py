"""SESNSP municipal importer at real size: ~2.98 million rows ((2,469 municipalities + 64
pseudo-municipalities 998/999) × 11 years × 107 crime rows), windows-1252, 2025 cut at
September (October-December blank), a few quoted cells with commas.

Prints rows/s and seconds for parsing only (generation is not timed) and the process's
peak resident memory. The importer streams; the bound to beat is ~25 s on 2 cores.

    python benchmarks/bench_sesnsp_parse.py [--years 11] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from bicentennial.outcomes.importers.sesnsp import HEADERS, parse_municipal_crimes

MUNICIPIOS = Path(__file__).resolve().parents[1] / "src/bicentennial/geo/data/mx_municipios_2020.csv"
VIDA, PATRIMONIO, LIBERTAD = "La vida y la Integridad corporal", "El patrimonio", "Libertad personal"
OTROS = "Otros bienes jurídicos afectados (del fuero común)"
_CON_SIN = ("Con violencia", "Sin violencia")
_ROBOS = ("Robo a casa habitación", "Robo de autopartes", "Robo a transportista", "Robo a transeúnte en vía pública",
          "Robo a transeúnte en espacio abierto al público", "Robo en transporte público individual",
          "Robo en transporte público colectivo", "Robo en transporte individual", "Robo a institución bancaria",
          "Robo a negocio", "Robo de ganado", "Otros robos")  # fmt: skip
_VEHICULO = ("Robo de coche de 4 ruedas", "Robo de motocicleta", "Robo de embarcaciones pequeñas y grandes")
_MAQUINARIA = ("Robo de tractores", "Robo de herramienta industrial o agrícola",
               "Robo de cables, tubos y otros objetos destinados a servicios públicos")  # fmt: skip
_ARMAS = ("Con arma de fuego", "Con arma blanca", "Con otro elemento", "No especificado")
_CULPOSO = ("Con arma de fuego", "Con arma blanca", "En accidente de tránsito", "Con otro elemento", "No especificado")
_SECUESTRO = ("Secuestro extorsivo", "Secuestro con calidad de rehén", "Secuestro para causar daño",
              "Secuestro exprés", "Otro tipo de secuestros")  # fmt: skip
_SINGLE = {
    PATRIMONIO: ("Fraude", "Abuso de confianza", "Extorsión", "Daño a la propiedad", "Despojo",
                 "Otros delitos contra el patrimonio"),
    "La familia": ("Violencia familiar",
                   "Violencia de género en todas sus modalidades distinta a la violencia familiar",
                   "Incumplimiento de obligaciones de asistencia familiar", "Otros delitos contra la familia"),
    "La libertad y la seguridad sexual": ("Abuso sexual", "Acoso sexual", "Hostigamiento sexual", "Violación simple",
                                          "Violación equiparada", "Incesto",
                                          "Otros delitos que atentan contra la libertad y la seguridad sexual"),
    "La sociedad": ("Corrupción de menores", "Trata de personas", "Otros delitos contra la sociedad"),
    VIDA: ("Aborto", "Otros delitos que atentan contra la vida y la integridad corporal"),
    LIBERTAD: ("Tráfico de menores", "Rapto", "Otros delitos que atentan contra la libertad personal"),
    OTROS: ("Narcomenudeo", "Amenazas", "Allanamiento de morada", "Evasión de presos", "Falsedad", "Falsificación",
            "Contra el medio ambiente", "Delitos cometidos por servidores públicos", "Electorales",
            "Otros delitos del Fuero Común"),
}  # fmt: skip


def quoted(cell: str) -> str:
    """A CSV cell as SESNSP writes it: quoted only when it holds a comma."""
    return f'"{cell}"' if "," in cell else cell


def catalogue() -> list[str]:
    """``bien,tipo,subtipo,modalidad`` cells of the 2018+ catalogue, padded to the real file's
    ~107 rows per municipality-year with modalidades of "Otros robos"."""
    rows = [f"{PATRIMONIO},Robo,{s},{m}" for s in _ROBOS for m in _CON_SIN]
    rows += [f"{PATRIMONIO},Robo,Robo de vehículo automotor,{v} {m}" for v in _VEHICULO for m in _CON_SIN]
    rows += [f"{PATRIMONIO},Robo,Robo de maquinaria,{quoted(f'{v} {m}')}" for v in _MAQUINARIA for m in _CON_SIN]
    rows += [f"{bien},{t},{t},{t}" for bien, tipos in _SINGLE.items() for t in tipos]
    rows += [f"{VIDA},Homicidio,Homicidio doloso,{m}" for m in _ARMAS]
    rows += [f"{VIDA},Homicidio,Homicidio culposo,{m}" for m in _CULPOSO]
    rows += [f"{VIDA},Lesiones,Lesiones dolosas,{m}" for m in _ARMAS]
    rows += [f"{VIDA},Lesiones,Lesiones culposas,{m}" for m in _CULPOSO]
    rows += [f"{VIDA},Feminicidio,Feminicidio,{m}" for m in _ARMAS]
    rows += [f"{LIBERTAD},Secuestro,Secuestro,{m}" for m in _SECUESTRO]
    rows += [f"{PATRIMONIO},Robo,Otros robos,Otros robos {i}" for i in range(107 - len(rows))]
    return rows


def municipalities() -> list[tuple[int, str, int, str]]:
    """(state code, state name, municipality code, name) from the 2020 geostatistical frame,
    plus each state's 998/999 pseudo-municipalities as SESNSP publishes them."""
    with MUNICIPIOS.open(encoding="utf-8") as f:
        found = [(int(r["cve_ent"]), r["nom_ent"], int(r["cvegeo"]), r["nom_mun"]) for r in csv.DictReader(f)]
    states = {ent: name for ent, name, _, _ in found}
    pseudo = [
        (e, n, e * 1000 + c, m)
        for e, n in states.items()
        for c, m in ((998, "No Especificado"), (999, "Otros Municipios"))
    ]
    return found + pseudo


def write_file(path: Path, years: int, seed: int = 2025) -> int:
    rng = random.Random(seed)
    pool = [",".join(str(min(int(rng.expovariate(0.7)), 40)) for _ in range(12)) for _ in range(4096)]
    zeros = ",".join(["0"] * 12)
    crimes, places, rows, last = catalogue(), municipalities(), 0, 2015 + years - 1
    with path.open("w", encoding="cp1252", newline="") as f:
        f.write(HEADERS["sesnsp-municipal-crimes"] + "\r\n")
        for year in range(2015, last + 1):
            for ent, state, mun, name in places:
                prefix = f"{year},{ent},{state},{mun},{quoted(name)},"
                months = [zeros if rng.random() < 0.6 else pool[rng.randrange(4096)] for _ in crimes]
                if year == last:  # the September cut: October-December not yet published
                    months = [m.rsplit(",", 3)[0] + ",,," for m in months]
                f.writelines(f"{prefix}{c},{m}\r\n" for c, m in zip(crimes, months, strict=True))
                rows += len(crimes)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the generated file and print its path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"IDM_NM_sep{(2015 + args.years - 1) % 100:02d}.csv"
        start = time.perf_counter()
        rows = write_file(path, args.years)
        made = time.perf_counter() - start
        print(f"generated {rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB in {made:.1f} s: {path.name}")
        start = time.perf_counter()
        parsed = parse_municipal_crimes(path)
        took = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"parsed {rows:,} rows in {took:.1f} s: {rows / took:,.0f} rows/s; "
              f"{len(parsed.observations):,} observations; peak RSS {peak_mb:,.0f} MB")  # fmt: skip
        for note in parsed.notes:
            print("note:", note)
        if args.keep:
            kept = Path(tempfile.gettempdir()) / path.name
            path.replace(kept)
            print("kept", kept)


if __name__ == "__main__":
    main()
