"""Password reset links, sent only to the registered e-mail address.

The link carries a random single-use token; we store only its keyed hash,
so a database copy cannot be turned into working links. At most three links
per customer per hour keep the feature from becoming a mail cannon.
"""
from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta
from typing import Optional
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.backend.audit import record_event
from bot.backend.config import web_base_url
from bot.backend.customers import customer_row
from bot.backend.errors import AccountLocked, NotFound, RateLimited
from bot.backend.hashing import keyed_hash
from bot.backend.masking import mask_email
from bot.backend.models import Customer, PasswordResetRequest
from bot.backend.notices import reset_link_notice
from bot.backend.outbox import EMAIL, DatabaseOutbox, OutboxGateway

TOKEN_TTL = timedelta(minutes=30)
MAX_LINKS_PER_WINDOW = 3
RATE_WINDOW = timedelta(hours=1)


def send_reset_link(
    session: Session, customer_id: str, now: datetime, gateway: Optional[OutboxGateway] = None
) -> str:
    """Queue a reset link to the customer's e-mail; returns that address masked for the reply."""
    customer = customer_row(session, customer_id, for_update=True)  # serialises the rate count
    if customer.locked:
        raise AccountLocked(customer_id)
    _enforce_rate_limit(session, customer, now)
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetRequest(
            customer_id=customer.id, token_hash=_token_hash(token), expires_at=now + TOKEN_TTL, created_at=now
        )
    )
    subject, body = reset_link_notice(
        customer.preferred_language, reset_link(token), int(TOKEN_TTL.total_seconds() // 60)
    )
    (gateway or DatabaseOutbox(session, now)).send(EMAIL, customer.email, subject, body)
    masked = mask_email(customer.email)
    record_event(session, "reset_link_sent", now, customer, to=masked)
    return masked


def reset_link(token: str) -> str:
    return f"{web_base_url()}/reset?{urlencode({'token': token})}"


def redeem_reset_token(session: Session, token: str, now: datetime) -> str:
    """The customer's public id for a valid token, which is used up; NotFound otherwise.

    Unknown, used and expired tokens are all NotFound: the caller learns
    nothing from a wrong token. A locked account's token raises AccountLocked.
    """
    request = session.scalars(
        select(PasswordResetRequest)
        .where(PasswordResetRequest.token_hash == _token_hash(token or ""))
        .with_for_update()
    ).first()
    if request is None or request.used_at is not None or now >= request.expires_at:
        raise NotFound("reset token")
    customer = session.get(Customer, request.customer_id)
    if customer.locked:
        raise AccountLocked(customer.public_id)
    request.used_at = now
    record_event(session, "reset_token_redeemed", now, customer)
    return customer.public_id


def _token_hash(token: str) -> str:
    return keyed_hash("password-reset-token", token)


def _enforce_rate_limit(session: Session, customer: Customer, now: datetime) -> None:
    count, oldest = session.execute(
        select(func.count(PasswordResetRequest.id), func.min(PasswordResetRequest.created_at)).where(
            PasswordResetRequest.customer_id == customer.id,
            PasswordResetRequest.created_at > now - RATE_WINDOW,
        )
    ).one()
    if count >= MAX_LINKS_PER_WINDOW:
        raise RateLimited(max(1, math.ceil((oldest + RATE_WINDOW - now).total_seconds())))
