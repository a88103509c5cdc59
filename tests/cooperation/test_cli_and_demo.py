"""The cooperation CLI end to end, the demo generator, and upgrading a database that has data."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bicentennial.cooperation import demo, vocabulary
from bicentennial.cooperation.models import Request
from tests.core.test_cli import run


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import os

    data = tmp_path_factory.mktemp("coop-cli")
    environment = {**os.environ, "BICENTENNIAL_DATA_DIR": str(data), "COLUMNS": "200"}
    environment.pop("BICENTENNIAL_DATABASE_URL", None)
    assert run(["setup"], environment).returncode == 0
    for name, agency in (("ana", "DEA"), ("beto", "FGR"), ("carla", "SSPC")):
        made = run(
            ["users", "create", "--username", name, "--agency", agency, "--role", "analyst", "--password-stdin"],
            environment,
            stdin="a long enough password\n",
        )
        assert made.returncode == 0, made.stderr
    return environment


def test_requests_and_grants_from_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    created = run(
        [
            "requests",
            "create",
            "--as",
            "ana",
            "--type",
            "agent_visa",
            "--to",
            "SRE",
            "--subject",
            "Visa for a DEA liaison",
            "--send",
        ],
        env,
    )
    assert created.returncode == 0, created.stderr
    rid = created.stdout.strip()
    assert run(["requests", "show", rid, "--as", "carla"], env).returncode == 2  # not visible: clean error
    grant = run(
        ["grants", "create", "--as", "ana", "--record", f"request:{rid}", "--agency", "SSPC", "--until", "2026-12-31"],
        env,
    )
    if grant.returncode != 0:  # the date may be in the past on a machine with a later clock
        grant = run(["grants", "create", "--as", "ana", "--record", f"request:{rid}", "--agency", "SSPC"], env)
    assert grant.returncode == 0, grant.stderr
    shown = json.loads(run(["requests", "show", rid, "--as", "carla"], env).stdout)
    assert shown["status"] == "sent" and shown["allowed_moves"] == []
    listed = json.loads(run(["grants", "list", "--as", "ana", "--json"], env).stdout)
    assert listed[0]["agency"] == "SSPC"
    assert run(["grants", "revoke", grant.stdout.strip(), "--as", "ana"], env).returncode == 0
    assert run(["requests", "show", rid, "--as", "carla"], env).returncode == 2
    refused = run(["requests", "transition", rid, "fulfilled", "--as", "ana"], env)
    assert refused.returncode == 2 and "cannot go from sent to fulfilled" in refused.stderr

    assert run(["requests", "demo", "--count", "50", "--seed", "2"], env).returncode == 0
    table = json.loads(run(["requests", "delays", "--as", "ana", "--json"], env).stdout)
    assert {row["group"] for row in table} >= {"agent_visa"}
    csv = run(["requests", "delays", "--as", "ana", "--table", "cohorts", "--csv"], env).stdout
    assert csv.startswith("month,sent,")
    listed = json.loads(run(["requests", "list", "--as", "ana", "--json", "--limit", "5"], env).stdout)
    assert len(listed) == 5

    out = tmp_path / "digests"
    digest = run(["digest", "--out", str(out), "--json"], env)
    assert digest.returncode == 0 and json.loads(digest.stdout)["digests"] >= 1
    assert list(out.glob("digest-*.txt"))

    export = tmp_path / "dea.jsonl"
    assert run(["audit", "export", "--agency", "DEA", "-o", str(export)], env).returncode == 0
    assert run(["audit", "verify", str(export)], env).returncode == 0
    lines = export.read_text().splitlines()
    full = next(i for i, line in enumerate(lines) if '"redacted"' not in line and i > 0)
    lines[full] = lines[full].replace('"ana"', '"mallory"', 1)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    checked = run(["audit", "verify", str(tampered)], env)
    assert checked.returncode == 1 and f"line {full + 1}" in checked.stdout


def test_demo_walks_only_legal_moves_and_is_marked(session) -> None:
    made = demo.generate(session=session, count=120, seed=11)
    assert made == 120
    rows = list(session.scalars(select(Request).where(Request.synthetic.is_(True))))
    assert len(rows) >= 120
    legal = vocabulary.transitions()
    for r in rows:
        steps = [h.to_status for h in r.history]
        assert steps[0] == "draft" and all(pair in legal for pair in itertools.pairwise(steps))
        assert r.status == steps[-1]
        if r.closed_at:
            assert r.sent_at <= r.closed_at and r.hold_started_at is None
    assert {r.status for r in rows} >= {"fulfilled", "in_progress"}


def test_upgrade_from_first_revision_keeps_data_and_chain(tmp_path: Path) -> None:
    """Rows written by revision 0001 (agencies, a hashed audit entry) survive the upgrade intact."""
    from bicentennial.access import service as access
    from bicentennial.audit import chain
    from bicentennial.audit import service as audit
    from bicentennial.core.db import Database
    from bicentennial.core.migrate import upgrade

    old = Database.from_url(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(old.engine, "0001")
    entry = {
        "seq": 1,
        "ts": "2026-01-01T00:00:00+00:00",
        "kind": "auth.sign_out",
        "actor": "before-upgrade",
        "agency": None,
        "target": None,
        "data": {},
        "prev_hash": chain.GENESIS,
    }
    with old.engine.begin() as conn:  # rows as revision 0001 stored them
        conn.exec_driver_sql("INSERT INTO countries VALUES ('MX', 'Mexico', 'México')")
        conn.exec_driver_sql(
            "INSERT INTO agencies (code, name_en, name_es, country, created_at) "
            "VALUES ('UIF', 'FIU', 'UIF', 'MX', '2026-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO audit_log (seq, ts, kind, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                1,
                "2026-01-01 00:00:00.000000",
                "auth.sign_out",
                "before-upgrade",
                "{}",
                chain.GENESIS,
                chain.entry_hash(entry),
            ),
        )
    upgrade(old.engine)
    with old.session() as s:
        assert access.get_agency(session=s, code="UIF").law_enforcement is False
        assert audit.verify_database(s).ok
