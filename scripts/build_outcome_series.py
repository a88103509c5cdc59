"""Derive the package's bundled outcome series from the reference data in ../shared/data/series.

Maps each published series to a framework indicator and dates each figure's release
(vintage), so that "as published then" queries work on the bundled data too. Outputs
are committed under src/bicentennial/outcomes/data/; the product never reads ../shared.

    python scripts/build_outcome_series.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
OUT = HERE / "src" / "bicentennial" / "outcomes" / "data"
FILES = [
    "mx_homicides_inegi_national.csv",
    "mx_homicides_inegi_state_partial.csv",
    "mx_homicide_victims_sesnsp_national.csv",
    "mx_homicide_victims_sesnsp_state.csv",
    "us_overdose_deaths_cdc.csv",
    "us_cbp_fentanyl_seizures.csv",
    "mx_army_arrests_drug_suspects.csv",
]

# series id -> (indicator, vintage label, publication date as a function of the period's year)
INEGI = {
    "preliminary": ("preliminary", lambda y: f"{y + 1}-07-31"),
    "as_published": ("as reported", lambda y: f"{y + 1}-08-31"),
    "definitive": ("definitive", lambda y: f"{y + 1}-10-31"),
    "later_release_unverified": ("later release", lambda y: f"{y + 1}-11-15"),
}
CDC = {
    "": ("final", lambda y: f"{y + 1}-12-31"),
    "_provisional_predicted": ("provisional, predicted", lambda y: f"{y + 1}-05-15"),
}


def classify(row: dict[str, str]) -> tuple[str, str, str] | None:
    """(indicator, vintage, published_on) for a row, or None to leave it out."""
    series, note, year = row["series"], row["note"], int(re.sub(r"\D", "", row["period"])[:4])
    if note.upper().startswith("PARTIAL"):
        return None  # a part of a period is not the period: keeping it would read as a collapse
    for suffix, (label, when) in INEGI.items():
        if series in (f"mx_homicides_inegi_{suffix}", f"mx_homicides_inegi_state_{suffix}"):
            return "mx_homicides_inegi", label, when(year)
    if series in ("mx_victims_homicidio_doloso_sesnsp", "mx_victims_feminicidio_sesnsp"):
        indicator = "mx_homicide_victims_sesnsp" if "doloso" in series else "mx_feminicide_victims_sesnsp"
        if "c.2018" in note:
            return indicator, "SESNSP cut c.2018", "2018-06-30"
        if "Jan 2025" in note:
            return indicator, "SESNSP cut 2025-01", "2025-01-20"
        return indicator, "SESNSP cut 2025-06", "2025-07-20"
    for suffix, (label, when) in CDC.items():
        if series == f"us_drug_overdose_deaths{suffix}":
            return "us_overdose_deaths", label, when(year)
        if series == f"us_overdose_deaths_synthetic_opioids{'_excl_methadone' if not suffix else ''}{suffix}":
            return "us_synthetic_opioid_deaths", label, when(year)
    if series == "us_cbp_fentanyl_seizures":
        return series, "CBP as reported", f"{year}-11-15"
    if series == "mx_army_arrests_drug_suspects":
        return series, "as reported", "2021-10-08"
    return None  # sums of other series, rates published elsewhere: not stored twice


def area(geography: str) -> str:
    return geography.lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent / "shared")
    series_dir = parser.parse_args().shared / "data" / "series"
    OUT.mkdir(parents=True, exist_ok=True)
    rows, left_out = [], set()
    for name in FILES:
        with (series_dir / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found = classify(row)
                if found is None:
                    left_out.add(row["series"])
                    continue
                indicator, vintage, published = found
                rows.append(
                    {
                        "indicator": indicator,
                        "area": area(row["geography"]),
                        "period": row["period"],
                        "value": row["value"],
                        "vintage": vintage,
                        "published_on": published,
                        "source": row["source"],
                        "citation": row["source_url_or_title"],
                        "note": row["note"],
                    }
                )
    with (OUT / "reference_series.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with (
        (series_dir / "mx_population_state.csv").open(encoding="utf-8") as fh,
        (OUT / "populations.csv").open("w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["area", "year", "population", "source"])
        for row in csv.DictReader(fh):
            if row["series"] == "mx_population_conapo_midyear":
                writer.writerow([area(row["geography"]), row["period"], row["value"], "CONAPO mid-year"])
    shutil.copyfile(series_dir / "README.md", OUT / "SOURCES.upstream.md")
    print(f"{len(rows)} observations; left out: {', '.join(sorted(left_out))}")


if __name__ == "__main__":
    main()
