"""Hotspot datasets, runs and deployments in the platform: reproducible runs, access rules, every interface."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from bicentennial.access import credentials
from bicentennial.access import service as access
from bicentennial.core.errors import InvalidInput, NotFound, PermissionDenied
from bicentennial.geo import reference
from bicentennial.hotspots import analyses, deployments, runs, service
from bicentennial.hotspots.panel import Panel, months
from bicentennial.outcomes.models import ImportBatch, ObservationRow
from tests.conftest import make_user
from tests.web.web_helpers import csrf_from, sign_in

PLANTED = ("mx:08", "mx:10", "mx:25")  # Chihuahua, Durango, Sinaloa: contiguous


def states_panel(seed: int = 3, rr: float = 2.5) -> Panel:
    """32 states × 24 months, Poisson by population, a cluster planted in three states over the last 6 months."""
    rng = np.random.default_rng(seed)
    rows = [r for r in reference.mexico() if r.level == "state"]
    ids = tuple(r.code for r in rows)
    people = np.array([r.population_2020 for r in rows], dtype=float)
    periods = months("2024-01", "2025-12")
    expected = np.repeat((people / people.sum() * 600)[:, None], len(periods), axis=1)
    for code in PLANTED:
        expected[ids.index(code), -6:] *= rr
    cases = rng.poisson(expected).astype(np.int64)
    coords = np.array([(r.lat, r.lon) for r in rows])
    return Panel(ids, tuple(r.name for r in rows), periods, cases, np.repeat(people[:, None], 24, axis=1), coords)


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    for name, agency, role in (
        ("fgr.analyst", "FGR", "analyst"),
        ("fgr.viewer", "FGR", "viewer"),
        ("dea.analyst", "DEA", "analyst"),
    ):
        make_user(db, name, agency, role)
    return db


def actor(session, name: str):  # type: ignore[no-untyped-def]
    return access.get_user(session=session, username=name)


def dataset(session, name: str = "fgr.analyst") -> int:  # type: ignore[no-untyped-def]
    user = actor(session, name)
    d = service.create_dataset(
        session=session,
        actor=user,
        owner=user.agency,
        panel=states_panel(),
        name="states",
        source="test",
        level="state",
    )
    return int(d.id)


def test_runs_are_reproducible_and_find_the_planted_cluster(people) -> None:
    with people.session() as s:
        ds = dataset(s)
        user = actor(s, "fgr.analyst")
        params = {"replicas": 99, "max_population": 0.2}
        first = runs.run_now(session=s, actor=user, dataset_id=ds, method="scan", parameters=params)
        again = runs.run_now(session=s, actor=user, dataset_id=ds, method="scan", parameters=params)
        assert first.result_sha256 == again.result_sha256 and first.input_sha256 == again.input_sha256
        top = first.result["clusters"][0]
        assert set(top["locations"]) & set(PLANTED) and top["end"] == "2025-12" and top["p_value"] <= 0.05
        assert first.parameters["seed"] == analyses.DEFAULT_SEED and first.engine_version == service.ENGINE_VERSION
        other_seed = runs.run_now(session=s, actor=user, dataset_id=ds, method="scan", parameters=params | {"seed": 5})
        assert other_seed.result["clusters"][0]["locations"] == top["locations"]  # p-values may differ, not the cluster
        for method in ("gistar", "local_moran", "emerging"):
            run = runs.run_now(session=s, actor=user, dataset_id=ds, method=method)
            assert len(run.result["areas"]) == 32 and run.status == "done"
        gi = runs.latest_run(session=s, actor=user, dataset_id=ds, method="gistar")
        assert gi is not None
        z = {a["code"]: a["z"] for a in gi.result["areas"]}
        assert np.mean([z[c] for c in PLANTED]) > np.mean([v for c, v in z.items() if c not in PLANTED]) + 1


def test_access_rules_and_bad_parameters(people) -> None:
    with people.session() as s:
        ds = dataset(s)
        with pytest.raises(NotFound):  # another agency's dataset does not exist for DEA
            service.get_dataset(session=s, actor=actor(s, "dea.analyst"), dataset_id=ds)
        with pytest.raises(PermissionDenied):  # viewers read, they do not run jobs
            runs.create_run(session=s, actor=actor(s, "fgr.viewer"), dataset_id=ds, method="gistar")
        user = actor(s, "fgr.analyst")
        for params, field in (
            ({"replicas": 5}, "replicas"),
            ({"max_population": 0.9}, "max_population"),
            ({"banana": 1}, "banana"),
            ({"start": "2019-01"}, "2019-01"),
        ):
            with pytest.raises(InvalidInput, match=field):
                runs.create_run(session=s, actor=user, dataset_id=ds, method="scan", parameters=params)
        with pytest.raises(InvalidInput, match="weights"):
            runs.create_run(session=s, actor=user, dataset_id=ds, method="gistar", parameters={"weights": "hex"})
        with pytest.raises(InvalidInput, match="no municipality figures"):
            service.dataset_from_outcomes(session=s, actor=user, start="2030-01", end="2030-12")


def test_dataset_from_the_outcomes_store(people) -> None:
    with people.session() as s:
        batch = ImportBatch(source="SESNSP", format="test", file_name="IDM_NM.csv", sha256="f" * 64, rows=4)
        s.add(batch)
        s.flush()
        for area, period, value, published in (
            ("mx:08037", "2025-01", 40, "2025-02-20"),
            ("mx:08037", "2025-01", 42, "2025-03-20"),  # a later release revises January
            ("mx:08037", "2025-02", 35, "2025-03-20"),
            ("mx:25006", "2025-02", 12, "2025-03-20"),
        ):
            s.add(
                ObservationRow(
                    batch_id=batch.id,
                    indicator=service.DEFAULT_INDICATOR,
                    area=area,
                    period=period,
                    value=value,
                    vintage=published,
                    published_on=published,
                )
            )
        s.flush()
        user = actor(s, "fgr.analyst")
        d = service.dataset_from_outcomes(session=s, actor=user, start="2025-01", end="2025-02")
        panel = service.panel_of(d)
        juarez = panel.ids.index("mx:08037")
        assert panel.cases[juarez].tolist() == [42, 35] and d.total_cases == 42 + 35 + 12 and d.areas == 2469
        assert panel.population[juarez, 0] > 1_000_000  # census 2020
        then = service.dataset_from_outcomes(
            session=s, actor=user, start="2025-01", end="2025-02", as_of=date(2025, 3, 1)
        )
        assert service.panel_of(then).cases[juarez].tolist() == [40, 0]


def test_targets_and_deployments(people) -> None:
    with people.session() as s:
        ds = dataset(s)
        user = actor(s, "fgr.analyst")
        runs.run_now(session=s, actor=user, dataset_id=ds, method="scan", parameters={"replicas": 99})
        result = deployments.targets(session=s, actor=user, dataset_id=ds, teams=3)
        assert len(result["targets"]) == 3 and 0 < result["covered_share"] < 1
        assert result["targets"][0]["cumulative_share"] <= result["targets"][-1]["cumulative_share"]
        assert result["evidence_runs"]["scan"] is not None and result["backtest"]["hit_rate"] > 0
        d = deployments.create_deployment(
            session=s, actor=user, name="Fuerza de tarea Sierra", area_codes=["mx:08"], start=date(2025, 7, 1)
        )
        check = deployments.displacement(session=s, actor=user, deployment_id=d.id, dataset_id=ds)
        assert check["after"] == ["2025-07", "2025-12"] and check["before"] == ["2025-01", "2025-06"]
        assert set(check["ring"]) >= {"mx:10", "mx:25"} and "mx:08" not in check["ring"]
        with pytest.raises(InvalidInput, match="unknown area"):
            deployments.create_deployment(
                session=s, actor=user, name="x", area_codes=["mx:99999"], start=date(2025, 1, 1)
            )
        with pytest.raises(NotFound):
            deployments.get_deployment(session=s, actor=actor(s, "dea.analyst"), deployment_id=d.id)


def test_api_and_pages(people, client) -> None:
    with people.session() as s:
        ds = dataset(s)
        token = credentials.create_token(session=s, username="fgr.analyst")[1]
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post(
        "/api/v1/hotspots/runs",
        json={"dataset": ds, "method": "scan", "parameters": {"replicas": 99}, "wait": True},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    run = made.json()
    assert run["status"] == "done" and run["result"]["clusters"][0]["p_value"] <= 0.05
    bad = client.post(
        "/api/v1/hotspots/runs", json={"dataset": ds, "method": "scan", "parameters": {"replicas": 3}}, headers=auth
    )
    assert bad.status_code == 422 and "replicas" in bad.json()["error"]["message"]
    csv_text = client.get(f"/api/v1/hotspots/runs/{run['id']}/export", params={"format": "csv"}, headers=auth).text
    assert "loc_id" in csv_text and run["input_sha256"] in csv_text
    geo = client.get(f"/api/v1/hotspots/runs/{run['id']}/export", params={"format": "geojson"}, headers=auth).json()
    assert geo["type"] == "FeatureCollection" and geo["features"][0]["geometry"]["type"] == "Point"
    geo_file = client.get(f"/api/v1/hotspots/datasets/{ds}/satscan", params={"file": "coordinates"}, headers=auth)
    assert geo_file.status_code == 200 and len(geo_file.text.splitlines()) == 32
    targets = client.get(f"/api/v1/hotspots/datasets/{ds}/targets", params={"teams": 2}, headers=auth).json()
    assert len(targets["targets"]) == 2
    dep = client.post(
        "/api/v1/hotspots/deployments",
        json={"name": "FT", "areas": ["mx:10"], "start": "2025-09-01"},
        headers=auth,
    )
    assert dep.status_code == 201
    shown = client.get(
        f"/api/v1/hotspots/deployments/{dep.json()['id']}/displacement", params={"dataset": ds}, headers=auth
    ).json()
    assert shown["after"] == ["2025-09", "2025-12"]
    sign_in(client, "fgr.analyst")
    for path in (
        "/hotspots",
        f"/hotspots/runs/{run['id']}",
        "/hotspots/datasets",
        f"/hotspots/targets?dataset={ds}",
        "/hotspots/deployments",
        f"/hotspots/deployments/{dep.json()['id']}?dataset={ds}",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
    assert "Reproducibility" in client.get(f"/hotspots/runs/{run['id']}").text
    form = client.get("/hotspots/deployments")
    rejected = client.post(
        "/hotspots/deployments",
        data={"name": "x", "areas": "mx:99999", "start": "2025-01-01", "csrf_token": csrf_from(form.text)},
    )
    assert rejected.status_code == 422 and "mx:99999" in rejected.text
    assert json.loads(json.dumps(targets))["teams"] == 2


def test_satscan_uploads_land_whole_or_not_at_all(people, client) -> None:
    from bicentennial.hotspots.satscan_files import write_case_file, write_coordinates_file, write_population_file

    panel = states_panel()
    cases = write_case_file(panel.ids, panel.periods, panel.cases)
    coords = write_coordinates_file(panel.ids, panel.coords)
    pop = write_population_file(panel.ids, ["2020"], panel.population[:, :1])
    with people.session() as s:
        token = credentials.create_token(session=s, username="fgr.analyst")[1]
    auth = {"Authorization": f"Bearer {token}"}
    files = {"cases": ("e.cas", cases), "coordinates": ("e.geo", coords), "population": ("e.pop", pop)}
    made = client.post("/api/v1/hotspots/datasets/satscan", files=files, data={"name": "Estados"}, headers=auth)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["areas"] == 32 and body["total_cases"] == int(panel.cases.sum()) and body["sha256"] == panel.sha256
    assert set(body["provenance"]["sha256"]) == {"cases", "coordinates", "population"}
    before = len(client.get("/api/v1/hotspots/datasets", headers=auth).json())
    broken = coords.splitlines()[:-1]
    bad = client.post(
        "/api/v1/hotspots/datasets/satscan",
        files=files | {"coordinates": ("e.geo", "\n".join(broken))},
        headers=auth,
    )
    assert bad.status_code == 422 and "e.cas" in bad.json()["error"]["message"]
    assert len(client.get("/api/v1/hotspots/datasets", headers=auth).json()) == before
    sign_in(client, "fgr.analyst")
    form = client.get("/hotspots/datasets")
    page = client.post(
        "/hotspots/datasets/satscan",
        files=files | {"coordinates": ("e.geo", "\n".join(broken))},
        data={"csrf_token": csrf_from(form.text)},
    )
    assert page.status_code == 422 and "e.cas" in page.text
    ok = client.post(
        "/hotspots/datasets/satscan", files=files, data={"csrf_token": csrf_from(form.text)}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/hotspots?dataset=")


def test_runs_left_by_a_stopped_server_are_marked_failed(people) -> None:
    from bicentennial.hotspots.models import HotspotRun

    with people.session() as s:
        ds = dataset(s)
        queued = runs.create_run(session=s, actor=actor(s, "fgr.analyst"), dataset_id=ds, method="gistar").id
    assert runs.fail_interrupted(people) >= 1
    with people.session() as s:
        run = s.get(HotspotRun, queued)
        assert run is not None and run.status == "failed" and "interrupted" in run.error
