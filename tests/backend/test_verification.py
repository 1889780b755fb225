from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.backend.audit import events_for
from bot.backend.errors import VerificationLocked
from bot.backend.models import VerificationCode
from bot.backend.outbox import messages_for
from bot.backend.verification import check_code, start_verification

from .helpers import LIN, LIN_EMAIL, LIN_PHONE, NOW, count_rows, newest_code

MINUTE = timedelta(minutes=1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_right_code_identifies_the_customer(session):
    start_verification(session, "  LIN@Example.com ", NOW)
    message = messages_for(session, LIN_EMAIL)[-1]
    assert message.channel == "email"
    assert check_code(session, LIN_EMAIL, newest_code(session, LIN_EMAIL), NOW + MINUTE) == LIN


def test_a_phone_gets_its_code_by_sms_and_formatting_does_not_matter(session):
    start_verification(session, "+86 138-0013-8000", NOW)
    message = messages_for(session, LIN_PHONE)[-1]
    assert message.channel == "sms" and "10" in message.body
    assert check_code(session, "+8613800138000", newest_code(session, LIN_PHONE), NOW) == LIN


def test_a_wrong_code_is_refused(session):
    start_verification(session, LIN_EMAIL, NOW)
    assert check_code(session, LIN_EMAIL, wrong_code(newest_code(session, LIN_EMAIL)), NOW) is None


def test_a_code_works_only_once(session):
    start_verification(session, LIN_EMAIL, NOW)
    code = newest_code(session, LIN_EMAIL)
    assert check_code(session, LIN_EMAIL, code, NOW) == LIN
    assert check_code(session, LIN_EMAIL, code, NOW) is None


def test_a_code_expires_after_ten_minutes(session):
    start_verification(session, LIN_EMAIL, NOW)
    code = newest_code(session, LIN_EMAIL)
    assert check_code(session, LIN_EMAIL, code, NOW + 10 * MINUTE) is None
    start_verification(session, LIN_EMAIL, NOW)
    code = newest_code(session, LIN_EMAIL)
    assert check_code(session, LIN_EMAIL, code, NOW + 10 * MINUTE - timedelta(seconds=1)) == LIN


def test_only_the_newest_code_counts(session):
    start_verification(session, LIN_EMAIL, NOW)
    first = newest_code(session, LIN_EMAIL)
    start_verification(session, LIN_EMAIL, NOW + MINUTE)
    second = newest_code(session, LIN_EMAIL)
    if first != second:
        assert check_code(session, LIN_EMAIL, first, NOW + MINUTE) is None
    assert check_code(session, LIN_EMAIL, second, NOW + MINUTE) == LIN


def test_five_wrong_codes_lock_the_contact_for_fifteen_minutes(session):
    start_verification(session, LIN_EMAIL, NOW)
    code = newest_code(session, LIN_EMAIL)
    for attempt in range(5):
        assert check_code(session, LIN_EMAIL, wrong_code(code), NOW + attempt * timedelta(seconds=10)) is None
    locked_at = NOW + 4 * timedelta(seconds=10)
    with pytest.raises(VerificationLocked) as locked:
        check_code(session, LIN_EMAIL, code, NOW + MINUTE)  # even the right code
    assert locked.value.until == locked_at + 15 * MINUTE
    with pytest.raises(VerificationLocked):
        check_code(session, LIN_EMAIL, code, locked_at + 15 * MINUTE - timedelta(seconds=1))
    assert "verification_locked" in [event.kind for event in events_for(session, LIN)]

    start_verification(session, LIN_EMAIL, locked_at + 15 * MINUTE)
    fresh = newest_code(session, LIN_EMAIL)
    assert check_code(session, LIN_EMAIL, fresh, locked_at + 15 * MINUTE) == LIN


def test_no_code_is_sent_while_the_contact_is_locked(session):
    for _ in range(5):
        check_code(session, LIN_EMAIL, "000000", NOW)
    before = len(messages_for(session, LIN_EMAIL))
    start_verification(session, LIN_EMAIL, NOW + MINUTE)
    assert len(messages_for(session, LIN_EMAIL)) == before


def test_a_right_code_resets_the_wrong_code_count(session):
    start_verification(session, LIN_EMAIL, NOW)
    code = newest_code(session, LIN_EMAIL)
    for _ in range(4):
        check_code(session, LIN_EMAIL, wrong_code(code), NOW)
    assert check_code(session, LIN_EMAIL, code, NOW) == LIN
    for _ in range(4):
        assert check_code(session, LIN_EMAIL, "000000", NOW) is None
    assert check_code(session, LIN_EMAIL, "000000", NOW) is None  # fifth: locks, still None


def test_the_lock_does_not_spread_to_the_customers_other_contact(session):
    for _ in range(5):
        check_code(session, LIN_EMAIL, "000000", NOW)
    start_verification(session, LIN_PHONE, NOW)
    assert check_code(session, LIN_PHONE, newest_code(session, LIN_PHONE), NOW) == LIN


def observable_outcomes(session, contact: str) -> list:
    """What a caller who does not know the code can observe about a contact."""
    outcomes = [start_verification(session, contact, NOW)]
    for attempt in range(6):
        try:
            outcomes.append(check_code(session, contact, "123456", NOW + attempt * MINUTE))
        except VerificationLocked as locked:
            outcomes.append(("locked", locked.until))
    return outcomes


@pytest.mark.parametrize("unregistered", ["nobody@example.com", "+8613999999999", "not a contact"])
def test_unregistered_contacts_look_exactly_like_registered_ones(session, unregistered):
    registered = observable_outcomes(session, "alex@example.com")
    assert observable_outcomes(session, unregistered) == registered
    assert registered[-1] == ("locked", NOW + 4 * MINUTE + 15 * MINUTE)


def test_unregistered_contacts_get_no_message_and_no_stored_code(session):
    codes_before = count_rows(session, VerificationCode)
    start_verification(session, "nobody@example.com", NOW)
    assert messages_for(session, "nobody@example.com") == []
    assert count_rows(session, VerificationCode) == codes_before


def test_codes_are_stored_only_as_hashes(session):
    start_verification(session, LIN_EMAIL, NOW)
    code = newest_code(session, LIN_EMAIL)
    stored = session.scalars(select(VerificationCode)).one()
    assert code not in stored.code_hash and LIN_EMAIL not in stored.contact_hash
    assert len(stored.code_hash) == 64
