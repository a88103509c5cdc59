"""`bicentennial finance ...` as scripts call it: the real SDN imported, files screened, typologies found."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.core.test_cli import run

CUSTOMERS = (
    "nombre,fecha_nacimiento,curp,rfc,pais\n"
    "Miguel Ángel Arriola Márquez,1967-12-15,,,México\n"
    "Juan Pérez,,AIMO681106HCHRRS01,,\n"
    "María Guadalupe Hernández López,1980-03-02,,,MX\n"
    ",,,,\n"
    "Pedro Ruiz,31/02/1990,,,\n"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path_factory.mktemp("fin-cli")), "COLUMNS": "200"}
    environment.pop("BICENTENNIAL_DATABASE_URL", None)
    setup = run(["setup"], environment)
    assert setup.returncode == 0, setup.stderr
    assert "OFAC SDN 2021 snapshot" in setup.stderr
    environment["BICENTENNIAL_USER"] = setup.stderr.split("Username:")[1].split()[0]
    return environment


def test_screen_prints_one_object_per_row(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "clientes.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    result = run(["finance", "screen", str(path), "--json"], env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["decision"] for r in rows] == ["match", "match", "no-match", "error", "error"]
    assert rows[0]["entity"] == "ofac-sdn:9338" and rows[0]["list"] == "OFAC SDN" and rows[0]["score"] == 1.0
    assert rows[1]["entity"] == "ofac-sdn:9339" and "CURP" in rows[1]["reasons"][0]
    assert set(rows[0]) >= {"row", "decision", "entity", "list", "name", "score", "reasons"}
    assert "5 rows" in result.stderr and "errors 2" in result.stderr


def test_import_the_real_sdn_folder_and_search(env: dict[str, str]) -> None:
    imported = run(["finance", "lists", "import", str(SHARED / "sanctions" / "sdn.csv"), "--format", "ofac-sdn"], env)
    assert imported.returncode == 0, imported.stderr
    assert "8,976 entities" in imported.stdout
    shown = json.loads(run(["finance", "lists", "show", "--json"], env).stdout)
    assert sum(1 for row in shown if row["in_use"]) == 1 and len(shown) == 2
    found = json.loads(run(["finance", "search", "Caro Quintero Rafael", "--dob", "1952-12-12", "--json"], env).stdout)
    assert found["decision"] == "match" and found["entity"] == "ofac-sdn:6707"
    bad = run(["finance", "lists", "import", str(SHARED / "sanctions" / "sdn.csv"), "--format", "pdf"], env)
    assert bad.returncode == 2 and "--format" in bad.stderr and "Traceback" not in bad.stderr


def test_typologies_on_generated_transactions(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "movs.csv"
    made = run(["finance", "generate", str(path), "--accounts", "300", "--days", "60"], env)
    assert made.returncode == 0 and "synthetic transactions" in made.stderr
    result = run(["finance", "typologies", str(path), "--json"], env)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["transactions"] > 1000 and body["alerts"]
    assert {a["typology"] for a in body["alerts"]} >= {"structuring_us", "funnel"}
    assert all(a["rule"] and 0 <= a["score"] <= 1 for a in body["alerts"])
