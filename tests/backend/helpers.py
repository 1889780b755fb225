"""Constants and small helpers shared by the backend tests."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Callable, List, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.backend.db import session_scope
from bot.backend.outbox import messages_for

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
TOKEN_SECRET = "test-customer-token-secret-32-bytes-long!"
LIN, ALEX, WANG = "C-1001", "C-1002", "C-1003"
LIN_EMAIL, LIN_PHONE, ALEX_EMAIL = "lin@example.com", "+8613800138000", "alex@example.com"

T = TypeVar("T")


def newest_code(session: Session, recipient: str) -> str:
    """The six-digit code in the newest message to `recipient`."""
    body = messages_for(session, recipient)[-1].body
    return re.search(r"(?<!\d)\d{6}(?!\d)", body).group(0)


def count_rows(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def run_concurrently(engine: Engine, workers: int, action: Callable[[Session], T]) -> List[object]:
    """Start `action` in `workers` threads at once, each in its own session and transaction.

    Returns each thread's result, or the exception it raised.
    """
    barrier = threading.Barrier(workers)

    def work() -> object:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                return action(session)
        except Exception as error:  # reported to the test, not swallowed
            return error

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(work) for _ in range(workers)]
        return [future.result(timeout=60) for future in futures]
