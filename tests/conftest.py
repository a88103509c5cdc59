"""Shared fixtures: migrated databases (SQLite always, PostgreSQL when configured),
a per-test transaction rolled back at the end, and a web client."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bicentennial.access import service as access
from bicentennial.bootstrap import seed_reference_data
from bicentennial.core import security
from bicentennial.core.config import Settings
from bicentennial.core.db import Database, make_engine
from bicentennial.core.migrate import upgrade

# Tests hash hundreds of passwords; a cheap argon2 profile keeps them fast. The product keeps
# the library's RFC 9106 profile; CLI tests run in subprocesses and use it.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_URL = os.environ.get("BICENTENNIAL_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)] if PG_URL else ["sqlite"]
PASSWORD = "correct horse battery"
SHARED = Path(os.environ.get("BICENTENNIAL_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")) / "data"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str | None]:
    """A fresh PostgreSQL schema for this test run, dropped at the end."""
    if not PG_URL:
        yield None
        return
    schema = f"bct_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def backend_url(backend: str, tmp: Path, pg: str | None) -> str:
    return f"sqlite:///{tmp / 'test.sqlite3'}" if backend == "sqlite" else str(pg)


@pytest.fixture(scope="session", params=BACKENDS)
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_schema_url: str | None
) -> Iterator[Database]:
    """Migrated and seeded once per backend per test run."""
    url = backend_url(request.param, tmp_path_factory.mktemp(request.param), pg_schema_url)
    database = Database.from_url(url)
    upgrade(database.engine)
    with database.session() as session:
        seed_reference_data(session=session)
    yield database
    database.engine.dispose()


@pytest.fixture
def db(migrated: Database) -> Iterator[Database]:
    """A Database whose every session joins one outer transaction, rolled back after the test."""
    connection = migrated.engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield Database(migrated.engine, factory)
    outer.rollback()
    connection.close()


@pytest.fixture
def session(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as s:
        yield s


def make_user(db: Database, username: str, agency: str, role: str) -> None:
    with db.session() as s:
        access.create_user(session=s, spec=access.NewUser(username, agency, role), password=PASSWORD, actor=None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="x" * 40)  # type: ignore[arg-type]


@pytest.fixture
def client(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bicentennial.web.app import create_app

    with TestClient(create_app(settings, db), base_url="http://testserver") as c:
        yield c
