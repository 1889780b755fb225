"""Open a dispute or refund ticket exactly once per transaction, even under concurrency.

The database decides: the ticket's `active_key` (its transaction id while
open) is UNIQUE. A request that loses the race gets an IntegrityError
inside its SAVEPOINT, rolls back just that, and returns the winner's ticket.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.backend.models import MAX_DESCRIPTION_CHARS, Customer, Transaction
from bot.backend.tickets import TicketModel, TicketView, active_ticket, ticket_number_for, ticket_view

# Control characters (but not tab and newline) have no place in a description,
# and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_description(description: str) -> str:
    """Plain text, stripped, at most 2000 characters; stored as is and never interpreted."""
    return _CONTROL.sub("", description or "").strip()[:MAX_DESCRIPTION_CHARS]


def insert_or_existing_ticket(
    session: Session, model: TicketModel, customer: Customer, transaction: Transaction,
    reason: str, description: str, now: datetime,
) -> TicketView:
    """A new open ticket (created=True), or the one already open on this transaction."""
    try:
        with session.begin_nested():
            ticket = model(
                customer_id=customer.id, transaction_id=transaction.id, active_key=transaction.id,
                status="open", reason=reason, description=clean_description(description),
                created_at=now, updated_at=now,
            )
            session.add(ticket)
            session.flush()
            ticket.ticket_number = ticket_number_for(model, ticket.id)
    except IntegrityError:
        existing = active_ticket(session, model, transaction.id)
        if existing is None:
            raise
        return ticket_view(existing, transaction.public_id)
    return ticket_view(ticket, transaction.public_id, created=True)
