"""Customers dispute their own completed transactions: one open dispute per transaction.

Rules, in order: asking again while a dispute is open returns that ticket;
a pending, failed or already refunded transaction cannot be disputed;
nor one with a refund in progress (it may settle the matter); nor one whose
earlier dispute was closed (support reopens it). Locked accounts may still
dispute: reporting fraud is what locking is for.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.backend.customers import customer_row
from bot.backend.eligibility import ELIGIBLE, Eligibility, already_open, refused
from bot.backend.errors import ALREADY_DISPUTED, REFUND_OPEN
from bot.backend.models import DISPUTE_REASONS, Dispute, Refund, Transaction
from bot.backend.notices import dispute_opened_notice
from bot.backend.outbox import OutboxGateway
from bot.backend.ticket_opening import open_ticket
from bot.backend.tickets import TicketView, active_ticket, has_closed_ticket
from bot.backend.transaction_rules import status_refusal
from bot.backend.transactions import owned_transaction

__all__ = ["DISPUTE_REASONS", "dispute_eligibility", "open_dispute"]


def dispute_eligibility(session: Session, customer_id: str, transaction_public_id: str) -> Eligibility:
    """May this customer dispute this transaction? NotFound if it is not theirs."""
    transaction = owned_transaction(session, customer_row(session, customer_id), transaction_public_id)
    return _eligibility(session, transaction)


def open_dispute(
    session: Session, customer_id: str, transaction_public_id: str, reason: str,
    description: str, now: datetime, gateway: Optional[OutboxGateway] = None,
) -> TicketView:
    """Open (or return the already open) dispute; NotEligible(reason_code) if the rules refuse."""
    if reason not in DISPUTE_REASONS:
        raise ValueError(f"unknown dispute reason {reason!r}")
    customer = customer_row(session, customer_id)
    transaction = owned_transaction(session, customer, transaction_public_id, for_update=True)
    return open_ticket(
        session, Dispute, customer, transaction, _eligibility(session, transaction), reason, description, now,
        "dispute_opened", dispute_opened_notice, gateway,
    )


def _eligibility(session: Session, transaction: Transaction) -> Eligibility:
    open_dispute_row = active_ticket(session, Dispute, transaction.id)
    if open_dispute_row is not None:
        return already_open(open_dispute_row.ticket_number)
    refusal = status_refusal(transaction)
    if refusal:
        return refused(refusal)
    if active_ticket(session, Refund, transaction.id) is not None:
        return refused(REFUND_OPEN)
    if has_closed_ticket(session, Dispute, transaction.id):
        return refused(ALREADY_DISPUTED)
    return ELIGIBLE
