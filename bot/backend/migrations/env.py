"""Alembic environment: migrates the connection handed over by bot.backend.db.migrate.

Run without one (e.g. `alembic` pointed at this directory), it migrates
KDPAY_DATABASE_URL or the default SQLite file.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.backend.db import database_url, make_engine
from bot.backend.models import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.begin() as own_connection:
            run_migrations(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: connect to a database.")
run_migrations_online()
