"""`bicentennial precursors ...` as scripts call it: JSON Lines per row, summaries, lookups, list imports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.core.test_cli import run

MANIFEST = (
    "nombre,cas,smiles,fraccion_arancelaria,cantidad,unidad,importador\n"
    "Clorhidrato de efedrina,50-98-6,,2939.41,25,kg,Farmacéutica del Norte\n"
    "Acetona,103-79-7,,,2000,L,Pinturas\n"
    ",,CC(=O)Cc1ccc(F)cc1,,5,kg,Z\n"
    ",,C1CC,,1,kg,Y\n"
    ",,,,,,\n"
    "Glucose,50-99-7,,,10,kg,Dulces\n"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path_factory.mktemp("pc-cli")), "COLUMNS": "200"}
    environment.pop("BICENTENNIAL_DATABASE_URL", None)
    return environment


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("m") / "manifiesto.csv"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


def test_screen_prints_one_json_object_per_row_in_order(env: dict[str, str], manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "screened.xlsx"
    result = run(["precursors", "screen", str(manifest), "--json", "--as-of", "2026-11-01", "--output", str(out)], env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["verdict"] for r in rows] == ["controlled", "controlled", "review", "error", "error", "clear"]
    first = rows[0]
    assert first["substance"] == "C008" and set(first["lists"]) == {"UN-I", "US-ListI", "MX-precursor"}
    assert first["score"] == 1.0 and all({"rule", "field", "text"} <= set(r) for r in first["reasons"])
    assert rows[1]["conflict"] is True  # CAS of P2P, name of acetone
    assert rows[2]["substance"] == "C020" and rows[2]["relation"] == "ring-halogenated"
    assert "6 rows" in result.stderr and "errors 2" in result.stderr and "conflicts 1" in result.stderr
    sheet = load_workbook(out).active
    assert sheet is not None and sheet.cell(1, 3).value == "verdict" and sheet.max_row == 7


def test_screen_in_spanish_and_as_a_table(env: dict[str, str], manifest: Path) -> None:
    spanish = run(["precursors", "screen", str(manifest), "--json", "--lang", "es"], env)
    assert json.loads(spanish.stdout.splitlines()[0])["substance_name"] == "Efedrina"
    table = run(["precursors", "screen", str(manifest)], env)
    assert table.returncode == 0 and "Ephedrine (C008)" in table.stdout and "Glucose" not in table.stdout


def test_lookup(env: dict[str, str]) -> None:
    found = run(["precursors", "lookup", "clorhidrato de efedrina", "--json"], env)
    assert found.returncode == 0, found.stderr
    body = json.loads(found.stdout)[0]
    assert body["verdict"] == "controlled" and body["substance"] == "C008"
    text = run(["precursors", "lookup", "134-20-3"], env).stdout
    assert "controlled" in text and "US-ListI" in text and "UN-" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["precursors", "screen", "/nonexistent.csv"], "no such file"),
        (["precursors", "screen", "{manifest}", "--as-of", "yesterday"], "--as-of"),
    ],
)
def test_user_mistakes_are_one_line(env: dict[str, str], manifest: Path, args: list[str], message: str) -> None:
    result = run([a.replace("{manifest}", str(manifest)) for a in args], env)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_wrong_columns_name_the_file(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "sin_columnas.csv"
    path.write_text("cantidad,unidad\n1,kg\n")
    result = run(["precursors", "screen", str(path)], env)
    assert result.returncode == 2 and "sin_columnas.csv, line 1" in result.stderr


def test_setup_loads_notifications_and_lists_import(env: dict[str, str], tmp_path: Path) -> None:
    setup = run(["setup"], env)
    assert setup.returncode == 0, setup.stderr
    assert "synthetic pre-export notifications" in setup.stderr
    admin = next(line for line in setup.stderr.splitlines() if "Username:" in line).split("Username:")[1].split()[0]
    listed = run(["precursors", "notifications", "list", "--json", "--as", admin], env)
    assert listed.returncode == 0, listed.stderr
    path = tmp_path / "mx.csv"
    path.write_text(
        "id,preferred_name_en,name_es,synonyms,cas,smiles,lists\n"
        "MX1,Benzyl cyanide,Cianuro de bencilo,,140-29-4,N#CCc1ccccc1,MX-precursor\n"
    )
    imported = run(
        ["precursors", "lists", "import", str(path), "--name", "MX 2026", "--effective", "2026-06-01", "--as", admin],
        env,
    )
    assert imported.returncode == 0, imported.stderr
    shown = run(["precursors", "lists", "show", "--json"], env)
    assert "MX 2026" in shown.stdout
    manifest = tmp_path / "m.csv"
    manifest.write_text("name\nbenzyl cyanide\n")
    with_lists = run(["precursors", "screen", str(manifest), "--json", "--imported"], env)
    assert "MX-precursor" in json.loads(with_lists.stdout)["lists"]
    without = run(["precursors", "screen", str(manifest), "--json"], env)
    assert json.loads(without.stdout)["lists"] == ["US-ListI"]
