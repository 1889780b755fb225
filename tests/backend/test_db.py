import os
import subprocess
import sys
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.backend.db import PROJECT_DIR, database_url, make_engine, migrate, session_scope
from bot.backend.models import Customer, Transaction, metadata

from .helpers import NOW


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)


def test_migrations_build_exactly_the_models_schema(engine):
    assert schema_differences(engine) == []


def test_upgrade_head_on_an_empty_database_and_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(url)
    migrate(url)  # already at head: nothing to do
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == {table.name for table in metadata.sorted_tables} | {"alembic_version"}
    assert schema_differences(engine) == []
    engine.dispose()


def test_the_upgrade_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run([sys.executable, "-m", "bot.backend.db", "upgrade", "--url", url], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=60, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout and (tmp_path / "cli.db").exists()


def test_the_database_url_comes_from_the_environment_or_var(monkeypatch):
    assert database_url() == f"sqlite:///{PROJECT_DIR / 'var' / 'kdpay.db'}"
    monkeypatch.setenv("KDPAY_DATABASE_URL", "postgresql://kdpay@db/kdpay")
    assert database_url() == "postgresql://kdpay@db/kdpay"


def test_a_session_scope_commits_or_rolls_back(engine):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            session.add(Customer(public_id="C-1", name="A", email="a@example.com", phone="+1", created_at=NOW))
            session.flush()
            raise RuntimeError
    with session_scope(engine) as session:
        assert session.scalars(select(Customer)).all() == []
        session.add(Customer(public_id="C-1", name="A", email="a@example.com", phone="+1", created_at=NOW))
    with session_scope(engine) as session:
        assert session.scalars(select(Customer.public_id)).all() == ["C-1"]


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(Transaction(public_id="T1", customer_id=999, counterparty="x", amount=1, currency="CNY",
                                    status="completed", created_at=NOW))


def test_naive_datetimes_are_refused(engine):
    with pytest.raises(StatementError):
        with session_scope(engine) as session:
            session.add(Customer(public_id="C-1", name="A", email="a@example.com", phone="+1",
                                 created_at=datetime(2026, 1, 1)))
