"""Backend test fixtures: a migrated database on SQLite and, when reachable, PostgreSQL.

Each backend is migrated once per run; every test starts from empty tables
(ids restart at 1, so ticket numbers are predictable).
"""
from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session

from bot.backend.db import make_engine, migrate, session_scope
from bot.backend.demo_data import seed
from bot.backend.models import metadata

from .helpers import NOW

POSTGRES_ADMIN_URL = os.environ.get("KDPAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def backend_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A known pepper and no operator overrides leaking in from the shell."""
    monkeypatch.setenv("KDPAY_SECRET_PEPPER", "test-pepper")
    for name in ("KDPAY_REFUND_WINDOW_DAYS", "KDPAY_WEB_BASE_URL", "KDPAY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kdpay.db'}"
        migrate(url)
        yield url
        return
    yield from _temporary_postgres_database()


def _temporary_postgres_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"kdpay_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure to reach or use the server means: skip
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def shared_engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(shared_engine: Engine) -> Engine:
    """The migrated database, emptied."""
    tables = list(reversed(metadata.sorted_tables))
    with shared_engine.begin() as connection:
        if shared_engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
    return shared_engine


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The demo customers and transactions, seeded at NOW."""
    with session_scope(engine) as session:
        seed(session, NOW)
    return engine


@pytest.fixture
def session(seeded: Engine) -> Iterator[Session]:
    """One transaction on the seeded database, committed at the end of the test."""
    with session_scope(seeded) as db_session:
        yield db_session
