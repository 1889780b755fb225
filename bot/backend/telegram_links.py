"""Which customer a Telegram user verified as, kept until they unlink.

Telegram users are anonymous until the one-time-code flow verifies them;
the Telegram channel then links the user here, so later conversations (and
restarts) start verified. One link per Telegram user; verifying again as
another customer moves the link.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.audit import record_event
from bot.backend.customers import customer_row
from bot.backend.models import Customer, TelegramLink


def link(session: Session, telegram_user_id: int, customer_public_id: str, now: datetime) -> None:
    """Link the Telegram user to the customer (NotFound if the customer is unknown)."""
    customer = customer_row(session, customer_public_id)
    existing = session.scalars(
        select(TelegramLink).where(TelegramLink.telegram_user_id == telegram_user_id).with_for_update()
    ).first()
    if existing is not None and existing.customer_id == customer.id:
        return
    if existing is None:
        session.add(TelegramLink(telegram_user_id=telegram_user_id, customer_id=customer.id, linked_at=now))
    else:
        existing.customer_id, existing.linked_at = customer.id, now
    record_event(session, "telegram_linked", now, customer)


def unlink(session: Session, telegram_user_id: int, now: Optional[datetime] = None) -> bool:
    """Forget the user's link (audited when `now` is given); False when there was none."""
    existing = session.scalars(
        select(TelegramLink).where(TelegramLink.telegram_user_id == telegram_user_id).with_for_update()
    ).first()
    if existing is None:
        return False
    if now is not None:
        record_event(session, "telegram_unlinked", now, session.get(Customer, existing.customer_id))
    session.delete(existing)
    return True


def linked_customer(session: Session, telegram_user_id: int) -> Optional[str]:
    """The public id of the customer the user is linked to, or None."""
    return session.scalars(
        select(Customer.public_id)
        .join(TelegramLink, TelegramLink.customer_id == Customer.id)
        .where(TelegramLink.telegram_user_id == telegram_user_id)
    ).first()
