"""Outcomes as users meet them: API, pages, CLI and the offline report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bicentennial.access import credentials
from tests.conftest import make_user
from tests.core.test_cli import run
from tests.web.web_helpers import csrf_from, sign_in


@pytest.fixture
def auth(db):  # type: ignore[no-untyped-def]
    make_user(db, "ana", "SSPC", "analyst")
    with db.session() as s:
        return {"Authorization": f"Bearer {credentials.create_token(session=s, username='ana')[1]}"}


def test_api_scorecard_and_series(client, auth) -> None:
    rows = client.get("/api/v1/outcomes/scorecard", headers=auth).json()
    first = rows[0]
    assert {"id", "kind", "latest_period", "latest_value", "baseline", "target", "trend", "status"} <= set(first)
    assert {"slope", "p_value"} <= set(first["trend"])
    body = client.get("/api/v1/outcomes/series/mx_homicides_inegi", params={"area": "mx"}, headers=auth).json()
    assert body["indicator"] == "mx_homicides_inegi" and body["area"] == "mx"
    assert {k: body["observations"][21][k] for k in ("period", "value")} == {"period": "2021", "value": 35700.0}
    then = client.get("/api/v1/outcomes/series/mx_homicides_inegi", params={"as_of": "2022-08-01"}, headers=auth)
    assert then.json()["observations"][-1] == {**then.json()["observations"][-1], "period": "2021", "value": 35625.0}
    csv_text = client.get("/api/v1/outcomes/scorecard", params={"format": "csv"}, headers=auth).text
    assert "trend_slope" in csv_text.splitlines()[1]
    mapped = client.get("/api/v1/outcomes/map/mx_homicide_victims_sesnsp", headers=auth).json()
    assert mapped["period"] == "2024" and len(mapped["values"]) == 32
    assert client.get("/api/v1/outcomes/series/nonsense", headers=auth).status_code == 404


def test_pages_in_both_languages(client, db) -> None:
    make_user(db, "ana", "SSPC", "analyst")
    sign_in(client, "ana")
    for lang, words in (("en", ("Scorecard", "Two official counts")), ("es", ("Tablero", "Dos conteos oficiales"))):
        client.get(f"/lang/{lang}")
        page = client.get("/outcomes").text
        assert all(w in page for w in words), lang
        detail = client.get("/outcomes/indicators/mx_homicide_rate", params={"area": "mx:09"})
        assert detail.status_code == 200 and "Ciudad de México" in detail.text
    assert client.get("/outcomes/indicators/us_overdose_deaths", params={"as_of": "2023-01-01"}).status_code == 200


def test_import_through_the_page(client, db, tmp_path: Path) -> None:
    make_user(db, "ana", "SSPC", "analyst")
    sign_in(client, "ana")
    page = client.get("/outcomes/imports")
    content = b"indicator,area,period,value\nmx_homicide_victims_sesnsp,mx:01,2031,12\n"
    done = client.post(
        "/outcomes/imports",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("tidy.csv", content, "text/csv")},
    )
    assert done.status_code == 200 and "1 observations added" in done.text
    bad = client.post(
        "/outcomes/imports",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("bad.csv", b"indicator,area,period,value\nx,mx,2031,abc\n", "text/csv")},
    )
    assert bad.status_code == 422 and "bad.csv" in bad.text and "line 2" in bad.text


def test_viewers_read_but_do_not_import(client, db) -> None:
    make_user(db, "vic", "CDC", "viewer")
    sign_in(client, "vic")
    assert client.get("/outcomes").status_code == 200
    page = client.get("/outcomes/imports")
    assert "Import an official file" not in page.text
    assert (
        client.post(
            "/outcomes/imports", data={"csrf_token": csrf_from(page.text)}, files={"file": ("t.csv", b"x", "text/csv")}
        ).status_code
        == 403
    )


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path_factory.mktemp("outcomes-cli")), "COLUMNS": "200"}
    env.pop("BICENTENNIAL_DATABASE_URL", None)
    assert run(["setup"], env).returncode == 0
    return env


def test_cli_series_scorecard_report(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = json.loads(run(["outcomes", "series", "us_overdose_deaths", "--area", "us", "--json"], cli_env).stdout)
    assert out["indicator"] == "us_overdose_deaths" and out["observations"][-1]["period"] == "2024"
    then = json.loads(
        run(["outcomes", "series", "mx_homicides_inegi", "--as-of", "2022-08-01", "--json"], cli_env).stdout
    )
    assert then["observations"][-1] == {**then["observations"][-1], "period": "2021", "value": 35625.0}
    card = json.loads(run(["outcomes", "scorecard", "--json"], cli_env).stdout)
    assert all(
        {"id", "kind", "latest_period", "latest_value", "baseline", "target", "trend", "status"} <= set(r) for r in card
    )
    tidy = tmp_path / "one.csv"
    tidy.write_text("indicator,area,period,value\nmx_homicide_victims_sesnsp,mx:02,2031,5\n")
    first = json.loads(run(["outcomes", "import", str(tidy), "--json"], cli_env).stdout)
    again = json.loads(run(["outcomes", "import", str(tidy), "--json"], cli_env).stdout)
    assert first["added"] == 1 and again["duplicate"] is True
    broken = tmp_path / "broken.csv"
    broken.write_text("indicator,area,period,value\nmx_homicide_victims_sesnsp,mx:02,2032,many\n")
    failed = run(["outcomes", "import", str(broken)], cli_env)
    assert failed.returncode == 2 and "broken.csv, line 2" in failed.stderr and "Traceback" not in failed.stderr
    report = tmp_path / "report.html"
    assert run(["outcomes", "report", "--out", str(report)], cli_env).returncode == 0
    html = report.read_text()
    assert "Entendimiento Bicentenario" in html and "Plotly" in html and "https://" not in html.split("<script>")[0]
