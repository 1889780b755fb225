"""Messages to customers (codes, reset links, ticket notices) leave through a gateway.

The default gateway writes them to the outbox table in the same database
transaction as the change they announce, so a notice is never sent for a
change that rolled back. A real e-mail/SMS sender implements OutboxGateway,
or drains the table.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.db import database_url, make_engine, session_scope
from bot.backend.models import CHANNELS, OutboxMessage

EMAIL = "email"
SMS = "sms"


class OutboxGateway(Protocol):
    def send(self, channel: str, recipient: str, subject: str, body: str) -> None:
        """Queue or deliver one message on "email" or "sms"."""


@dataclass(frozen=True)
class OutboxMessageView:
    channel: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    sent_at: Optional[datetime]


class DatabaseOutbox:
    """Stores each message as an outbox row, stamped with the caller's `now`."""

    def __init__(self, session: Session, now: datetime) -> None:
        self._session = session
        self._now = now

    def send(self, channel: str, recipient: str, subject: str, body: str) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        self._session.add(
            OutboxMessage(channel=channel, recipient=recipient, subject=subject, body=body, created_at=self._now)
        )


def messages_for(session: Session, recipient: str) -> List[OutboxMessageView]:
    """Every message queued for one recipient, oldest first."""
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
    )
    return [
        OutboxMessageView(row.channel, row.recipient, row.subject, row.body, row.created_at, row.sent_at)
        for row in rows
    ]


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m bot.backend.outbox lin@example.com`: what the demo would have sent them."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("recipient", help="an e-mail address or phone number (+8613800138000)")
    args = parser.parse_args(argv)
    engine = make_engine(database_url())
    with session_scope(engine) as session:
        for message in messages_for(session, args.recipient):
            print(f"[{message.created_at:%Y-%m-%d %H:%M}] {message.channel}: {message.subject}\n{message.body}\n")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
