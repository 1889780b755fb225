from datetime import timedelta

import pytest

from bot.backend.audit import events_for
from bot.backend.errors import NotFound
from bot.backend.telegram_links import link, linked_customer, unlink

from .helpers import ALEX, LIN, NOW

TELEGRAM_USER = 7_000_000_001  # beyond 32 bits: Telegram ids need a BigInteger


def test_a_linked_user_is_remembered_until_unlinked(session):
    assert linked_customer(session, TELEGRAM_USER) is None
    link(session, TELEGRAM_USER, ALEX, NOW)
    assert linked_customer(session, TELEGRAM_USER) == ALEX
    assert unlink(session, TELEGRAM_USER, NOW) is True
    assert linked_customer(session, TELEGRAM_USER) is None
    assert unlink(session, TELEGRAM_USER, NOW) is False
    assert [event.kind for event in events_for(session, ALEX)] == ["telegram_linked", "telegram_unlinked"]


def test_linking_again_is_idempotent_and_another_customer_moves_the_link(session):
    link(session, TELEGRAM_USER, ALEX, NOW)
    link(session, TELEGRAM_USER, ALEX, NOW + timedelta(minutes=1))
    assert [event.kind for event in events_for(session, ALEX)] == ["telegram_linked"]
    link(session, TELEGRAM_USER, LIN, NOW + timedelta(minutes=2))
    assert linked_customer(session, TELEGRAM_USER) == LIN


def test_one_customer_may_use_several_telegram_accounts(session):
    link(session, TELEGRAM_USER, ALEX, NOW)
    link(session, TELEGRAM_USER + 1, ALEX, NOW)
    assert linked_customer(session, TELEGRAM_USER) == linked_customer(session, TELEGRAM_USER + 1) == ALEX


def test_an_unknown_customer_cannot_be_linked(session):
    with pytest.raises(NotFound):
        link(session, TELEGRAM_USER, "C-9999", NOW)
    assert linked_customer(session, TELEGRAM_USER) is None
