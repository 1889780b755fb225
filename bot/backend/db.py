"""Where the data lives, how to connect, and how to bring the schema up to date.

SQLite (the default, under var/) serialises writers with BEGIN IMMEDIATE so
concurrent requests wait for each other instead of failing; PostgreSQL
(set KDPAY_DATABASE_URL) relies on the unique constraints and savepoints.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, List, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session

from bot.backend.config import backend_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def database_url() -> str:
    """KDPAY_DATABASE_URL, else a SQLite file in the project's git-ignored var/."""
    configured = backend_settings().database_url
    if configured:
        return configured
    var = PROJECT_DIR / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite:///{var / 'kdpay.db'}"


def make_engine(url: str) -> Engine:
    """A 2.0-style engine; on SQLite with foreign keys on and usable from any thread."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        # A server that drops packets must not hold an action server worker for minutes.
        return create_engine(url, future=True, pool_pre_ping=True,
                             connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS})
    if backend != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    engine = create_engine(
        url,
        future=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
    )
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN, so SAVEPOINTs work as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # Take the write lock up front: a deferred transaction that reads first
    # and writes later fails with "database is locked" under concurrency.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The engine for KDPAY_DATABASE_URL, one per process (actions and channels share it)."""
    return make_engine(database_url())


@contextmanager
def transaction() -> Iterator[Session]:
    """One database transaction on the default engine: all of a request's writes, or none."""
    with session_scope(default_engine()) as session:
        yield session


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One database transaction: committed when the block ends, rolled back on error."""
    with Session(engine, future=True, expire_on_commit=False) as session:
        with session.begin():
            yield session


def alembic_config(connection: Optional[Connection] = None) -> Config:
    """Alembic's configuration, built in code (no alembic.ini at the repository root)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema (alembic upgrade head)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.backend.db", description=__doc__)
    parser.add_argument("command", choices=["upgrade"], help="upgrade: migrate to the newest schema")
    parser.add_argument("--url", default=None, help="database URL (default: KDPAY_DATABASE_URL or var/kdpay.db)")
    arguments = parser.parse_args(argv)
    url = arguments.url or database_url()
    migrate(url)
    print(f"Database is up to date: {make_url(url).render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
