"""One open ticket per transaction and kind, enforced by the database itself."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.backend.customers import customer_row
from bot.backend.db import session_scope
from bot.backend.disputes import open_dispute
from bot.backend.errors import NotEligible
from bot.backend.models import Dispute, Refund, Transaction
from bot.backend.refunds import request_refund
from bot.backend.ticket_opening import insert_or_existing_ticket
from bot.backend.tickets import TicketView

from .helpers import LIN, NOW, count_rows, run_concurrently

WORKERS = 4


def only_ticket_views(results: list) -> list:
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def test_simultaneous_refund_requests_create_exactly_one_ticket(seeded):
    results = only_ticket_views(run_concurrently(
        seeded, WORKERS, lambda s: request_refund(s, LIN, "T20261102-0001", "other", "", NOW)
    ))
    assert len({ticket.ticket_number for ticket in results}) == 1
    assert sum(ticket.created for ticket in results) == 1
    with session_scope(seeded) as session:
        assert count_rows(session, Refund) == 2  # the demo's and this one


def test_simultaneous_dispute_requests_create_exactly_one_ticket(seeded):
    results = only_ticket_views(run_concurrently(
        seeded, WORKERS, lambda s: open_dispute(s, LIN, "T20261102-0001", "unauthorised", "", NOW)
    ))
    assert len({ticket.ticket_number for ticket in results}) == 1
    assert sum(ticket.created for ticket in results) == 1
    with session_scope(seeded) as session:
        assert count_rows(session, Dispute) == 3  # the demo's two and this one


def test_a_refund_and_a_dispute_at_once_cannot_both_open(seeded):
    def refund_or_dispute(session, counter=iter(range(WORKERS))):
        if next(counter) % 2:
            return request_refund(session, LIN, "T20261102-0001", "other", "", NOW)
        return open_dispute(session, LIN, "T20261102-0001", "unauthorised", "", NOW)

    results = run_concurrently(seeded, WORKERS, refund_or_dispute)
    opened = {result.ticket_number for result in results if isinstance(result, TicketView)}
    refusals = [result for result in results if isinstance(result, NotEligible)]
    assert len(opened) == 1
    assert len(refusals) + sum(isinstance(result, TicketView) for result in results) == WORKERS


def test_the_loser_of_a_race_rolls_back_its_savepoint_and_gets_the_winners_ticket(session):
    customer = customer_row(session, LIN)
    transaction = session.scalars(select(Transaction).where(Transaction.public_id == "T20261102-0001")).one()
    first = insert_or_existing_ticket(session, Refund, customer, transaction, "other", "", NOW)
    second = insert_or_existing_ticket(session, Refund, customer, transaction, "other", "", NOW)
    assert first.created and not second.created
    assert second.ticket_number == first.ticket_number
    assert count_rows(session, Refund) == 2  # the session is still usable


def test_the_unique_constraint_refuses_a_second_open_ticket(seeded):
    with pytest.raises(IntegrityError):
        with session_scope(seeded) as session:
            customer = customer_row(session, LIN)
            transaction = session.scalars(select(Transaction).where(Transaction.public_id == "T20261102-0001")).one()
            for _ in range(2):
                session.add(Refund(
                    customer_id=customer.id, transaction_id=transaction.id, active_key=transaction.id,
                    status="open", reason="other", description="", created_at=NOW, updated_at=NOW,
                ))
                session.flush()


def test_a_closed_ticket_cannot_keep_its_active_key(seeded):
    with pytest.raises(IntegrityError):
        with session_scope(seeded) as session:
            customer = customer_row(session, LIN)
            transaction = session.scalars(select(Transaction).where(Transaction.public_id == "T20261102-0001")).one()
            session.add(Refund(
                customer_id=customer.id, transaction_id=transaction.id, active_key=transaction.id,
                status="resolved", reason="other", description="", created_at=NOW, updated_at=NOW,
            ))
            session.flush()
