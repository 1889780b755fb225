"""Disputes and refunds as the customer sees them: numbered tickets with a status.

Ticket numbers are the kind's prefix and the row id, zero-padded
(DSP-000123, RFD-000045): short enough to read out on the phone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Tuple, Type, Union

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.backend.audit import record_event
from bot.backend.customers import customer_row
from bot.backend.errors import NotFound
from bot.backend.models import (
    ACTIVE_TICKET_STATUSES, TICKET_STATUSES, Customer, Dispute, Refund, Transaction,
)

DISPUTE = "dispute"
REFUND = "refund"
TicketModel = Union[Type[Dispute], Type[Refund]]
Ticket = Union[Dispute, Refund]
_MODELS = {Dispute.PREFIX: Dispute, Refund.PREFIX: Refund}
_KINDS = {Dispute: DISPUTE, Refund: REFUND}
_NUMBER = re.compile(r"(DSP|RFD)-?(\d{1,9})")


@dataclass(frozen=True)
class TicketView:
    """`created` is True only in the answer to the request that opened the ticket."""

    ticket_number: str
    kind: str
    transaction_public_id: str
    reason: str
    description: str
    status: str
    created_at: datetime
    updated_at: datetime
    created: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in ACTIVE_TICKET_STATUSES


def ticket_number_for(model: TicketModel, row_id: int) -> str:
    return f"{model.PREFIX}-{row_id:06d}"


def ticket_view(ticket: Ticket, transaction_public_id: str, created: bool = False) -> TicketView:
    return TicketView(
        ticket_number=ticket.ticket_number,
        kind=_KINDS[type(ticket)],
        transaction_public_id=transaction_public_id,
        reason=ticket.reason,
        description=ticket.description,
        status=ticket.status,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        created=created,
    )


def list_tickets(session: Session, customer_id: str) -> List[TicketView]:
    """The customer's disputes and refunds: open ones first, then newest first."""
    customer = customer_row(session, customer_id)
    views = [
        ticket_view(ticket, transaction_public_id)
        for model in (Dispute, Refund)
        for ticket, transaction_public_id in session.execute(
            _with_transaction_id(model).where(model.customer_id == customer.id)
        )
    ]
    return sorted(views, key=lambda view: (not view.is_open, -view.created_at.timestamp(), view.ticket_number))


def get_ticket(session: Session, customer_id: str, ticket_number: str) -> TicketView:
    """One of the customer's tickets; NotFound for unknown and for other customers' tickets."""
    customer = customer_row(session, customer_id)
    model, number = _parse_ticket_number(ticket_number)
    row = session.execute(
        _with_transaction_id(model).where(model.ticket_number == number, model.customer_id == customer.id)
    ).first()
    if row is None:
        raise NotFound(ticket_number)
    return ticket_view(*row)


def set_ticket_status(session: Session, ticket_number: str, status: str, now: datetime) -> TicketView:
    """Support staff move a ticket on; a resolved refund marks its transaction refunded.

    Closing frees the transaction for a new ticket of that kind (active_key
    becomes NULL); reopening fails with IntegrityError if another is open.
    """
    if status not in TICKET_STATUSES:
        raise ValueError(f"unknown ticket status {status!r}")
    model, number = _parse_ticket_number(ticket_number)
    row = session.execute(_with_transaction_id(model).where(model.ticket_number == number)).first()
    if row is None:
        raise NotFound(ticket_number)
    ticket, transaction_public_id = row
    ticket.status = status
    ticket.active_key = ticket.transaction_id if status in ACTIVE_TICKET_STATUSES else None
    ticket.updated_at = now
    if isinstance(ticket, Refund) and status == "resolved":
        session.get(Transaction, ticket.transaction_id).status = "refunded"
    record_event(
        session, "ticket_status_changed", now, session.get(Customer, ticket.customer_id),
        ticket=number, status=status,
    )
    session.flush()
    return ticket_view(ticket, transaction_public_id)


def active_ticket(session: Session, model: TicketModel, transaction_id: int) -> Optional[Ticket]:
    """The open or in-review ticket of this kind on a transaction, if any."""
    return session.scalars(select(model).where(model.active_key == transaction_id)).first()


def has_closed_ticket(session: Session, model: TicketModel, transaction_id: int) -> bool:
    return (
        session.scalars(
            select(model.id).where(model.transaction_id == transaction_id, model.active_key.is_(None)).limit(1)
        ).first()
        is not None
    )


def _with_transaction_id(model: TicketModel) -> Select:
    return select(model, Transaction.public_id).join(Transaction, model.transaction_id == Transaction.id)


def _parse_ticket_number(ticket_number: str) -> Tuple[TicketModel, str]:
    match = _NUMBER.fullmatch((ticket_number or "").strip().upper())
    if match is None:
        raise NotFound(ticket_number)
    prefix, digits = match.groups()
    model = _MODELS[prefix]
    return model, ticket_number_for(model, int(digits))
