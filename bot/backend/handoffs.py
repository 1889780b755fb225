"""Conversations handed from the bot to a human agent: queue, claim, transfer, resolve, rate.

A handoff is named by its public id (HND-000001) and its conversation by
the Rasa sender id. The database keeps the rules under concurrency:

* one open (queued or claimed) handoff per conversation: `active_key` is
  the sender id while open and UNIQUE, so a repeated request returns the
  open one instead of queueing the conversation twice;
* exactly one agent wins a claim: the claim is a conditional
  UPDATE ... WHERE status = 'queued', and whoever changed no row lost;
* only the claiming agent may transfer or resolve (same conditional
  UPDATE, on agent_id);
* a queued handoff nobody claims within the maximum wait is never dropped
  silently: it becomes a follow-up ticket (its own number, kept in
  `ticket_number`) for the caller to apologise with.

Every transition is written to the audit log.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.backend.agents import agent_row
from bot.backend.audit import record_event
from bot.backend.config import handoff_max_wait
from bot.backend.customers import customer_row
from bot.backend.errors import AlreadyClaimed, HandoffClosed, NotFound, NotYourConversation, RatingNotAccepted
from bot.backend.models import (
    ACTIVE_HANDOFF_STATUSES, HANDOFF_CHANNELS, HANDOFF_REASONS, LANGUAGES, Agent, Customer, Handoff,
)
from bot.backend.ticket_opening import clean_description

PREFIX = "HND"
MAX_SENDER_ID_CHARS = 255
_NUMBER = re.compile(r"HND-?(\d{1,9})")


@dataclass(frozen=True)
class HandoffView:
    """`created` is True only in the answer to the request that queued the handoff."""

    handoff_id: str
    sender_id: str
    channel: str
    language: str
    customer_id: Optional[str]
    reason: str
    summary: str
    status: str
    agent_id: Optional[str]
    agent_display_name: Optional[str]
    queued_at: datetime
    claimed_at: Optional[datetime]
    resolved_at: Optional[datetime]
    closed_at: Optional[datetime]
    rating: Optional[int]
    ticket_number: Optional[str]
    created: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in ACTIVE_HANDOFF_STATUSES


def handoff_number_for(row_id: int) -> str:
    return f"{PREFIX}-{row_id:06d}"


def request_handoff(
    session: Session, sender_id: str, channel: str, language: str, customer_id: Optional[str],
    reason: str, summary: str, now: datetime,
) -> HandoffView:
    """Queue the conversation for an agent, or return its open handoff if it has one.

    ValueError for an unknown channel, language or reason or a bad sender
    id; NotFound for an unknown customer.
    """
    sender = _checked_sender(sender_id)
    if channel not in HANDOFF_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    if reason not in HANDOFF_REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}")
    customer = customer_row(session, customer_id) if customer_id else None
    existing = _open_row(session, sender)
    if existing is not None:
        return handoff_view(session, existing)
    try:
        with session.begin_nested():
            handoff = Handoff(
                sender_id=sender, active_key=sender, channel=channel, language=language,
                customer_id=customer.id if customer is not None else None, reason=reason,
                summary=clean_description(summary), status="queued", queued_at=now,
            )
            session.add(handoff)
            session.flush()
            handoff.public_id = handoff_number_for(handoff.id)
    except IntegrityError:  # a parallel request for the same conversation won
        existing = _open_row(session, sender)
        if existing is None:
            raise
        return handoff_view(session, existing)
    record_event(session, "handoff_requested", now, customer, handoff=handoff.public_id, reason=reason, channel=channel)
    return handoff_view(session, handoff, created=True)


def queue(session: Session) -> List[HandoffView]:
    """Open handoffs for the console: queued ones first, oldest first (FIFO), then claimed ones."""
    queued = session.scalars(
        select(Handoff).where(Handoff.status == "queued").order_by(Handoff.queued_at, Handoff.id)
    ).all()
    claimed = session.scalars(
        select(Handoff).where(Handoff.status == "claimed").order_by(Handoff.claimed_at, Handoff.id)
    ).all()
    return [handoff_view(session, row) for row in [*queued, *claimed]]


def claimed_by(session: Session, agent_id: str) -> List[HandoffView]:
    """The conversations the agent is handling now, oldest claim first."""
    agent = agent_row(session, agent_id)
    rows = session.scalars(
        select(Handoff)
        .where(Handoff.status == "claimed", Handoff.agent_id == agent.id)
        .order_by(Handoff.claimed_at, Handoff.id)
    )
    return [handoff_view(session, row) for row in rows]


def position_in_queue(session: Session, handoff_id: str) -> int:
    """1 for the next conversation an agent should take; 0 once it is no longer waiting."""
    handoff = _row(session, handoff_id)
    if handoff.status != "queued":
        return 0
    ahead = session.scalar(
        select(func.count()).select_from(Handoff).where(
            Handoff.status == "queued",
            or_(
                Handoff.queued_at < handoff.queued_at,
                and_(Handoff.queued_at == handoff.queued_at, Handoff.id < handoff.id),
            ),
        )
    )
    return ahead + 1


def claim(session: Session, handoff_id: str, agent_id: str, now: datetime) -> HandoffView:
    """The agent takes the conversation. AlreadyClaimed if another agent was first.

    Claiming again one's own conversation just returns it; HandoffClosed if
    it is no longer open; NotFound for an unknown handoff or inactive agent.
    """
    agent = agent_row(session, agent_id, active_only=True)
    number = _parse_number(handoff_id)
    changed = session.execute(
        update(Handoff)
        .where(Handoff.public_id == number, Handoff.status == "queued")
        .values(status="claimed", agent_id=agent.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    handoff = _row(session, number, refresh=True)
    if not changed:
        if handoff.status == "claimed" and handoff.agent_id == agent.id:
            return handoff_view(session, handoff)
        if handoff.status == "claimed":
            raise AlreadyClaimed(number)
        raise HandoffClosed(number)
    _record(session, "handoff_claimed", handoff, now, agent=agent.public_id)
    return handoff_view(session, handoff)


def transfer(session: Session, handoff_id: str, from_agent: str, to_agent: str, now: datetime) -> HandoffView:
    """Pass a claimed conversation to another active agent; only its current agent may."""
    giver = agent_row(session, from_agent)
    taker = agent_row(session, to_agent, active_only=True)
    number = _parse_number(handoff_id)
    changed = session.execute(
        update(Handoff)
        .where(Handoff.public_id == number, Handoff.status == "claimed", Handoff.agent_id == giver.id)
        .values(agent_id=taker.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    handoff = _row(session, number, refresh=True)
    if not changed:
        _refuse(handoff)
    _record(session, "handoff_transferred", handoff, now, from_agent=giver.public_id, to_agent=taker.public_id)
    return handoff_view(session, handoff)


def resolve(session: Session, handoff_id: str, agent_id: str, now: datetime) -> HandoffView:
    """The agent is done: the conversation goes back to the bot. Only its current agent may."""
    agent = agent_row(session, agent_id)
    number = _parse_number(handoff_id)
    changed = session.execute(
        update(Handoff)
        .where(Handoff.public_id == number, Handoff.status == "claimed", Handoff.agent_id == agent.id)
        .values(status="resolved", active_key=None, resolved_at=now, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    handoff = _row(session, number, refresh=True)
    if not changed:
        if handoff.status == "resolved" and handoff.agent_id == agent.id:
            return handoff_view(session, handoff)  # a repeated click
        _refuse(handoff)
    _record(session, "handoff_resolved", handoff, now, agent=agent.public_id)
    return handoff_view(session, handoff)


def abandon(session: Session, sender_id: str, now: datetime) -> Optional[HandoffView]:
    """The customer went back to the bot: close their open handoff (None if there was none).

    The answer names the agent, if one had claimed it, so they can be told.
    """
    handoff = _open_row(session, _checked_sender(sender_id))
    if handoff is None:
        return None
    changed = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.status.in_(ACTIVE_HANDOFF_STATUSES))
        .values(status="abandoned", active_key=None, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:  # resolved or expired meanwhile
        return None
    handoff = _row(session, handoff.public_id, refresh=True)
    _record(session, "handoff_abandoned", handoff, now)
    return handoff_view(session, handoff)


def leave_ticket(session: Session, handoff_id: str, now: datetime) -> HandoffView:
    """Close a queued handoff as a follow-up ticket (out of hours, or no agent online).

    The ticket number is the handoff's own number; the status is "expired".
    HandoffClosed if it was claimed or closed meanwhile.
    """
    number = _parse_number(handoff_id)
    if not _to_ticket(session, number, now):
        _row(session, number)  # NotFound for an unknown handoff
        raise HandoffClosed(number)
    handoff = _row(session, number, refresh=True)
    _record(session, "handoff_ticket_left", handoff, now, ticket=handoff.ticket_number)
    return handoff_view(session, handoff)


def expire_unclaimed(session: Session, now: datetime, max_wait: Optional[timedelta] = None) -> List[HandoffView]:
    """Handoffs queued longer than `max_wait` (default KDPAY_HANDOFF_MAX_WAIT_MINUTES) become tickets.

    Returns those this call expired, oldest first, so the caller can
    apologise to each customer with the ticket number.
    """
    wait = handoff_max_wait() if max_wait is None else max_wait
    candidates = session.scalars(
        select(Handoff.public_id)
        .where(Handoff.status == "queued", Handoff.queued_at < now - wait)
        .order_by(Handoff.queued_at, Handoff.id)
    ).all()
    expired = []
    for number in candidates:
        if not _to_ticket(session, number, now):
            continue  # claimed or closed meanwhile
        handoff = _row(session, number, refresh=True)
        _record(session, "handoff_expired", handoff, now, ticket=handoff.ticket_number)
        expired.append(handoff_view(session, handoff))
    return expired


def follow_up_tickets(session: Session) -> List[HandoffView]:
    """Handoffs left as tickets for the next agent, oldest first."""
    rows = session.scalars(
        select(Handoff).where(Handoff.ticket_number.is_not(None)).order_by(Handoff.queued_at, Handoff.id)
    )
    return [handoff_view(session, row) for row in rows]


def record_rating(session: Session, handoff_id: str, rating: int, now: datetime) -> HandoffView:
    """The customer's 1-5 satisfaction rating: once, and only after the agent resolved it.

    ValueError for anything but a whole number 1-5; RatingNotAccepted if
    not resolved or already rated.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValueError("a rating is a whole number from 1 to 5")
    number = _parse_number(handoff_id)
    changed = session.execute(
        update(Handoff)
        .where(Handoff.public_id == number, Handoff.status == "resolved", Handoff.rating.is_(None))
        .values(rating=rating, rated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    handoff = _row(session, number, refresh=True)
    if not changed:
        raise RatingNotAccepted("already rated" if handoff.rating is not None else "not resolved")
    _record(session, "handoff_rated", handoff, now, rating=rating)
    return handoff_view(session, handoff)


def awaiting_rating(session: Session, sender_id: str) -> Optional[HandoffView]:
    """The conversation's most recently resolved handoff, if it has no rating yet."""
    handoff = session.scalars(
        select(Handoff)
        .where(Handoff.sender_id == _checked_sender(sender_id), Handoff.status == "resolved")
        .order_by(Handoff.resolved_at.desc(), Handoff.id.desc())
        .limit(1)
    ).first()
    return handoff_view(session, handoff) if handoff is not None and handoff.rating is None else None


def open_handoff_for(session: Session, sender_id: str) -> Optional[HandoffView]:
    """The conversation's queued or claimed handoff, if any (the bot stays silent while there is one)."""
    handoff = _open_row(session, _checked_sender(sender_id))
    return handoff_view(session, handoff) if handoff is not None else None


def get_handoff(session: Session, handoff_id: str) -> HandoffView:
    return handoff_view(session, _row(session, handoff_id))


def assert_agent_owns(session: Session, handoff_id: str, agent_id: str) -> HandoffView:
    """The handoff if the agent has claimed it and it is open; NotYourConversation otherwise."""
    agent = agent_row(session, agent_id)
    handoff = _row(session, handoff_id)
    if handoff.status != "claimed" or handoff.agent_id != agent.id:
        raise NotYourConversation(handoff.public_id)
    return handoff_view(session, handoff)


def handoff_view(session: Session, handoff: Handoff, created: bool = False) -> HandoffView:
    customer = session.get(Customer, handoff.customer_id) if handoff.customer_id is not None else None
    agent = session.get(Agent, handoff.agent_id) if handoff.agent_id is not None else None
    return HandoffView(
        handoff_id=handoff.public_id,
        sender_id=handoff.sender_id,
        channel=handoff.channel,
        language=handoff.language,
        customer_id=customer.public_id if customer is not None else None,
        reason=handoff.reason,
        summary=handoff.summary,
        status=handoff.status,
        agent_id=agent.public_id if agent is not None else None,
        agent_display_name=agent.display_name if agent is not None else None,
        queued_at=handoff.queued_at,
        claimed_at=handoff.claimed_at,
        resolved_at=handoff.resolved_at,
        closed_at=handoff.closed_at,
        rating=handoff.rating,
        ticket_number=handoff.ticket_number,
        created=created,
    )


def _to_ticket(session: Session, number: str, now: datetime) -> bool:
    """Queued -> expired with a ticket number, if it is still queued."""
    return bool(session.execute(
        update(Handoff)
        .where(Handoff.public_id == number, Handoff.status == "queued")
        .values(status="expired", active_key=None, closed_at=now, ticket_number=number)
        .execution_options(synchronize_session=False)
    ).rowcount)


def _refuse(handoff: Handoff) -> None:
    if handoff.status in ACTIVE_HANDOFF_STATUSES:
        raise NotYourConversation(handoff.public_id)
    raise HandoffClosed(handoff.public_id)


def _record(session: Session, kind: str, handoff: Handoff, now: datetime, **detail: object) -> None:
    customer = session.get(Customer, handoff.customer_id) if handoff.customer_id is not None else None
    record_event(session, kind, now, customer, handoff=handoff.public_id, **detail)


def _checked_sender(sender_id: str) -> str:
    sender = (sender_id or "").strip() if isinstance(sender_id, str) else ""
    if not sender or len(sender) > MAX_SENDER_ID_CHARS:
        raise ValueError("a sender id is 1-255 characters")
    return sender


def _open_row(session: Session, sender: str) -> Optional[Handoff]:
    return session.scalars(
        select(Handoff).where(Handoff.active_key == sender).execution_options(populate_existing=True)
    ).first()


def _parse_number(handoff_id: str) -> str:
    match = _NUMBER.fullmatch((handoff_id or "").strip().upper()) if isinstance(handoff_id, str) else None
    if match is None:
        raise NotFound(handoff_id)
    return handoff_number_for(int(match.group(1)))


def _row(session: Session, handoff_id: str, refresh: bool = False) -> Handoff:
    statement = select(Handoff).where(Handoff.public_id == _parse_number(handoff_id))
    if refresh:  # after a bulk UPDATE, do not trust the identity map
        statement = statement.execution_options(populate_existing=True)
    handoff = session.scalars(statement).first()
    if handoff is None:
        raise NotFound(handoff_id)
    return handoff
