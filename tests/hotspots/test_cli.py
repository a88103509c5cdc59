"""`bicentennial hotspots ...` as scripts call it: SaTScan-style files in, JSON out; stored datasets with --as."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bicentennial.hotspots.satscan_files import write_case_file, write_coordinates_file, write_population_file
from tests.core.test_cli import run
from tests.hotspots.test_service import PLANTED, states_panel


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("satscan")
    panel = states_panel()
    texts = {
        "cases": write_case_file(panel.ids, panel.periods, panel.cases),
        "population": write_population_file(panel.ids, ["2020"], panel.population[:, :1]),
        "coordinates": write_coordinates_file(panel.ids, panel.coords),
    }
    paths = {}
    for kind, text in texts.items():
        paths[kind] = folder / f"estados.{kind[:3]}"
        paths[kind].write_text(text, encoding="utf-8")
    return paths


def args(files: dict[str, Path]) -> list[str]:
    return [f"--{k}={v}" for k, v in files.items()]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path_factory.mktemp("hs-cli")), "COLUMNS": "200"}
    environment.pop("BICENTENNIAL_DATABASE_URL", None)
    return environment


def test_scan_files_to_json_as_the_interface_promises(
    files: dict[str, Path], env: dict[str, str], tmp_path: Path
) -> None:
    done = run(
        [
            "hotspots",
            "scan",
            *args(files),
            "--replicas",
            "99",
            "--max-population",
            "0.2",
            "--json",
            "--output-dir",
            str(tmp_path),
        ],
        env,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    top = out["clusters"][0]
    assert set(top) >= {"locations", "start", "end", "observed", "expected", "relative_risk", "llr", "p_value"}
    assert set(top["locations"]) & set(PLANTED) and top["p_value"] <= 0.05
    assert out["run"]["parameters"]["seed"] and len(out["run"]["files"]) == 3
    again = json.loads(
        run(["hotspots", "scan", *args(files), "--replicas", "99", "--max-population", "0.2", "--json"], env).stdout
    )
    assert again["clusters"] == out["clusters"]  # same files, same seed: same clusters
    col = (tmp_path / "scan.col.txt").read_text().splitlines()
    assert col[0].startswith("CLUSTER\tLOC_ID") and len(col) == len(out["clusters"]) + 1
    stp = json.loads(
        run(
            [
                "hotspots",
                "scan",
                f"--cases={files['cases']}",
                f"--coordinates={files['coordinates']}",
                "--model",
                "space-time-permutation",
                "--replicas",
                "99",
                "--json",
            ],
            env,
        ).stdout
    )
    assert stp["clusters"] and stp["run"]["parameters"]["model"] == "space-time-permutation"


def test_gistar_and_emerging_from_files(files: dict[str, Path], env: dict[str, str]) -> None:
    gi = json.loads(run(["hotspots", "gistar", *args(files), "--weights", "queen", "--json"], env).stdout)
    assert len(gi["areas"]) == 32 and gi["weights"] == "queen"
    em = run(["hotspots", "emerging", *args(files), "--weights", "knn:4", "--json"], env)
    assert em.returncode == 0 and sum(json.loads(em.stdout)["classes"].values()) == 32
    table = run(["hotspots", "emerging", *args(files), "--weights", "knn:4"], env)
    assert "Emerging hot spot classes" in table.stdout


def test_own_boundaries_and_centroid_csv(files: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    from importlib import resources

    states = json.loads(resources.files("bicentennial.geo").joinpath("data", "mx_estados.geojson").read_text("utf-8"))
    for feature in states["features"]:
        feature["properties"] = {"clave": "mx:" + feature["properties"]["cve_ent"]}
    boundaries = tmp_path / "estados.geojson"
    boundaries.write_text(json.dumps(states))
    centroids = tmp_path / "centroides.csv"
    rows = [line.split() for line in files["coordinates"].read_text().splitlines()]
    centroids.write_text("id,lat,lon\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    common = [f"--cases={files['cases']}", f"--population={files['population']}", f"--coordinates={centroids}"]
    own = json.loads(
        run(
            ["hotspots", "gistar", *common, "--boundaries", str(boundaries), "--id-property", "clave", "--json"], env
        ).stdout
    )
    bundled = json.loads(run(["hotspots", "gistar", *args(files), "--json"], env).stdout)
    assert [a["z"] for a in own["areas"]] == [a["z"] for a in bundled["areas"]]  # same polygons, same neighbours
    wrong = run(["hotspots", "gistar", *common, "--boundaries", str(boundaries), "--id-property", "nombre"], env)
    assert wrong.returncode == 2 and "estados.geojson, feature 0" in wrong.stderr


def test_bad_files_name_the_file_and_line(files: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    lines = files["coordinates"].read_text().splitlines()
    short = tmp_path / "short.geo"
    short.write_text("\n".join(lines[:-1]) + "\n")
    missing = lines[-1].split()[0]
    done = run(
        [
            "hotspots",
            "scan",
            f"--cases={files['cases']}",
            f"--population={files['population']}",
            f"--coordinates={short}",
            "--json",
        ],
        env,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "estados.cas" in done.stderr and "line" in done.stderr and missing in done.stderr
    negative = tmp_path / "neg.cas"
    negative.write_text(files["cases"].read_text().replace(" ", " -", 1))
    bad = run(
        [
            "hotspots",
            "scan",
            f"--cases={negative}",
            f"--population={files['population']}",
            f"--coordinates={files['coordinates']}",
        ],
        env,
    )
    assert bad.returncode == 2 and "neg.cas" in bad.stderr and "line 1" in bad.stderr


def test_stored_dataset_runs_targets_and_deployments(env: dict[str, str]) -> None:
    assert run(["setup"], env).returncode == 0
    listed = json.loads(run(["hotspots", "datasets", "--as", "admin", "--json"], env).stdout)
    assert listed[0]["synthetic"] is True and listed[0]["areas"] == 2469
    dataset = str(listed[0]["id"])
    em = json.loads(run(["hotspots", "emerging", "--dataset", dataset, "--as", "admin", "--json"], env).stdout)
    assert em["run"]["id"] and len(em["areas"]) == 2469
    targets = json.loads(
        run(["hotspots", "targets", "--dataset", dataset, "--teams", "5", "--as", "admin", "--json"], env).stdout
    )
    assert len(targets["targets"]) == 5 and targets["evidence_runs"]["emerging"] == em["run"]["id"]
    top = targets["targets"][0]["areas"][0]
    made = json.loads(
        run(
            ["hotspots", "deploy", "--name", "FT", "--areas", top, "--start", "2025-07-01", "--as", "admin", "--json"],
            env,
        ).stdout
    )
    check = json.loads(
        run(
            ["hotspots", "displacement", str(made[0]["id"]), "--dataset", dataset, "--as", "admin", "--json"], env
        ).stdout
    )
    assert check["after"] == ["2025-07", "2025-12"] and check["ring"]
    out = Path(env["BICENTENNIAL_DATA_DIR"]) / "satscan"
    assert (
        run(
            ["hotspots", "export-satscan", "--dataset", dataset, "--out-dir", str(out), "--as", "admin"], env
        ).returncode
        == 0
    )
    stp = json.loads(
        run(
            [
                "hotspots",
                "scan",
                f"--cases={out}/dataset-{dataset}.cas",
                f"--population={out}/dataset-{dataset}.pop",
                f"--coordinates={out}/dataset-{dataset}.geo",
                "--replicas",
                "0",
                "--json",
            ],
            env,
        ).stdout
    )
    assert stp["total_cases"] == listed[0]["cases"] and stp["clusters"]  # the round trip keeps every case
    nobody = run(["hotspots", "datasets", "--json"], env)
    assert nobody.returncode == 2 and "--as" in nobody.stderr
