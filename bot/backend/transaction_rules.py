"""Which transaction states allow a dispute or refund at all."""
from __future__ import annotations

from typing import Optional

from bot.backend.errors import ALREADY_REFUNDED, FAILED, NOT_COMPLETED, PENDING
from bot.backend.models import Transaction

_REFUSALS = {"pending": PENDING, "failed": FAILED, "refunded": ALREADY_REFUNDED}


def status_refusal(transaction: Transaction) -> Optional[str]:
    """The reason code when the status rules the request out; None for completed ones.

    `not_completed` covers any status a later migration might add.
    """
    if transaction.status == "completed":
        return None
    return _REFUSALS.get(transaction.status, NOT_COMPLETED)
