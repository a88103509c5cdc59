"""`bicentennial ballistics ...` as scripts call it: x3p files in, the CMC evidence out as JSON."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import pytest

from bicentennial.ballistics.x3p import read_x3p
from tests.core.test_cli import run

FADUL = Path(__file__).parents[1] / "data" / "ballistics" / "fadul"
KEYS = ["cmc_count", "cmc_count_reverse", "decision", "areal_correlation", "seconds"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path_factory.mktemp("bal-cli")), "COLUMNS": "200"}
    environment.pop("BICENTENNIAL_DATABASE_URL", None)
    return environment


def compare_json(a: str, b: str, env: dict[str, str], *extra: str) -> dict[str, object]:
    done = run(["ballistics", "compare", str(FADUL / a), str(FADUL / b), "--preprocessed", "--json", *extra], env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert isinstance(report, dict)
    return report


def test_same_slide_is_an_identification(env: dict[str, str]) -> None:
    report = compare_json("Fadul_1-1.x3p", "Fadul_1-2.x3p", env)
    assert list(report)[:5] == KEYS  # the interface's keys first, in order
    assert report["decision"] == "identification"
    assert report["cmc_count"] == 19 and report["cmc_count_reverse"] == 19
    assert isinstance(report["areal_correlation"], float) and report["areal_correlation"] > 0.6
    assert isinstance(report["seconds"], float) and 0 < report["seconds"] < 30
    cells = report["cells"]
    assert isinstance(cells, list) and len(cells) == 19 and all(c["ccf"] >= 0.5 for c in cells)
    reference = report["reference"]
    assert isinstance(reference, dict) and reference["file"] == "Fadul_1-1.x3p" and len(reference["sha256"]) == 64


def test_different_slides_are_an_elimination(env: dict[str, str]) -> None:
    report = compare_json("Fadul_1-1.x3p", "Fadul_2-1.x3p", env, "--rule", "high")
    assert report["decision"] == "elimination" and report["rule"] == "high"
    assert min(report["cmc_count"], report["cmc_count_reverse"]) < 6  # type: ignore[call-overload]
    assert report["areal_correlation"] < 0.4  # type: ignore[operator]


def test_readable_summary_lists_the_agreeing_cells(env: dict[str, str]) -> None:
    done = run(
        ["ballistics", "compare", str(FADUL / "Fadul_1-1.x3p"), str(FADUL / "Fadul_1-2.x3p"), "--preprocessed"], env
    )
    assert done.returncode == 0, done.stderr
    assert "Congruent matching cells of Fadul_1-1.x3p found in Fadul_1-2.x3p" in done.stdout
    assert "Identification: 19 congruent matching cells" in done.stdout
    assert "0,2" in done.stdout and "0.843" in done.stdout  # cell 0,2 at θ 18°, CCF 0.843
    assert "Whole-surface correlation 0.733" in done.stdout


def test_corrupt_file_is_one_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken_scan.x3p"
    broken.write_bytes((FADUL / "Fadul_2-1.x3p").read_bytes()[:5000])
    done = run(["ballistics", "compare", str(FADUL / "Fadul_1-1.x3p"), str(broken), "--preprocessed"], env)
    assert done.returncode == 2
    assert "broken_scan.x3p" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_strict_refuses_a_deviating_file(env: dict[str, str], tmp_path: Path) -> None:
    """A file without md5checksum.hex reads leniently (test_x3p) but --strict must refuse it."""
    odd = tmp_path / "no_checksum.x3p"
    with zipfile.ZipFile(FADUL / "Fadul_1-2.x3p") as source, zipfile.ZipFile(odd, "w") as target:
        for item in source.infolist():
            if not item.filename.endswith("md5checksum.hex"):
                target.writestr(item, source.read(item))
    assert read_x3p(odd)[1]  # a deviation, accepted when lenient
    strict = run(["ballistics", "compare", str(FADUL / "Fadul_1-1.x3p"), str(odd), "--preprocessed", "--strict"], env)
    assert strict.returncode == 2 and "no_checksum.x3p" in strict.stderr and "strict" in strict.stderr


def test_synthetic_writes_scans_and_ground_truth(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "synth"
    args = ["ballistics", "synthetic", str(folder), "--guns", "2", "--firings", "2", "--seed", "3", "--size", "160"]
    done = run([*args, "--json"], env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scans"] == ["Synth_1-1.x3p", "Synth_1-2.x3p", "Synth_2-1.x3p", "Synth_2-2.x3p"]
    with (folder / "ground_truth.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["slide"] for r in rows] == ["1", "1", "2", "2"]
    surface, deviations = read_x3p(folder / "Synth_2-1.x3p", strict=True)
    assert surface.shape == (160, 160) and deviations == []


def test_import_a_folder_and_search(tmp_path: Path) -> None:
    env = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("BICENTENNIAL_DATABASE_URL", None)
    setup = run(["setup"], env)
    assert setup.returncode == 0, setup.stderr
    env["BICENTENNIAL_USER"] = setup.stderr.split("Username:")[1].split()[0]
    imported = run(["ballistics", "import", str(FADUL), "--case", "CI-2025-001", "--preprocessed"], env)
    assert imported.returncode == 0, imported.stderr
    assert "Imported 3 scans" in imported.stdout
    found = run(["ballistics", "search", "1", "--top", "5", "--json"], env)
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    assert rows[0]["exhibit"] == "Fadul_1-2" and rows[0]["decision"] == "identification"
    by_file = run(["ballistics", "search", str(FADUL / "Fadul_1-2.x3p"), "--preprocessed", "--top", "2", "--json"], env)
    assert by_file.returncode == 0, by_file.stderr
    assert json.loads(by_file.stdout)[0]["decision"] == "identification"  # the stored 1-1 (or 1-2 itself) first
