"""The actions' connection to the KDPay backend (bot/backend)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.exc import SQLAlchemyError

from bot.backend.db import transaction as backend

# Raised when the database cannot be reached or fails: the bot apologises.
BackendUnavailable = SQLAlchemyError

__all__ = ["BackendUnavailable", "backend", "now"]


def now() -> datetime:
    return datetime.now(timezone.utc)
