from datetime import timedelta
from decimal import Decimal

import pytest

from bot.backend.errors import NotFound
from bot.backend.transactions import get_transaction, recent_transactions

from .helpers import ALEX, LIN, NOW


def test_recent_transactions_are_the_customers_own_newest_first(session):
    recent = recent_transactions(session, LIN, limit=3)
    assert [t.public_id for t in recent] == ["T20261105-0003", "T20261102-0001", "T20261101-0005"]
    assert all(t.created_at.tzinfo is not None for t in recent)
    assert len(recent_transactions(session, LIN)) == 5


def test_a_transaction_keeps_exact_amounts_and_utc_times(session):
    transaction = get_transaction(session, LIN, "T20261028-0004")
    assert transaction.amount == Decimal("120.00") and transaction.currency == "USD"
    assert transaction.cross_border and transaction.status == "completed"
    assert transaction.created_at == NOW - timedelta(days=8)
    assert transaction.completed_at == NOW - timedelta(days=8) + timedelta(minutes=1)


def test_ids_are_matched_case_insensitively(session):
    assert get_transaction(session, LIN, " t20261102-0001 ").public_id == "T20261102-0001"


def test_someone_elses_transaction_is_indistinguishable_from_an_unknown_one(session):
    with pytest.raises(NotFound):
        get_transaction(session, ALEX, "T20261102-0001")  # Lin's
    with pytest.raises(NotFound):
        get_transaction(session, ALEX, "T20990101-9999")


def test_an_unknown_customer_is_not_found(session):
    with pytest.raises(NotFound):
        recent_transactions(session, "C-9999")


def test_views_stay_usable_after_the_session_closes(seeded):
    from bot.backend.db import session_scope

    with session_scope(seeded) as db_session:
        transaction = get_transaction(db_session, LIN, "T20261102-0001")
    assert transaction.counterparty == "美团外卖"
