from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.backend.account_locks import lock_account
from bot.backend.audit import events_for
from bot.backend.disputes import DISPUTE_REASONS, dispute_eligibility, open_dispute
from bot.backend.errors import NotEligible, NotFound
from bot.backend.models import Dispute
from bot.backend.outbox import messages_for
from bot.backend.refunds import request_refund

from .helpers import ALEX, LIN, LIN_EMAIL, NOW, WANG, count_rows


@pytest.mark.parametrize(
    "customer, transaction, reason",
    [
        (LIN, "T20261105-0003", "pending"),
        (LIN, "T20261101-0005", "failed"),
        (ALEX, "T20261020-0102", "already_refunded"),
        (WANG, "T20261015-0202", "already_disputed"),  # its earlier dispute was rejected
    ],
)
def test_each_refusal_has_its_reason(session, customer, transaction, reason):
    assert dispute_eligibility(session, customer, transaction).reason_code == reason
    with pytest.raises(NotEligible) as refused:
        open_dispute(session, customer, transaction, "other", "", NOW)
    assert refused.value.reason_code == reason


def test_completed_transactions_can_be_disputed_even_outside_the_refund_window(session):
    assert dispute_eligibility(session, LIN, "T20260903-0002").ok
    assert dispute_eligibility(session, LIN, "T20261028-0004").ok


def test_an_open_refund_must_finish_first(session):
    request_refund(session, LIN, "T20261102-0001", "not_received", "", NOW)
    assert dispute_eligibility(session, LIN, "T20261102-0001").reason_code == "refund_open"


def test_opening_a_dispute_audits_and_tells_the_customer_what_happens_next(session):
    ticket = open_dispute(session, LIN, "T20261102-0001", "unauthorised", "不是我买的", NOW)
    assert ticket.created and ticket.ticket_number == "DSP-000003"  # the demo holds two
    assert (ticket.kind, ticket.status, ticket.transaction_public_id) == ("dispute", "open", "T20261102-0001")
    event = events_for(session, LIN)[-1]
    assert event.kind == "dispute_opened" and event.detail["ticket"] == "DSP-000003"
    notice = messages_for(session, LIN_EMAIL)[-1]
    assert "DSP-000003" in notice.subject and "接下来" in notice.body


def test_the_description_is_plain_text_stripped_and_capped(session):
    text = "  <script>alert(1)</script>\x00 {{ slots }} " + "x" * 3000
    ticket = open_dispute(session, LIN, "T20261102-0001", "other", text, NOW)
    assert ticket.description.startswith("<script>alert(1)</script> {{ slots }} ")
    assert len(ticket.description) == 2000 and "\x00" not in ticket.description


def test_asking_again_returns_the_open_dispute(session):
    first = open_dispute(session, LIN, "T20261102-0001", "unauthorised", "", NOW)
    again = open_dispute(session, LIN, "T20261102-0001", "charged_twice", "", NOW + timedelta(hours=1))
    assert (again.ticket_number, again.created) == (first.ticket_number, False)
    assert dispute_eligibility(session, LIN, "T20261102-0001").open_ticket == first.ticket_number
    open_rows = session.scalars(select(Dispute).where(Dispute.active_key.is_not(None))).all()
    assert len(open_rows) == 2  # this one and the demo's in-review dispute
    assert count_rows(session, Dispute) == 3


def test_someone_elses_transaction_is_not_found(session):
    with pytest.raises(NotFound):
        open_dispute(session, ALEX, "T20261102-0001", "unauthorised", "", NOW)
    with pytest.raises(NotFound):
        dispute_eligibility(session, ALEX, "T20261102-0001")


def test_locked_accounts_can_still_report_fraud(session):
    lock_account(session, LIN, NOW, "card stolen")
    assert open_dispute(session, LIN, "T20261102-0001", "unauthorised", "", NOW).created


def test_dispute_reasons_are_fixed():
    assert DISPUTE_REASONS == ("unauthorised", "not_received", "not_as_described", "charged_twice", "other")
