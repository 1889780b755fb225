from datetime import timedelta

import pytest

from bot.backend.disputes import open_dispute
from bot.backend.errors import NotFound
from bot.backend.refunds import request_refund
from bot.backend.tickets import get_ticket, list_tickets, set_ticket_status

from .helpers import ALEX, LIN, NOW


def test_tickets_list_open_ones_first_then_newest_first(session):
    request_refund(session, ALEX, "T20261103-0101", "not_received", "", NOW)
    tickets = list_tickets(session, ALEX)
    assert [(t.ticket_number, t.status) for t in tickets] == [
        ("RFD-000002", "open"),
        ("DSP-000001", "in_review"),
        ("RFD-000001", "resolved"),
    ]
    assert tickets[0].updated_at == NOW


def test_a_customer_reads_their_own_ticket_in_any_spelling(session):
    assert get_ticket(session, ALEX, "dsp-000001").transaction_public_id == "T20261030-0103"
    assert get_ticket(session, ALEX, " DSP000001 ").ticket_number == "DSP-000001"


@pytest.mark.parametrize("number", ["DSP-000001", "DSP-999999", "XYZ-000001", "", "DSP-"])
def test_other_customers_and_unknown_tickets_are_not_found(session, number):
    with pytest.raises(NotFound):
        get_ticket(session, LIN, number)


def test_status_changes_show_up_with_their_time(session):
    ticket = open_dispute(session, LIN, "T20261102-0001", "not_received", "", NOW)
    set_ticket_status(session, ticket.ticket_number, "in_review", NOW + timedelta(days=1))
    updated = get_ticket(session, LIN, ticket.ticket_number)
    assert updated.status == "in_review" and updated.updated_at == NOW + timedelta(days=1)
    assert updated.created_at == NOW


def test_unknown_statuses_are_refused(session):
    with pytest.raises(ValueError):
        set_ticket_status(session, "DSP-000001", "closed", NOW)
