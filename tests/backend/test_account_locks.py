from datetime import timedelta

from bot.backend.account_locks import is_account_locked, lock_account, unlock_account
from bot.backend.audit import events_for
from bot.backend.customers import get_customer
from bot.backend.outbox import messages_for

from .helpers import ALEX, ALEX_EMAIL, LIN, NOW


def test_locking_marks_the_account_audits_and_notifies(session):
    lock_account(session, ALEX, NOW, "I lost my phone +14155550100")
    customer = get_customer(session, ALEX)
    assert customer.locked and customer.locked_at == NOW
    event = events_for(session, ALEX)[-1]
    assert event.kind == "account_locked" and event.created_at == NOW
    assert "+14155550100" not in event.detail["reason"] and "0100" in event.detail["reason"]
    notice = messages_for(session, ALEX_EMAIL)[-1]
    assert "locked" in notice.subject and "verify your identity" in notice.body


def test_locking_twice_changes_nothing(session):
    lock_account(session, ALEX, NOW, "first")
    lock_account(session, ALEX, NOW + timedelta(hours=1), "second")
    assert get_customer(session, ALEX).locked_at == NOW
    assert [event.kind for event in events_for(session, ALEX)] == ["account_locked"]
    assert len(messages_for(session, ALEX_EMAIL)) == 1


def test_support_unlocks_after_verifying_identity(session):
    lock_account(session, LIN, NOW, "lost phone")
    unlock_account(session, LIN, NOW + timedelta(days=1), verified_by="agent-7")
    assert not is_account_locked(session, LIN) and get_customer(session, LIN).locked_at is None
    assert [event.kind for event in events_for(session, LIN)] == ["account_locked", "account_unlocked"]
