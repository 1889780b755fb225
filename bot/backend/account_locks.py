"""Customers lock their own account at once when something looks wrong.

Locking is one-way from the bot: to unlock, the customer contacts KDPay
support, who verify their identity (ID document and a code to the
registered phone or e-mail) and then call `unlock_account`. A locked
account cannot request refunds or password resets; disputes stay open to
it, since reporting fraud is usually why it was locked.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.backend.audit import record_event
from bot.backend.customers import customer_row
from bot.backend.notices import account_locked_notice
from bot.backend.outbox import EMAIL, DatabaseOutbox, OutboxGateway


def lock_account(
    session: Session, customer_id: str, now: datetime, reason: str,
    gateway: Optional[OutboxGateway] = None,
) -> None:
    """Lock the account (idempotent: locking a locked account changes nothing).

    How to unlock: the customer contacts support with identity verification;
    support then calls unlock_account. The bot never unlocks.
    """
    customer = customer_row(session, customer_id, for_update=True)
    if customer.locked:
        return
    customer.locked = True
    customer.locked_at = now
    record_event(session, "account_locked", now, customer, reason=reason)
    subject, body = account_locked_notice(customer.preferred_language)
    (gateway or DatabaseOutbox(session, now)).send(EMAIL, customer.email, subject, body)


def unlock_account(session: Session, customer_id: str, now: datetime, verified_by: str) -> None:
    """Support only, after verifying the customer's identity; `verified_by` names the agent."""
    customer = customer_row(session, customer_id, for_update=True)
    if not customer.locked:
        return
    customer.locked = False
    customer.locked_at = None
    record_event(session, "account_unlocked", now, customer, verified_by=verified_by)


def is_account_locked(session: Session, customer_id: str) -> bool:
    return customer_row(session, customer_id).locked
