from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.backend.account_locks import lock_account
from bot.backend.audit import events_for
from bot.backend.disputes import open_dispute
from bot.backend.errors import AccountLocked, NotEligible, NotFound
from bot.backend.models import Refund, Transaction
from bot.backend.outbox import messages_for
from bot.backend.refunds import refund_eligibility, request_refund
from bot.backend.tickets import set_ticket_status
from bot.backend.transaction_rules import status_refusal

from .helpers import ALEX, ALEX_EMAIL, LIN, LIN_EMAIL, NOW, WANG, count_rows


@pytest.mark.parametrize(
    "customer, transaction, reason",
    [
        (LIN, "T20261105-0003", "pending"),
        (LIN, "T20261101-0005", "failed"),
        (ALEX, "T20261020-0102", "already_refunded"),
        (ALEX, "T20261030-0103", "already_disputed"),
        (LIN, "T20260903-0002", "outside_refund_window"),
    ],
)
def test_each_refusal_has_its_reason(session, customer, transaction, reason):
    assert refund_eligibility(session, customer, transaction, NOW).reason_code == reason
    with pytest.raises(NotEligible) as refused:
        request_refund(session, customer, transaction, "other", "", NOW)
    assert refused.value.reason_code == reason


def test_any_other_status_is_not_completed():
    assert status_refusal(Transaction(status="reversed")) == "not_completed"
    assert status_refusal(Transaction(status="completed")) is None


def test_a_recent_completed_transaction_is_refundable(session):
    eligibility = refund_eligibility(session, LIN, "T20261102-0001", NOW)
    assert eligibility.ok and eligibility.reason_code is None and eligibility.open_ticket is None


def test_the_window_counts_from_completion(session):
    completed_at = session.scalar(select(Transaction.completed_at).where(Transaction.public_id == "T20261102-0001"))
    last_moment = completed_at + timedelta(days=30)
    assert refund_eligibility(session, LIN, "T20261102-0001", last_moment).ok
    late = refund_eligibility(session, LIN, "T20261102-0001", last_moment + timedelta(seconds=1))
    assert late.reason_code == "outside_refund_window"


def test_the_window_is_configurable(session, monkeypatch):
    monkeypatch.setenv("KDPAY_REFUND_WINDOW_DAYS", "90")
    assert refund_eligibility(session, LIN, "T20260903-0002", NOW).ok
    monkeypatch.setenv("KDPAY_REFUND_WINDOW_DAYS", "2")
    assert refund_eligibility(session, LIN, "T20261102-0001", NOW).reason_code == "outside_refund_window"


def test_a_refund_request_opens_a_ticket_audits_and_tells_the_customer(session):
    ticket = request_refund(session, ALEX, "T20261103-0101", "not_received", "  Never came.  ", NOW)
    assert ticket.created and ticket.ticket_number == "RFD-000002"  # the demo holds RFD-000001
    assert (ticket.kind, ticket.status, ticket.reason, ticket.description) == ("refund", "open", "not_received", "Never came.")
    assert "refund_requested" in [event.kind for event in events_for(session, ALEX)]
    notice = messages_for(session, ALEX_EMAIL)[-1]
    assert notice.channel == "email" and "RFD-000002" in notice.subject
    assert "What happens next" in notice.body and "T20261103-0101" in notice.body


def test_chinese_customers_are_told_in_chinese(session):
    ticket = request_refund(session, LIN, "T20261102-0001", "cancelled_order", "", NOW)
    notice = messages_for(session, LIN_EMAIL)[-1]
    assert "退款申请已提交" in notice.subject and ticket.ticket_number in notice.body


def test_asking_again_returns_the_open_ticket(session):
    first = request_refund(session, LIN, "T20261102-0001", "cancelled_order", "", NOW)
    again = request_refund(session, LIN, "T20261102-0001", "other", "again", NOW + timedelta(minutes=1))
    assert again.ticket_number == first.ticket_number and not again.created
    assert refund_eligibility(session, LIN, "T20261102-0001", NOW).open_ticket == first.ticket_number
    assert count_rows(session, Refund) == 2  # the demo's resolved one and this one
    assert len(messages_for(session, LIN_EMAIL)) == 1
    assert [event.kind for event in events_for(session, LIN)].count("refund_requested") == 1


def test_a_rejected_refund_frees_the_transaction_and_a_resolved_one_refunds_it(session):
    first = request_refund(session, LIN, "T20261102-0001", "cancelled_order", "", NOW)
    set_ticket_status(session, first.ticket_number, "rejected", NOW + timedelta(days=1))
    second = request_refund(session, LIN, "T20261102-0001", "cancelled_order", "", NOW + timedelta(days=2))
    assert second.created and second.ticket_number != first.ticket_number
    set_ticket_status(session, second.ticket_number, "resolved", NOW + timedelta(days=3))
    assert refund_eligibility(session, LIN, "T20261102-0001", NOW).reason_code == "already_refunded"


def test_an_open_dispute_blocks_a_refund(session):
    open_dispute(session, WANG, "T20261029-0201", "charged_twice", "", NOW)
    assert refund_eligibility(session, WANG, "T20261029-0201", NOW).reason_code == "already_disputed"


def test_someone_elses_transaction_is_not_found(session):
    with pytest.raises(NotFound):
        refund_eligibility(session, ALEX, "T20261102-0001", NOW)
    with pytest.raises(NotFound):
        request_refund(session, ALEX, "T20261102-0001", "other", "", NOW)


def test_locked_accounts_cannot_request_refunds(session):
    lock_account(session, LIN, NOW, "lost phone")
    with pytest.raises(AccountLocked):
        request_refund(session, LIN, "T20261102-0001", "other", "", NOW)


def test_unknown_reasons_are_a_programming_error(session):
    with pytest.raises(ValueError):
        request_refund(session, LIN, "T20261102-0001", "because", "", NOW)
