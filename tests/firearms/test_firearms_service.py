"""Traces in the platform: all-or-nothing imports, the access rules, audited reads, every interface."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bicentennial.access import credentials, grants
from bicentennial.access import service as access
from bicentennial.audit import service as audit
from bicentennial.core.db import utcnow
from bicentennial.firearms import service
from bicentennial.firearms.models import Trace
from tests.conftest import make_user
from tests.core.test_cli import run
from tests.web.web_helpers import csrf_from, sign_in

DATA = Path(__file__).resolve().parents[1] / "data" / "firearms"


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    for name, agency, role in (
        ("fgr.analyst", "FGR", "analyst"),
        ("atf.analyst", "ATF", "analyst"),
        ("sspc.viewer", "SSPC", "viewer"),
        ("fgr.viewer", "FGR", "viewer"),
    ):
        make_user(db, name, agency, role)
    return db


def actor(session, name: str):  # type: ignore[no-untyped-def]
    return access.get_user(session=session, username=name)


def test_bad_rows_write_nothing_unless_partial(people) -> None:
    with people.session() as s:
        report = service.import_file(session=s, actor=actor(s, "fgr.analyst"), path=DATA / "traces_bad.csv")
        assert not report.written and report.imported == 0 and {e["line"] for e in report.errors} >= {3, 4, 5}
        assert s.scalar(select(func.count()).select_from(Trace)) == 0
        partial = service.import_file(
            session=s, actor=actor(s, "fgr.analyst"), path=DATA / "traces_bad.csv", partial=True
        )
        assert partial.written and partial.imported >= 1
        again = service.import_file(
            session=s, actor=actor(s, "fgr.analyst"), path=DATA / "traces_bad.csv", partial=True
        )
        assert again.duplicate_file


def test_traces_follow_the_access_rules_and_reads_are_audited(people) -> None:
    with people.session() as s:
        report = service.import_file(session=s, actor=actor(s, "fgr.analyst"), path=DATA / "traces_en.csv")
        assert report.written and report.imported >= 2
    with people.session() as s:
        total, rows = service.list_traces(session=s, actor=actor(s, "fgr.viewer"))
        assert total == report.imported
        assert service.list_traces(session=s, actor=actor(s, "atf.analyst"))[0] == 0
        assert service.visible_rows(session=s, actor=actor(s, "atf.analyst"), purpose="indicators") == []
        first = rows[0].id
        grants.create_grant(
            session=s,
            actor=actor(s, "fgr.analyst"),
            ref=f"trace:{first}",
            terms=grants.GrantTerms("ATF", utcnow() + timedelta(days=5)),
        )
    with people.session() as s:
        assert [t.id for t in service.list_traces(session=s, actor=actor(s, "atf.analyst"))[1]] == [first]
        assert len(service.visible_rows(session=s, actor=actor(s, "atf.analyst"), purpose="networks")) == 1
        with pytest.raises(Exception, match="No trace"):
            service.get_trace(session=s, actor=actor(s, "sspc.viewer"), trace_id=first)
        with pytest.raises(Exception, match="not allowed"):
            service.import_file(session=s, actor=actor(s, "fgr.viewer"), path=DATA / "traces_en.csv")
    with people.session() as s:
        kinds = [(e.kind, e.actor, e.owner) for e in audit.recent(s, limit=10)]
    assert ("record.read", "atf.analyst", "FGR") in kinds and ("records.analysed", "atf.analyst", "FGR") in kinds


def test_demo_rings_are_the_top_networks(people) -> None:
    from bicentennial.firearms.networks import find_networks

    with people.session() as s:
        assert service.load_demo(session=s, owner=access.get_agency(session=s, code="FGR"), count=4000, seed=3) == 4000
        assert service.load_demo(session=s, owner=access.get_agency(session=s, code="FGR"), count=10) == 0
        rows = service.visible_rows(session=s, actor=actor(s, "fgr.analyst"), purpose="networks")
        found = find_networks(rows)
    assert len(rows) == 4000 and found[0].score > found[-1].score and len(found[0].purchasers) >= 1


def test_api_pages_and_interfaces(people, client) -> None:
    with people.session() as s:
        service.load_demo(session=s, owner=access.get_agency(session=s, code="FGR"), count=3000, seed=5)
        token = credentials.create_token(session=s, username="fgr.analyst")[1]
    auth = {"Authorization": f"Bearer {token}"}
    ind = client.get("/api/v1/firearms/indicators", headers=auth).json()
    assert {
        "traced",
        "us_sourced_share",
        "time_to_crime_median_days",
        "time_to_crime_under_3y_share",
        "top_source_states",
        "multi_gun_purchasers",
    } <= set(ind)
    assert ind["top_source_states"][0]["state"] == "TX" and 0.6 < ind["us_sourced_share"] < 0.8
    nets = client.get("/api/v1/firearms/networks", params={"limit": 3}, headers=auth).json()
    assert len(nets) == 3 and nets[0]["evidence"]
    listed = client.get("/api/v1/firearms/traces", params={"limit": 5}, headers=auth).json()
    one = client.get(f"/api/v1/firearms/traces/{listed['items'][0]['id']}", headers=auth).json()
    assert one["history"] and one["synthetic"] is True
    sign_in(client, "fgr.analyst")
    for path in (
        "/firearms",
        "/firearms/traces",
        f"/firearms/traces/{one['id']}",
        "/firearms/networks",
        "/firearms/imports",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
    overview = client.get("/firearms").text
    assert "Synthetic" in overview and "mx:" in overview.split("Municipalities where most guns were recovered")[1]
    form = client.get("/firearms/imports")
    bad = client.post(
        "/firearms/imports",
        data={"csrf_token": csrf_from(form.text)},
        files={"file": ("traces_bad.csv", (DATA / "traces_bad.csv").read_bytes(), "text/csv")},
    )
    assert bad.status_code == 422 and "nothing was written" in bad.text


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {**os.environ, "BICENTENNIAL_DATA_DIR": str(tmp_path_factory.mktemp("firearms-cli")), "COLUMNS": "200"}
    env.pop("BICENTENNIAL_DATABASE_URL", None)
    assert run(["setup"], env).returncode == 0
    made = run(
        ["users", "create", "--username", "ana", "--agency", "FGR", "--role", "analyst", "--password-stdin"],
        env,
        stdin="a long enough password\n",
    )
    assert made.returncode == 0
    return env


def test_cli(cli_env: dict[str, str]) -> None:
    bad = run(["firearms", "import", str(DATA / "traces_bad.csv"), "--as", "ana", "--json"], cli_env)
    assert bad.returncode == 2 and json.loads(bad.stdout)["written"] is False
    good = run(["firearms", "import", str(DATA / "traces_en.csv"), "--as", "ana", "--json"], cli_env)
    assert good.returncode == 0 and json.loads(good.stdout)["imported"] >= 2
    ind = json.loads(run(["firearms", "indicators", "--as", "ana", "--json"], cli_env).stdout)
    assert ind["total"] == json.loads(good.stdout)["imported"]  # the demo traces belong to SSPC, not to FGR
    admin = json.loads(run(["firearms", "indicators", "--as", "admin", "--json"], cli_env).stdout)
    assert admin["total"] == 5000 and {"state", "share"} <= set(admin["top_source_states"][0])
    nets = json.loads(run(["firearms", "networks", "--as", "admin", "--json", "--limit", "2"], cli_env).stdout)
    assert len(nets) == 2


def test_row_fields_follow_the_dataclass_order() -> None:
    from dataclasses import fields

    from bicentennial.firearms.rows import TraceRow

    assert tuple(f.name for f in fields(TraceRow))[1 : 1 + len(service.FIELDS)] == service.FIELDS
