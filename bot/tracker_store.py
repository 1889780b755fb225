"""Where the Rasa server keeps conversations: an SQL tracker store built from a URL.

Rasa's SQLTrackerStore wants dialect/host/db/... pieces in endpoints.yml and
cannot say "the backend's database unless told otherwise", so this subclass
builds its engine from a URL instead:

* KDPAY_TRACKER_DATABASE_URL, if set (any SQLAlchemy URL; PostgreSQL in
  production);
* otherwise derived from the backend's database (KDPAY_DATABASE_URL, default
  sqlite var/kdpay.db): the same PostgreSQL database, or, for SQLite, a file
  of its own next to the backend's (kdpay.db -> kdpay.tracker.db). A SQLite
  file has one writer at a time; the action server's BEGIN IMMEDIATE
  transactions and the Rasa server's event inserts then queue behind each
  other, so they get a file each (numbers in README, "Running in production").

SQLite runs in WAL mode (readers never wait for the writer) with a busy
timeout, so concurrent conversations wait for the write lock instead of
failing with "database is locked", and synchronous=NORMAL (see _sqlite_wal).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

from bot.backend.db import SQLITE_BUSY_TIMEOUT_SECONDS, database_url

logger = logging.getLogger(__name__)

TRACKER_DATABASE_URL_ENV = "KDPAY_TRACKER_DATABASE_URL"
# Each Rasa server runs the store's queries one at a time on its event loop:
# a few connections are plenty (Rasa's defaults, 50 + 100, would exhaust
# PostgreSQL's max_connections with a handful of servers).
POOL_SIZE = 5
MAX_OVERFLOW = 5


def tracker_database_url() -> str:
    """KDPAY_TRACKER_DATABASE_URL, else the backend's database (SQLite: a sibling file)."""
    configured = os.environ.get(TRACKER_DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    backend = make_url(database_url())
    if backend.get_backend_name() != "sqlite" or not backend.database or backend.database == ":memory:":
        return backend.render_as_string(hide_password=False)
    path = Path(backend.database)
    return str(backend.set(database=str(path.with_name(f"{path.stem}.tracker{path.suffix or '.db'}"))))


def make_tracker_engine(url: str) -> Engine:
    """An engine for the tracker store; on SQLite in WAL mode with a busy timeout."""
    if make_url(url).get_backend_name() != "sqlite":
        kwargs: Dict[str, Any] = {**create_engine_kwargs(url), "pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
        return sa.create_engine(url, pool_pre_ping=True, **kwargs)
    # SQLAlchemy 1.4 opens and closes a file database's connection per session
    # (NullPool); closing the last one checkpoints the WAL. Keep them open.
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        poolclass=sa.pool.QueuePool, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW,
    )
    sa.event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL survives any process crash (SIGKILL included); only
    # an OS crash or power cut may lose the last turns. FULL fsyncs every
    # commit: several times slower per message (bot/benchmark/tracker_store_cost.py).
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


class KDPayTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the database named by our environment variables.

    endpoints.yml: `tracker_store: {type: bot.tracker_store.KDPayTrackerStore}`.
    An `url` there (Rasa passes it as `host`) overrides the environment.
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = host if host and "://" in host else tracker_database_url()
        self.engine = make_tracker_engine(url)
        # Several servers may start together: create_all checks first, and a
        # lost race ("already exists") is harmless.
        try:
            self.Base.metadata.create_all(self.engine)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError) as error:
            logger.info("Tracker tables were being created by another process: %s", type(error).__name__)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        logger.info("Conversations are stored in %s", make_url(url).render_as_string(hide_password=True))
        # Skip SQLTrackerStore.__init__ (it would build its own engine from pieces).
        super(SQLTrackerStore, self).__init__(domain, event_broker, **kwargs)
