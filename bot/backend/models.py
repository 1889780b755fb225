"""The backend's tables. Only the backend's own modules use these ORM classes.

Every status column is a short string with a CHECK constraint (portable,
readable in SQL). Disputes and refunds carry `active_key`: the transaction
id while the ticket is open or in review, NULL once closed. Its UNIQUE
constraint is what makes "one open ticket per transaction" hold under
concurrency (NULLs are distinct in SQLite and PostgreSQL).
"""
from __future__ import annotations

from typing import Tuple

from sqlalchemy import (
    CHAR, JSON, BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, MetaData,
    String, Text,
)
from sqlalchemy.orm import declarative_base, declared_attr

from bot.backend.column_types import Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base = declarative_base(metadata=metadata)

LANGUAGES = ("zh", "en")
TRANSACTION_STATUSES = ("pending", "completed", "failed", "refunded")
TICKET_STATUSES = ("open", "in_review", "resolved", "rejected")
ACTIVE_TICKET_STATUSES = ("open", "in_review")
DISPUTE_REASONS = ("unauthorised", "not_received", "not_as_described", "charged_twice", "other")
REFUND_REASONS = ("not_received", "wrong_amount", "cancelled_order", "other")
CHANNELS = ("email", "sms")
MAX_DESCRIPTION_CHARS = 2000
HANDOFF_CHANNELS = ("web", "telegram", "rest")
HANDOFF_REASONS = ("customer_request", "low_confidence", "account_locked", "refusal_contested")
HANDOFF_STATUSES = ("queued", "claimed", "resolved", "expired", "abandoned")
ACTIVE_HANDOFF_STATUSES = ("queued", "claimed")


def _one_of(column: str, values: Tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint(_one_of("preferred_language", LANGUAGES), name="language"),)

    id = Column(Integer, primary_key=True)
    public_id = Column(String(16), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    email = Column(String(254), nullable=False, unique=True)
    phone = Column(String(20), nullable=False, unique=True)
    preferred_language = Column(String(2), nullable=False, default="zh")
    locked = Column(Boolean, nullable=False, default=False)
    locked_at = Column(UTCDateTime, nullable=True)
    two_step_enabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False)


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        CheckConstraint(_one_of("status", TRANSACTION_STATUSES), name="status"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    counterparty = Column(String(200), nullable=False)
    amount = Column(Money, nullable=False)
    currency = Column(CHAR(3), nullable=False)
    cross_border = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    completed_at = Column(UTCDateTime, nullable=True)


class TicketColumns:
    """What disputes and refunds share: a numbered, owned, statused request."""

    id = Column(Integer, primary_key=True)
    ticket_number = Column(String(12), nullable=True, unique=True)  # set right after insert
    status = Column(String(16), nullable=False, default="open")
    active_key = Column(Integer, nullable=True, unique=True)
    reason = Column(String(32), nullable=False)
    description = Column(Text, nullable=False, default="")
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

    @declared_attr
    def customer_id(cls) -> Column:
        return Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)

    @declared_attr
    def transaction_id(cls) -> Column:
        return Column(Integer, ForeignKey("transactions.id"), nullable=False, index=True)


def _ticket_constraints(reasons: Tuple[str, ...]) -> Tuple[CheckConstraint, ...]:
    return (
        CheckConstraint(_one_of("status", TICKET_STATUSES), name="status"),
        CheckConstraint(_one_of("reason", reasons), name="reason"),
        CheckConstraint(
            f"({_one_of('status', ACTIVE_TICKET_STATUSES)}) = (active_key IS NOT NULL)",
            name="active_key_while_active",
        ),
        CheckConstraint("active_key IS NULL OR active_key = transaction_id", name="active_key_is_transaction"),
    )


class Dispute(TicketColumns, Base):
    __tablename__ = "disputes"
    __table_args__ = _ticket_constraints(DISPUTE_REASONS)
    PREFIX = "DSP"


class Refund(TicketColumns, Base):
    __tablename__ = "refunds"
    __table_args__ = _ticket_constraints(REFUND_REASONS)
    PREFIX = "RFD"


class PasswordResetRequest(Base):
    __tablename__ = "password_reset_requests"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)


class VerificationCode(Base):
    """One code sent to one contact; only the newest unused one counts."""

    __tablename__ = "verification_codes"

    id = Column(Integer, primary_key=True)
    contact_hash = Column(String(64), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)


class VerificationThrottle(Base):
    """Wrong-code count per contact, registered or not, so a lock outlives any one code."""

    __tablename__ = "verification_throttles"

    id = Column(Integer, primary_key=True)
    contact_hash = Column(String(64), nullable=False, unique=True)
    failed_attempts = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint(_one_of("channel", CHANNELS), name="channel"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(8), nullable=False)
    recipient = Column(String(254), nullable=False, index=True)
    subject = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    sent_at = Column(UTCDateTime, nullable=True)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True, index=True)
    kind = Column(String(64), nullable=False, index=True)
    detail = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class TelegramLink(Base):
    """A Telegram user verified as a customer: remembered until they /unlink."""

    __tablename__ = "telegram_links"

    id = Column(Integer, primary_key=True)
    telegram_user_id = Column(BigInteger, nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    linked_at = Column(UTCDateTime, nullable=False)


class Agent(Base):
    """A support agent who signs in to the console; the password is an argon2id hash."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    public_id = Column(String(12), nullable=True, unique=True)  # AGT-000001, set right after insert
    login = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)


class AgentSession(Base):
    """A console sign-in: only a keyed hash of the token is stored."""

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False, index=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime, nullable=True)
    last_seen_at = Column(UTCDateTime, nullable=True)  # the console calls in every few seconds


class AgentSignInThrottle(Base):
    """Failed sign-ins per login (known or not, keyed hash), so guessing is slowed down."""

    __tablename__ = "agent_sign_in_throttles"

    id = Column(Integer, primary_key=True)
    login_hash = Column(String(64), nullable=False, unique=True)
    failed_attempts = Column(Integer, nullable=False, default=0)
    window_started_at = Column(UTCDateTime, nullable=True)
    locked_until = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False)


class Handoff(Base):
    """A conversation handed to a human agent.

    `active_key` is the sender id while the handoff is queued or claimed and
    NULL afterwards; its UNIQUE constraint keeps one open handoff per
    conversation. `ticket_number` is set when the handoff is left as a
    follow-up ticket (no agent in time, or out of hours).
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(_one_of("channel", HANDOFF_CHANNELS), name="channel"),
        CheckConstraint(_one_of("language", LANGUAGES), name="language"),
        CheckConstraint(_one_of("reason", HANDOFF_REASONS), name="reason"),
        CheckConstraint(_one_of("status", HANDOFF_STATUSES), name="status"),
        CheckConstraint(
            f"({_one_of('status', ACTIVE_HANDOFF_STATUSES)}) = (active_key IS NOT NULL)",
            name="active_key_while_active",
        ),
        CheckConstraint("active_key IS NULL OR active_key = sender_id", name="active_key_is_sender"),
        CheckConstraint("status <> 'claimed' OR agent_id IS NOT NULL", name="claimed_has_agent"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'resolved')", name="rating"),
        Index("ix_handoffs_status_queued_at", "status", "queued_at"),
    )

    id = Column(Integer, primary_key=True)
    public_id = Column(String(12), nullable=True, unique=True)  # HND-000001, set right after insert
    sender_id = Column(String(255), nullable=False, index=True)
    active_key = Column(String(255), nullable=True, unique=True)
    channel = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True, index=True)
    reason = Column(String(32), nullable=False)
    summary = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default="queued")
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True, index=True)
    queued_at = Column(UTCDateTime, nullable=False)
    claimed_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)  # resolved, expired or abandoned
    rating = Column(Integer, nullable=True)
    rated_at = Column(UTCDateTime, nullable=True)
    ticket_number = Column(String(12), nullable=True, unique=True)
