from datetime import timedelta
from decimal import Decimal

from bot.backend.transaction_search import FUTURE_DATE, NO_MATCH, UNUSED_CURRENCY, find_transactions
from bot.backend.transactions import recent_transactions

from .helpers import NOW


def test_finds_by_amount_and_currency(session):
    newest = recent_transactions(session, "C-1001", limit=1)[0]
    found = find_transactions(session, "C-1001", NOW, amount=newest.amount, currency=newest.currency)
    assert newest.public_id in [t.public_id for t in found.matches]
    assert found.problem is None


def test_finds_by_day(session):
    newest = recent_transactions(session, "C-1001", limit=1)[0]
    found = find_transactions(session, "C-1001", NOW, day=newest.created_at.date())
    assert newest.public_id in [t.public_id for t in found.matches]


def test_a_day_in_the_future_is_a_problem_not_a_search(session):
    found = find_transactions(session, "C-1001", NOW, day=NOW.date() + timedelta(days=3))
    assert found == find_transactions(session, "C-1001", NOW, day=NOW.date() + timedelta(days=1))
    assert found.problem == FUTURE_DATE and found.matches == []


def test_a_currency_the_customer_never_used(session):
    assert find_transactions(session, "C-1001", NOW, amount=Decimal("1"), currency="JPY").problem == UNUSED_CURRENCY


def test_no_match_and_never_someone_elses(session):
    alex = recent_transactions(session, "C-1002", limit=1)[0]
    found = find_transactions(session, "C-1001", NOW, amount=Decimal("0.01"), currency="CNY")
    assert found.problem == NO_MATCH
    lin = find_transactions(session, "C-1001", NOW, day=alex.created_at.date())
    assert alex.public_id not in [t.public_id for t in lin.matches]
