"""The actions' connection to the KDPay backend (bot/backend), and its one failure mode.

Every action reaches the database through `backend()`. When the database is
unreachable or fails (SQLAlchemy's OperationalError, DBAPIError or any other
SQLAlchemyError), `backend()` logs it once, without the URL or any customer
data, and raises `BackendUnavailable`: the actions catch that one exception
and answer "our systems are unavailable, nothing was changed, try later or
talk to an agent", while FAQ answers (no database) keep working. The
transaction is rolled back, so nothing is half-written.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.backend.db import transaction

logger = logging.getLogger(__name__)

__all__ = ["BackendUnavailable", "backend", "now"]


class BackendUnavailable(SQLAlchemyError):
    """The backend's database could not do the request; nothing was changed."""


@contextmanager
def backend() -> Iterator[Session]:
    """One backend transaction; database failures become BackendUnavailable."""
    try:
        with transaction() as session:
            yield session
    except BackendUnavailable:
        raise
    except SQLAlchemyError as error:
        # DBAPIError covers the driver's errors (connection refused, file unreadable,
        # server gone away); its str() may hold SQL and values, so only names are logged.
        driver = type(error.orig).__name__ if isinstance(error, DBAPIError) and error.orig is not None else "-"
        logger.error("The backend database is unavailable (%s, driver: %s): the customer is told.",
                     type(error).__name__, driver)
        raise BackendUnavailable(type(error).__name__) from error


def now() -> datetime:
    return datetime.now(timezone.utc)
