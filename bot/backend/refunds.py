"""Refund requests on a customer's own completed, recent transactions.

Rules, in order: asking again while a refund is open returns that ticket;
the transaction must be completed (not pending, failed or already
refunded); no dispute may be open on it (the dispute decides); and it must
have completed within the refund window (KDPAY_REFUND_WINDOW_DAYS, 30 by
default). Locked accounts cannot request refunds until support unlocks them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy.orm import Session

from bot.backend.config import backend_settings
from bot.backend.customers import customer_row
from bot.backend.eligibility import ELIGIBLE, Eligibility, already_open, refused
from bot.backend.errors import ALREADY_DISPUTED, OUTSIDE_REFUND_WINDOW, AccountLocked
from bot.backend.models import REFUND_REASONS, Customer, Dispute, Refund, Transaction
from bot.backend.notices import refund_requested_notice
from bot.backend.outbox import OutboxGateway
from bot.backend.ticket_opening import open_ticket
from bot.backend.tickets import TicketView, active_ticket
from bot.backend.transaction_rules import status_refusal
from bot.backend.transactions import owned_transaction

__all__ = ["REFUND_REASONS", "refund_window", "refund_eligibility", "request_refund"]


def refund_window() -> timedelta:
    return timedelta(days=backend_settings().refund_window_days)


def refund_eligibility(session: Session, customer_id: str, txn_public_id: str, now: datetime) -> Eligibility:
    """May this customer get a refund on this transaction now? NotFound if not theirs."""
    customer = _unlocked_customer(session, customer_id)
    return _eligibility(session, owned_transaction(session, customer, txn_public_id), now)


def request_refund(
    session: Session, customer_id: str, txn_public_id: str, reason: str, description: str,
    now: datetime, gateway: Optional[OutboxGateway] = None,
) -> TicketView:
    """Open (or return the already open) refund ticket; NotEligible(reason_code) if refused."""
    if reason not in REFUND_REASONS:
        raise ValueError(f"unknown refund reason {reason!r}")
    customer = _unlocked_customer(session, customer_id)
    transaction = owned_transaction(session, customer, txn_public_id, for_update=True)
    return open_ticket(
        session, Refund, customer, transaction, _eligibility(session, transaction, now), reason, description, now,
        "refund_requested", refund_requested_notice, gateway,
    )


def _unlocked_customer(session: Session, customer_id: str) -> Customer:
    customer = customer_row(session, customer_id)
    if customer.locked:
        raise AccountLocked(customer_id)
    return customer


def _eligibility(session: Session, transaction: Transaction, now: datetime) -> Eligibility:
    open_refund = active_ticket(session, Refund, transaction.id)
    if open_refund is not None:
        return already_open(open_refund.ticket_number)
    refusal = status_refusal(transaction)
    if refusal:
        return refused(refusal)
    if active_ticket(session, Dispute, transaction.id) is not None:
        return refused(ALREADY_DISPUTED)
    completed_at = transaction.completed_at or transaction.created_at
    if now > completed_at + refund_window():
        return refused(OUTSIDE_REFUND_WINDOW)
    return ELIGIBLE
