import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.backend.account_locks import lock_account
from bot.backend.audit import events_for
from bot.backend.errors import AccountLocked, NotFound, RateLimited
from bot.backend.models import PasswordResetRequest
from bot.backend.outbox import messages_for
from bot.backend.password_resets import redeem_reset_token, send_reset_link

from .helpers import ALEX, ALEX_EMAIL, LIN, LIN_EMAIL, NOW

LINK = re.compile(r"https://www\.kdpay\.example/reset\?token=([A-Za-z0-9_\-]+)")


def sent_token(session, recipient: str) -> str:
    return LINK.search(messages_for(session, recipient)[-1].body).group(1)


def test_the_link_goes_to_the_registered_email_and_the_reply_shows_it_masked(session):
    assert send_reset_link(session, LIN, NOW) == "l***@example.com"
    message = messages_for(session, LIN_EMAIL)[-1]
    assert message.channel == "email" and "重置" in message.subject
    assert LINK.search(message.body) and "30" in message.body
    assert "reset_link_sent" in [event.kind for event in events_for(session, LIN)]


def test_only_the_tokens_hash_is_stored(session):
    send_reset_link(session, LIN, NOW)
    token = sent_token(session, LIN_EMAIL)
    stored = session.scalars(select(PasswordResetRequest)).one()
    assert stored.token_hash != token and token not in stored.token_hash


def test_a_token_works_once(session):
    send_reset_link(session, ALEX, NOW)
    token = sent_token(session, ALEX_EMAIL)
    assert redeem_reset_token(session, token, NOW + timedelta(minutes=5)) == ALEX
    with pytest.raises(NotFound):
        redeem_reset_token(session, token, NOW + timedelta(minutes=6))
    assert "reset_token_redeemed" in [event.kind for event in events_for(session, ALEX)]


def test_a_token_expires_after_thirty_minutes(session):
    send_reset_link(session, ALEX, NOW)
    token = sent_token(session, ALEX_EMAIL)
    with pytest.raises(NotFound):
        redeem_reset_token(session, token, NOW + timedelta(minutes=30))


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_unknown_tokens_are_not_found(session, token):
    with pytest.raises(NotFound):
        redeem_reset_token(session, token, NOW)


def test_a_fourth_link_within_an_hour_is_refused(session):
    for minute in (0, 10, 20):
        send_reset_link(session, LIN, NOW + timedelta(minutes=minute))
    with pytest.raises(RateLimited) as limited:
        send_reset_link(session, LIN, NOW + timedelta(minutes=30))
    assert limited.value.retry_after_seconds == 30 * 60
    assert len(messages_for(session, LIN_EMAIL)) == 3
    assert send_reset_link(session, LIN, NOW + timedelta(minutes=60, seconds=1)) == "l***@example.com"


def test_the_rate_limit_is_per_customer(session):
    for _ in range(3):
        send_reset_link(session, LIN, NOW)
    assert send_reset_link(session, ALEX, NOW) == "a***@example.com"


def test_the_website_address_is_configurable(session, monkeypatch):
    monkeypatch.setenv("KDPAY_WEB_BASE_URL", "https://kdpay.test/")
    send_reset_link(session, LIN, NOW)
    assert "https://kdpay.test/reset?token=" in messages_for(session, LIN_EMAIL)[-1].body


def test_locked_accounts_get_no_links_and_earlier_links_stop_working(session):
    send_reset_link(session, LIN, NOW)
    token = sent_token(session, LIN_EMAIL)
    lock_account(session, LIN, NOW + timedelta(minutes=1), "suspicious login")
    with pytest.raises(AccountLocked):
        send_reset_link(session, LIN, NOW + timedelta(minutes=2))
    with pytest.raises(AccountLocked):
        redeem_reset_token(session, token, NOW + timedelta(minutes=2))
