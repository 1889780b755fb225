"""A customer's own transactions. Someone else's transaction is simply NotFound."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.customers import customer_row
from bot.backend.errors import NotFound
from bot.backend.models import Customer, Transaction


@dataclass(frozen=True)
class TransactionView:
    public_id: str
    counterparty: str
    amount: Decimal
    currency: str
    cross_border: bool
    status: str
    created_at: datetime
    completed_at: Optional[datetime]


def recent_transactions(session: Session, customer_id: str, limit: int = 5) -> List[TransactionView]:
    """The customer's newest transactions first."""
    customer = customer_row(session, customer_id)
    rows = session.scalars(
        select(Transaction)
        .where(Transaction.customer_id == customer.id)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        .limit(limit)
    )
    return [transaction_view(row) for row in rows]


def get_transaction(session: Session, customer_id: str, public_id: str) -> TransactionView:
    return transaction_view(owned_transaction(session, customer_row(session, customer_id), public_id))


def owned_transaction(
    session: Session, customer: Customer, public_id: str, for_update: bool = False
) -> Transaction:
    """The customer's transaction row, for the backend's own modules; NotFound otherwise."""
    statement = select(Transaction).where(
        Transaction.public_id == (public_id or "").strip().upper(),
        Transaction.customer_id == customer.id,
    )
    if for_update:
        statement = statement.with_for_update()
    transaction = session.scalars(statement).first()
    if transaction is None:
        raise NotFound(public_id)
    return transaction


def transaction_view(transaction: Transaction) -> TransactionView:
    return TransactionView(
        public_id=transaction.public_id,
        counterparty=transaction.counterparty,
        amount=transaction.amount,
        currency=transaction.currency.strip(),
        cross_border=transaction.cross_border,
        status=transaction.status,
        created_at=transaction.created_at,
        completed_at=transaction.completed_at,
    )
