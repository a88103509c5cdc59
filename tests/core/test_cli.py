"""The CLI as an operator uses it: real processes, real exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bicentennial", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli")
    environment = {**os.environ, "BICENTENNIAL_DATA_DIR": str(data), "COLUMNS": "200"}
    environment.pop("BICENTENNIAL_DATABASE_URL", None)
    return environment


@pytest.fixture(scope="module")
def installed(env: dict[str, str]) -> dict[str, str]:
    first = run(["setup"], env)
    assert first.returncode == 0, first.stderr
    assert "First administrator created" in first.stderr and "Password" in first.stderr
    again = run(["setup"], env)
    assert again.returncode == 0 and "First administrator" not in again.stderr
    return env


def test_version_and_help(env: dict[str, str]) -> None:
    assert run(["--version"], env).stdout.startswith("bicentennial ")
    for command in ([], ["users"], ["tokens"], ["audit"], ["db"], ["serve"]):
        result = run([*command, "--help"], env)
        assert result.returncode == 0 and "Usage" in result.stdout


def test_missing_migration_is_one_clear_line(tmp_path: Path, env: dict[str, str]) -> None:
    result = run(["users", "list"], {**env, "BICENTENNIAL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "bicentennial db upgrade" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "Invalid BICENTENNIAL_DATABASE_URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "Cannot reach the database"),
        ("mysql+nosuchdriver://x@y/z", "Invalid BICENTENNIAL_DATABASE_URL"),
    ],
)
def test_bad_database_url(url: str, expected: str, env: dict[str, str]) -> None:
    result = run(["db", "upgrade"], {**env, "BICENTENNIAL_DATABASE_URL": url})
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_without_secret_is_refused(env: dict[str, str]) -> None:
    result = run(["users", "list"], {**env, "BICENTENNIAL_ENVIRONMENT": "production"})
    assert result.returncode == 2 and "BICENTENNIAL_SECRET_KEY" in result.stderr


def test_port_in_use_is_one_clear_line(installed: dict[str, str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(["serve", "--port", str(port)], installed)
    assert result.returncode == 2 and f"127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_users_tokens_and_audit_round_trip(installed: dict[str, str], tmp_path: Path) -> None:
    env = installed
    created = run(
        ["users", "create", "--username", "ana", "--agency", "FGR", "--role", "analyst", "--password-stdin"],
        env,
        stdin="a good long password\n",
    )
    assert created.returncode == 0, created.stderr
    duplicate = run(
        ["users", "create", "--username", "ana", "--agency", "FGR", "--password-stdin"], env, stdin="x" * 20
    )
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    listed = json.loads(run(["users", "list", "--json"], env).stdout)
    assert {"ana", "admin"} <= {u["username"] for u in listed}

    token = run(["tokens", "create", "--username", "ana"], env).stdout.strip()
    assert token.startswith("bct_") and "\n" not in token
    tokens = json.loads(run(["tokens", "list", "--json"], env).stdout)
    assert tokens[-1]["prefix"] == token[:12]
    assert run(["tokens", "revoke", str(tokens[-1]["id"])], env).returncode == 0
    assert run(["users", "disable", "ana"], env).returncode == 0

    assert run(["audit", "verify"], env).returncode == 0
    export = tmp_path / "audit.jsonl"
    assert run(["audit", "export", "-o", str(export)], env).returncode == 0
    good = run(["audit", "verify", str(export)], env)
    assert good.returncode == 0 and good.stdout.startswith("OK")

    lines = export.read_text().splitlines()
    tampered = tmp_path / "tampered.jsonl"
    forged = json.dumps({**json.loads(lines[3]), "actor": "mallory"})
    tampered.write_text("\n".join([*lines[:3], forged, *lines[4:]]) + "\n")
    bad = run(["audit", "verify", str(tampered)], env)
    assert bad.returncode == 1 and "line 4" in bad.stdout
    reordered = tmp_path / "reordered.jsonl"
    reordered.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")
    assert "line 2" in run(["audit", "verify", str(reordered)], env).stdout


def test_seed_is_idempotent(installed: dict[str, str]) -> None:
    result = run(["seed", "--json"], installed)
    assert json.loads(result.stdout) == {"agencies_added": 0, "areas_added": 0, "observations_added": 0}


def test_cli_honours_the_database_url_on_each_backend(env: dict[str, str], migrated) -> None:
    """The same commands against the test database of each backend (PostgreSQL when configured)."""
    from bicentennial.core.migrate import head_revision

    url = migrated.engine.url.render_as_string(hide_password=False)
    result = run(["db", "current"], {**env, "BICENTENNIAL_DATABASE_URL": url})
    assert result.returncode == 0 and f"database: {head_revision()}" in result.stdout
    listed = run(["users", "list", "--json"], {**env, "BICENTENNIAL_DATABASE_URL": url})
    assert listed.returncode == 0 and isinstance(json.loads(listed.stdout), list)
