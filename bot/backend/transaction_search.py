"""Finding a customer's transaction from how they describe it ("the ¥100 one", "yesterday's").

Customers often know the amount or the day rather than the transaction id.
The answer is either the matching transactions or why there can be none:
a day in the future, or a currency none of their transactions used.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.customers import customer_row
from bot.backend.models import Transaction
from bot.backend.transactions import TransactionView, transaction_view

FUTURE_DATE = "future_date"
UNUSED_CURRENCY = "unused_currency"
NO_MATCH = "no_match"
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Search:
    matches: List[TransactionView] = field(default_factory=list)
    problem: Optional[str] = None


def find_transactions(
    session: Session, customer_id: str, now: datetime,
    amount: Optional[Decimal] = None, currency: Optional[str] = None, day: Optional[date] = None,
) -> Search:
    """The customer's recent transactions with this amount/currency/day (any of them given)."""
    if day is not None and day > now.date():
        return Search(problem=FUTURE_DATE)
    customer = customer_row(session, customer_id)
    rows = [
        transaction_view(row)
        for row in session.scalars(
            select(Transaction)
            .where(Transaction.customer_id == customer.id)
            .order_by(Transaction.created_at.desc())
            .limit(SEARCH_LIMIT)
        )
    ]
    if currency is not None and all(t.currency != currency for t in rows):
        return Search(problem=UNUSED_CURRENCY)
    matches = [
        t for t in rows
        if (amount is None or t.amount == amount)
        and (currency is None or t.currency == currency)
        and (day is None or t.created_at.date() == day)
    ]
    return Search(matches=matches) if matches else Search(problem=NO_MATCH)
