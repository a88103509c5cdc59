"""Storage: migrations from empty on each backend, schema checks, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from bicentennial.core.config import Settings
from bicentennial.core.db import Database, check_connection, make_engine
from bicentennial.core.errors import ConfigError, DatabaseUnavailable, SchemaOutOfDate
from bicentennial.core.migrate import current_revision, ensure_current, head_revision, upgrade


def test_migrated_schema_is_current(migrated: Database) -> None:
    assert current_revision(migrated.engine) == head_revision()
    ensure_current(migrated.engine)
    tables = set(inspect(migrated.engine).get_table_names())
    assert {"users", "agencies", "audit_log", "areas", "api_tokens", "web_sessions"} <= tables


def test_empty_database_is_refused_then_migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(SchemaOutOfDate, match="db upgrade"):
        ensure_current(engine)
    upgrade(engine)
    ensure_current(engine)


def test_bad_urls_give_clear_errors() -> None:
    with pytest.raises(ConfigError, match="BICENTENNIAL_DATABASE_URL"):
        make_engine("::nonsense::")
    with pytest.raises(DatabaseUnavailable, match="Cannot reach"):
        check_connection(make_engine("postgresql+psycopg://u:secret@127.0.0.1:1/x"))


def test_password_not_echoed_in_errors() -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        check_connection(make_engine("postgresql+psycopg://u:hunter2hunter2@127.0.0.1:1/x"))
    assert "hunter2" not in caught.value.message


def test_settings_defaults_and_validation(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)  # type: ignore[call-arg]
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'bicentennial.sqlite3'}"
    key = s.signing_key()
    assert len(key) >= 48 and s.signing_key() == key  # generated once, kept
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production", data_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="32"):
        Settings(secret_key="short", data_dir=tmp_path)  # type: ignore[arg-type]
