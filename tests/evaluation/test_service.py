"""Evaluations in the platform: files, a recorded deployment, the accord; locked plans; every interface."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bicentennial.access import credentials
from bicentennial.access import service as access
from bicentennial.audit.models import AuditEntry
from bicentennial.core.errors import InvalidInput, NotFound
from bicentennial.evaluation import plans, service
from bicentennial.hotspots import deployments
from bicentennial.hotspots import service as hotspots
from tests.conftest import SHARED, make_user
from tests.core.test_cli import run
from tests.hotspots.test_service import states_panel
from tests.web.web_helpers import csrf_from, sign_in

BASQUE = SHARED / "evaluation" / "basque.csv"
SPEC = """
unit: regionname
time: year
outcome: gdpcap
treated: Basque Country (Pais Vasco)
treatment_start: 1970
exclude: [Spain (Espana)]
predictors:
  - {variable: gdpcap, from: 1960, to: 1969}
  - {variable: invest, from: 1964, to: 1969}
  - {variable: school.illit, from: 1964, to: 1969}
  - {variable: school.prim, from: 1964, to: 1969}
  - {variable: school.med, from: 1964, to: 1969}
  - {variable: school.high, from: 1964, to: 1969}
  - {variable: school.post.high, from: 1964, to: 1969}
  - {variable: sec.agriculture, from: 1961, to: 1969}
  - {variable: sec.energy, from: 1961, to: 1969}
  - {variable: sec.industry, from: 1961, to: 1969}
  - {variable: sec.construction, from: 1961, to: 1969}
  - {variable: sec.services.venta, from: 1961, to: 1969}
  - {variable: sec.services.nonventa, from: 1961, to: 1969}
  - {variable: popdens, from: 1969, to: 1969}
optimize_fit: {from: 1960, to: 1969}
"""


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    make_user(db, "fgr.analyst", "FGR", "analyst")
    make_user(db, "dea.analyst", "DEA", "analyst")
    return db


def actor(session, name: str):  # type: ignore[no-untyped-def]
    return access.get_user(session=session, username=name)


def test_basque_from_files_and_locked_plans(people) -> None:
    data = (BASQUE.name, BASQUE.read_text())
    with people.session() as s:
        user = actor(s, "fgr.analyst")
        free = service.evaluate_file(session=s, actor=user, method="synth", spec=("basque.yaml", SPEC), data=data)
        w = free.result["weights"]
        assert abs(w["Cataluna"] - 0.8508) < 0.02 and abs(w["Madrid (Comunidad De)"] - 0.1492) < 0.02
        assert free.exploratory and free.result["gaps"][-1]["gap"] < -0.5
        plan = plans.create_plan(session=s, actor=user, name="Basque", method="synth", spec_text=SPEC)
        with pytest.raises(InvalidInput, match="differs from the plan"):
            service.evaluate_file(
                session=s,
                actor=user,
                method="synth",
                spec=("b.yaml", SPEC.replace("1964", "1965")),
                data=data,
                plan_id=plan.id,
            )
        locked = plans.lock_plan(session=s, actor=user, plan_id=plan.id)
        assert len(locked.sha256) == 64 and locked.locked_at is not None
        with pytest.raises(InvalidInput, match="already locked"):
            plans.lock_plan(session=s, actor=user, plan_id=plan.id)
        planned = plans.run_plan(session=s, actor=user, plan_id=plan.id, data=data)
        assert not planned.exploratory and planned.plan_id == plan.id
        assert planned.result["weights"] == free.result["weights"]
        with pytest.raises(NotFound):
            service.get_run(session=s, actor=actor(s, "dea.analyst"), run_id=planned.id)
        plan_ref, sha = plan.ref, locked.sha256
    with people.session() as s:
        written = [e.data for e in s.query(AuditEntry).filter(AuditEntry.target == plan_ref)]
        assert any(sha in data for data in written)  # the lock's SHA-256 is in the audit chain


def test_the_accord_and_a_deployment(people) -> None:
    with people.session() as s:
        user = actor(s, "fgr.analyst")
        accord = service.evaluate_accord(session=s, actor=user)
        assert accord.result["treatment_start"] == "2022" and accord.method == "its"
        assert len(accord.result["observed"]) == len(accord.result["counterfactual"])
        ds = hotspots.create_dataset(
            session=s, actor=user, owner=user.agency, panel=states_panel(), name="states", source="test", level="state"
        )
        d = deployments.create_deployment(
            session=s, actor=user, name="Sierra", area_codes=["mx:08", "mx:10"], start=date(2025, 7, 1)
        )
        ev = service.evaluate_deployment(session=s, actor=user, deployment_id=d.id, dataset_id=ds.id)
        assert ev.result["treated"] == "deployment" and ev.result["treatment_start"] == "2025-07"
        assert "mx:25" not in ev.result["weights"]  # Sinaloa borders the deployment: left out of the donors
        assert ev.result["displacement"]["ring"] and ev.result["post_rmspe"] > ev.result["pre_rmspe"]
        gaps = [g["gap"] for g in ev.result["gaps"]]
        assert sum(gaps[-6:]) > 0  # the planted rise (RR 2.5 in Chihuahua and Durango) shows as a positive gap


def test_api_pages_and_report(people, client) -> None:
    with people.session() as s:
        token = credentials.create_token(session=s, username="fgr.analyst")[1]
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post(
        "/api/v1/evaluation/runs",
        data={"method": "synth"},
        files={"spec": ("basque.yaml", SPEC), "data": ("basque.csv", BASQUE.read_bytes())},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    run_id = made.json()["id"]
    bad = client.post(
        "/api/v1/evaluation/runs",
        data={"method": "synth"},
        files={"spec": ("basque.yaml", SPEC.replace("gdpcap", "gdp")), "data": ("basque.csv", BASQUE.read_bytes())},
        headers=auth,
    )
    assert bad.status_code == 422 and "gdp" in bad.json()["error"]["message"]
    accord = client.post(
        "/api/v1/evaluation/accord", json={"indicator": "us_overdose_deaths", "area": "us"}, headers=auth
    )
    assert accord.status_code == 201 and accord.json()["result"]["level_ci"][0] is not None
    report = client.get(f"/api/v1/evaluation/runs/{run_id}/report", params={"lang": "es"}, headers=auth)
    assert report.status_code == 200 and "Plotly" in report.text and '<html lang="es">' in report.text
    sign_in(client, "fgr.analyst")
    for path in (
        "/evaluation",
        f"/evaluation/runs/{run_id}",
        "/evaluation/plans",
        f"/evaluation/runs/{run_id}/report.html",
    ):
        assert client.get(path).status_code == 200, path
    form = client.get("/evaluation/plans")
    made_plan = client.post(
        "/evaluation/plans",
        data={"name": "p", "method": "its", "spec": "time: year\n", "csrf_token": csrf_from(form.text)},
    )
    assert made_plan.status_code == 422 and "outcome" in made_plan.text


def test_cli_prints_the_promised_json(tmp_path: Path) -> None:
    import os

    spec = tmp_path / "basque.yaml"
    spec.write_text(SPEC)
    env = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("BICENTENNIAL_DATABASE_URL", None)
    done = run(["evaluate", "synth", str(spec), "--data", str(BASQUE), "--json"], env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out)[:5] == ["weights", "pre_rmspe", "post_rmspe", "gaps", "placebo_p_value"]
    assert out["placebo_p_value"] is None and out["gaps"][0] == {"period": "1955", "gap": out["gaps"][0]["gap"]}
    broken = tmp_path / "broken.yaml"
    broken.write_text(SPEC.replace("treated: Basque Country (Pais Vasco)", "treated: Atlantis"))
    bad = run(["evaluate", "synth", str(broken), "--data", str(BASQUE), "--json"], env)
    assert bad.returncode == 2 and "Atlantis" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_basque_with_placebos_and_robustness(people) -> None:
    data = (BASQUE.name, BASQUE.read_text())
    with people.session() as s:
        run_ = service.evaluate_file(
            session=s,
            actor=actor(s, "fgr.analyst"),
            method="synth",
            spec=("basque.yaml", SPEC),
            data=data,
            placebos=True,
        )
    r = run_.result
    kept = len(r["placebos"]["rmspe_ratio"]) - len(r["placebos"]["excluded"])
    # Basque is not an outlier among Spain's regions by this test (as Abadie et al. 2011 show): p = rank / kept
    assert r["placebo_p_value"] is not None and round(r["placebo_p_value"] * kept) == pytest.approx(
        r["placebo_p_value"] * kept
    )
    assert set(r["robustness"]["leave_one_out"]) >= {"Cataluna"} and r["robustness"]["in_time"]["fake_start"] == "1962"
    from bicentennial.core.i18n import gettext_for
    from bicentennial.evaluation.summary import summarise

    text = " ".join(summarise("synth", r, gettext_for("es")))
    assert "Placebos en el espacio" in text and "dejar fuera" in text
