"""The actions' connection to the KDPay backend (bot/backend)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from typing import Iterator

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.backend.db import database_url, make_engine, session_scope

# Raised when the database cannot be reached or fails: the bot apologises.
BackendUnavailable = SQLAlchemyError


@lru_cache(maxsize=1)
def engine() -> Engine:
    return make_engine(database_url())


@contextmanager
def backend() -> Iterator[Session]:
    """One database transaction: everything an action writes, or nothing."""
    with session_scope(engine()) as session:
        yield session


def now() -> datetime:
    return datetime.now(timezone.utc)
