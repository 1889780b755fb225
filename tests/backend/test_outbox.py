import pytest

from bot.backend.db import session_scope
from bot.backend.outbox import DatabaseOutbox, messages_for

from .helpers import NOW


def test_the_database_outbox_keeps_messages_per_recipient_in_order(engine):
    with session_scope(engine) as session:
        outbox = DatabaseOutbox(session, NOW)
        outbox.send("email", "a@example.com", "first", "one")
        outbox.send("sms", "+8613800138000", "code", "123456")
        outbox.send("email", "a@example.com", "second", "two")
    with session_scope(engine) as session:
        messages = messages_for(session, "a@example.com")
    assert [(m.subject, m.body) for m in messages] == [("first", "one"), ("second", "two")]
    assert messages[0].created_at == NOW and messages[0].sent_at is None


def test_a_message_is_not_queued_when_its_transaction_rolls_back(engine):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            DatabaseOutbox(session, NOW).send("email", "a@example.com", "subject", "body")
            raise RuntimeError("the change it announced failed")
    with session_scope(engine) as session:
        assert messages_for(session, "a@example.com") == []


def test_unknown_channels_are_refused(engine):
    with session_scope(engine) as session:
        with pytest.raises(ValueError):
            DatabaseOutbox(session, NOW).send("pigeon", "a@example.com", "s", "b")
