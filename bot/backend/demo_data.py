"""Demo customers and transactions, so every bot path can be tried by hand.

Ids are fixed (the same on every run and machine); times are relative to
the moment of seeding, so "refundable" stays refundable for a fresh demo.
Seeding is idempotent: rows that exist are left exactly as they are.
`python -m bot.backend.demo_data` migrates and seeds the default database.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.db import database_url, make_engine, migrate, session_scope
from bot.backend.models import ACTIVE_TICKET_STATUSES, Customer, Dispute, Refund, Transaction
from bot.backend.tickets import DISPUTE, TicketModel, ticket_number_for

DAY = timedelta(days=1)


@dataclass(frozen=True)
class DemoTicket:
    kind: str
    reason: str
    status: str
    description: str


@dataclass(frozen=True)
class DemoTransaction:
    public_id: str
    counterparty: str
    amount: Decimal
    currency: str
    cross_border: bool
    status: str
    age: timedelta  # created this long before seeding
    demonstrates: str
    ticket: Optional[DemoTicket] = None


@dataclass(frozen=True)
class DemoCustomer:
    public_id: str
    name: str
    email: str
    phone: str
    language: str
    two_step_enabled: bool
    transactions: Tuple[DemoTransaction, ...]


def _txn(public_id: str, counterparty: str, amount: str, currency: str, status: str, age: timedelta,
         demonstrates: str, cross_border: bool = False, ticket: Optional[DemoTicket] = None) -> DemoTransaction:
    return DemoTransaction(public_id, counterparty, Decimal(amount), currency, cross_border, status, age,
                           demonstrates, ticket)


DEMO_CUSTOMERS: Tuple[DemoCustomer, ...] = (
    DemoCustomer("C-1001", "林小雨", "lin@example.com", "+8613800138000", "zh", False, (
        _txn("T20261102-0001", "美团外卖", "268.00", "CNY", "completed", 3 * DAY,
             "recent domestic payment: refund and dispute both possible"),
        _txn("T20260903-0002", "京东商城", "1299.00", "CNY", "completed", 60 * DAY,
             "completed 60 days ago: outside the 30-day refund window"),
        _txn("T20261105-0003", "星巴克", "36.00", "CNY", "pending", timedelta(hours=2),
             "pending: no refund or dispute yet"),
        _txn("T20261028-0004", "Amazon US", "120.00", "USD", "completed", 8 * DAY,
             "cross-border payment, refundable", cross_border=True),
        _txn("T20261101-0005", "滴滴出行", "45.50", "CNY", "failed", 4 * DAY,
             "failed: nothing was charged, nothing to refund"),
    )),
    DemoCustomer("C-1002", "Alex Chen", "alex@example.com", "+14155550100", "en", True, (
        _txn("T20261103-0101", "Blue Bottle Coffee", "18.50", "USD", "completed", 2 * DAY,
             "recent payment: refund and dispute both possible"),
        _txn("T20261020-0102", "Uniqlo", "89.90", "USD", "refunded", 16 * DAY,
             "already refunded (ticket resolved)",
             ticket=DemoTicket("refund", "wrong_amount", "resolved", "Charged for two shirts, bought one.")),
        _txn("T20261030-0103", "淘宝", "356.00", "CNY", "completed", 6 * DAY,
             "cross-border, dispute open: asking again returns it; refunds refused",
             cross_border=True,
             ticket=DemoTicket("dispute", "not_received", "in_review", "Parcel never arrived.")),
        _txn("T20261104-0104", "Apple Store", "999.00", "USD", "pending", timedelta(hours=5),
             "pending: no refund or dispute yet"),
        _txn("T20260815-0105", "Airbnb", "430.00", "USD", "completed", 80 * DAY,
             "completed 80 days ago: outside the refund window"),
    )),
    DemoCustomer("C-1003", "王芳", "wang.fang@example.com", "+8613900139000", "zh", True, (
        _txn("T20261029-0201", "携程旅行", "1580.00", "CNY", "completed", 7 * DAY,
             "recent payment: refund and dispute both possible"),
        _txn("T20261015-0202", "Booking.com", "210.00", "EUR", "completed", 21 * DAY,
             "cross-border, earlier dispute rejected: a new dispute is refused",
             cross_border=True,
             ticket=DemoTicket("dispute", "not_as_described", "rejected", "Room was not as shown.")),
    )),
)


def seed(session: Session, now: datetime) -> None:
    """Add every demo row that is missing; existing rows are left untouched."""
    for demo in DEMO_CUSTOMERS:
        customer = _ensure_customer(session, demo, now)
        for demo_transaction in demo.transactions:
            transaction = _ensure_transaction(session, customer, demo_transaction, now)
            if demo_transaction.ticket is not None:
                _ensure_ticket(session, customer, transaction, demo_transaction.ticket, now)


def _ensure_customer(session: Session, demo: DemoCustomer, now: datetime) -> Customer:
    customer = session.scalars(select(Customer).where(Customer.public_id == demo.public_id)).first()
    if customer is None:
        customer = Customer(
            public_id=demo.public_id, name=demo.name, email=demo.email, phone=demo.phone,
            preferred_language=demo.language, locked=False, two_step_enabled=demo.two_step_enabled,
            created_at=now - 400 * DAY,
        )
        session.add(customer)
        session.flush()
    return customer


def _ensure_transaction(session: Session, customer: Customer, demo: DemoTransaction, now: datetime) -> Transaction:
    transaction = session.scalars(select(Transaction).where(Transaction.public_id == demo.public_id)).first()
    if transaction is None:
        created_at = now - demo.age
        completed = demo.status in ("completed", "refunded")
        transaction = Transaction(
            public_id=demo.public_id, customer_id=customer.id, counterparty=demo.counterparty,
            amount=demo.amount, currency=demo.currency, cross_border=demo.cross_border,
            status=demo.status, created_at=created_at,
            completed_at=created_at + timedelta(minutes=1) if completed else None,
        )
        session.add(transaction)
        session.flush()
    return transaction


def _ensure_ticket(session: Session, customer: Customer, transaction: Transaction, demo: DemoTicket,
                   now: datetime) -> None:
    model: TicketModel = Dispute if demo.kind == DISPUTE else Refund
    exists = session.scalars(select(model.id).where(model.transaction_id == transaction.id)).first()
    if exists is not None:
        return
    opened = transaction.created_at + DAY
    ticket = model(
        customer_id=customer.id, transaction_id=transaction.id, status=demo.status, reason=demo.reason,
        description=demo.description, created_at=opened, updated_at=min(opened + DAY, now),
        active_key=transaction.id if demo.status in ACTIVE_TICKET_STATUSES else None,
    )
    session.add(ticket)
    session.flush()
    ticket.ticket_number = ticket_number_for(model, ticket.id)


def main() -> int:
    url = database_url()
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed(session, datetime.now(timezone.utc))
    engine.dispose()
    for demo in DEMO_CUSTOMERS:
        print(f"{demo.public_id}  {demo.name}  {demo.email}  {demo.phone}  ({demo.language})")
        for transaction in demo.transactions:
            print(f"    {transaction.public_id}  {transaction.demonstrates}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
