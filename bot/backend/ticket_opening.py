"""Open a dispute or refund ticket exactly once per transaction, even under concurrency.

The database decides: the ticket's `active_key` (its transaction id while
open) is UNIQUE. A request that loses the race gets an IntegrityError
inside its SAVEPOINT, rolls back just that, and returns the winner's ticket.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Callable, Optional, Tuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.backend.models import MAX_DESCRIPTION_CHARS, Customer, Transaction
from bot.backend.audit import record_event
from bot.backend.eligibility import Eligibility
from bot.backend.errors import NotEligible
from bot.backend.outbox import EMAIL, DatabaseOutbox, OutboxGateway
from bot.backend.tickets import TicketModel, TicketView, active_ticket, get_ticket, ticket_number_for, ticket_view

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


Notice = Callable[[str, str, str], Tuple[str, str]]  # (language, ticket, transaction) -> (subject, body)


def open_ticket(
    session: Session, model: TicketModel, customer: Customer, transaction: Transaction,
    eligibility: Eligibility, reason: str, description: str, now: datetime,
    event_kind: str, notice: Notice, gateway: Optional[OutboxGateway] = None,
) -> TicketView:
    """What disputes and refunds share once the rules have spoken.

    An open ticket is returned as it is; a refusal raises NotEligible; a new
    ticket is recorded in the audit log and announced by e-mail, in the same
    transaction.
    """
    if eligibility.open_ticket:
        return get_ticket(session, customer.public_id, eligibility.open_ticket)
    if not eligibility.ok:
        raise NotEligible(eligibility.reason_code)
    ticket = insert_or_existing_ticket(session, model, customer, transaction, reason, description, now)
    if ticket.created:
        record_event(
            session, event_kind, now, customer,
            ticket=ticket.ticket_number, transaction=transaction.public_id, reason=reason,
        )
        subject, body = notice(customer.preferred_language, ticket.ticket_number, transaction.public_id)
        (gateway or DatabaseOutbox(session, now)).send(EMAIL, customer.email, subject, body)
    return ticket
