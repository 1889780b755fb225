"""Handoffs to human agents: queue, claims (also concurrent), ownership, expiry, ratings."""
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.backend import agents
from bot.backend.agents import create_agent, set_active
from bot.backend.audit import events_for
from bot.backend.db import session_scope
from bot.backend.errors import (
    AlreadyClaimed, HandoffClosed, NotFound, NotYourConversation, RatingNotAccepted,
)
from bot.backend.handoffs import (
    abandon, assert_agent_owns, awaiting_rating, claim, claimed_by, expire_unclaimed, follow_up_tickets,
    get_handoff, leave_ticket, open_handoff_for, position_in_queue, queue, record_rating, request_handoff,
    resolve, transfer,
)
from bot.backend.models import Handoff

from .helpers import LIN, NOW, count_rows, run_concurrently

MINUTE = timedelta(minutes=1)
PASSWORD = "correct horse battery"
MEI, JUN, KAI = "AGT-000001", "AGT-000002", "AGT-000003"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(agents, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def staffed(seeded):
    """The demo data and three agents: Mei, Jun and Kai."""
    with session_scope(seeded) as session:
        for login, name in (("mei", "Mei Zhang"), ("jun", "Jun Li"), ("kai", "Kai Chen")):
            create_agent(session, login, name, PASSWORD, NOW)
    return seeded


@pytest.fixture
def db(staffed):
    with session_scope(staffed) as session:
        yield session


def ask(session, sender="web-1", minutes=0, customer=None, reason="customer_request", channel="web"):
    return request_handoff(
        session, sender, channel, "zh", customer, reason, "intent: human_handoff", NOW + minutes * MINUTE
    )


def test_a_request_queues_the_conversation_with_its_context(db):
    handoff = ask(db, "tg-42", customer=LIN, reason="refusal_contested", channel="telegram")
    assert handoff.created and handoff.is_open
    assert (handoff.handoff_id, handoff.status, handoff.sender_id, handoff.channel) == (
        "HND-000001", "queued", "tg-42", "telegram")
    assert (handoff.customer_id, handoff.reason, handoff.summary, handoff.agent_id) == (
        LIN, "refusal_contested", "intent: human_handoff", None)
    assert open_handoff_for(db, "tg-42") == get_handoff(db, "hnd-1")
    assert open_handoff_for(db, "someone-else") is None
    assert [event.kind for event in events_for(db, LIN)][-1] == "handoff_requested"


def test_asking_again_returns_the_open_handoff(db):
    first = ask(db)
    again = ask(db, minutes=3, reason="low_confidence")
    assert again.handoff_id == first.handoff_id and not again.created and again.reason == "customer_request"
    claim(db, first.handoff_id, MEI, NOW + 4 * MINUTE)
    assert ask(db, minutes=5).handoff_id == first.handoff_id  # still open while claimed
    resolve(db, first.handoff_id, MEI, NOW + 6 * MINUTE)
    later = ask(db, minutes=7)
    assert later.created and later.handoff_id == "HND-000002"


def test_bad_requests_are_refused(db):
    for bad in (dict(channel="fax"), dict(reason="bored"), dict(sender=""), dict(sender="x" * 256)):
        with pytest.raises(ValueError):
            ask(db, **bad)
    with pytest.raises(ValueError):
        request_handoff(db, "web-1", "web", "fr", None, "customer_request", "", NOW)
    with pytest.raises(NotFound):
        ask(db, customer="C-9999")
    assert count_rows(db, Handoff) == 0


def test_the_summary_is_cleaned_and_capped(db):
    handoff = request_handoff(db, "web-1", "web", "en", None, "low_confidence", "  a\x00b\n" + "c" * 3000, NOW)
    assert handoff.summary.startswith("ab\nc") and len(handoff.summary) == 2000


def test_the_queue_is_first_come_first_served(db):
    third = ask(db, "web-c", minutes=2)
    first = ask(db, "web-a", minutes=0)
    second = ask(db, "web-b", minutes=1)
    same_time = ask(db, "web-d", minutes=2)  # ties go by arrival
    in_order = [first, second, third, same_time]
    assert [h.handoff_id for h in queue(db)] == [h.handoff_id for h in in_order]
    assert [position_in_queue(db, h.handoff_id) for h in (first, second, third, same_time)] == [1, 2, 3, 4]
    claim(db, first.handoff_id, MEI, NOW + 3 * MINUTE)
    assert [h.status for h in queue(db)] == ["queued", "queued", "queued", "claimed"]
    assert position_in_queue(db, first.handoff_id) == 0
    assert position_in_queue(db, second.handoff_id) == 1 and position_in_queue(db, same_time.handoff_id) == 3
    with pytest.raises(NotFound):
        position_in_queue(db, "HND-999999")


def test_a_claim_gives_the_conversation_to_the_agent(db):
    handoff = ask(db, customer=LIN)
    claimed = claim(db, handoff.handoff_id, MEI, NOW + MINUTE)
    assert (claimed.status, claimed.agent_id, claimed.agent_display_name, claimed.claimed_at) == (
        "claimed", MEI, "Mei Zhang", NOW + MINUTE)
    assert claim(db, handoff.handoff_id, MEI, NOW + 2 * MINUTE) == claimed  # a double click
    with pytest.raises(AlreadyClaimed):
        claim(db, handoff.handoff_id, JUN, NOW + 2 * MINUTE)
    assert assert_agent_owns(db, handoff.handoff_id, MEI) == claimed
    assert claimed_by(db, MEI) == [claimed] and claimed_by(db, JUN) == []
    assert "handoff_claimed" in [event.kind for event in events_for(db, LIN)]


def test_closed_unknown_or_inactive_cannot_be_claimed(db):
    handoff = ask(db)
    with pytest.raises(NotFound):
        claim(db, "HND-000099", MEI, NOW)
    with pytest.raises(NotFound):
        claim(db, "not-a-number", MEI, NOW)
    with pytest.raises(NotFound):
        claim(db, handoff.handoff_id, "AGT-000099", NOW)
    set_active(db, KAI, False, NOW)
    with pytest.raises(NotFound):
        claim(db, handoff.handoff_id, KAI, NOW)
    abandon(db, "web-1", NOW + MINUTE)
    with pytest.raises(HandoffClosed):
        claim(db, handoff.handoff_id, MEI, NOW + 2 * MINUTE)


def test_another_agent_cannot_resolve_transfer_or_act(db):
    handoff = ask(db)
    with pytest.raises(NotYourConversation):
        resolve(db, handoff.handoff_id, MEI, NOW)  # nobody has claimed it yet
    claim(db, handoff.handoff_id, MEI, NOW)
    with pytest.raises(NotYourConversation):
        resolve(db, handoff.handoff_id, JUN, NOW)
    with pytest.raises(NotYourConversation):
        transfer(db, handoff.handoff_id, JUN, KAI, NOW)
    with pytest.raises(NotYourConversation):
        assert_agent_owns(db, handoff.handoff_id, JUN)
    assert get_handoff(db, handoff.handoff_id).agent_id == MEI


def test_a_transfer_moves_the_conversation_and_the_right_to_act(db):
    handoff = ask(db, customer=LIN)
    claim(db, handoff.handoff_id, MEI, NOW)
    moved = transfer(db, handoff.handoff_id, MEI, JUN, NOW + MINUTE)
    assert (moved.status, moved.agent_id, moved.agent_display_name) == ("claimed", JUN, "Jun Li")
    with pytest.raises(NotYourConversation):
        resolve(db, handoff.handoff_id, MEI, NOW + 2 * MINUTE)
    with pytest.raises(NotYourConversation):
        transfer(db, handoff.handoff_id, MEI, KAI, NOW + 2 * MINUTE)
    set_active(db, KAI, False, NOW)
    with pytest.raises(NotFound):
        transfer(db, handoff.handoff_id, JUN, KAI, NOW + 2 * MINUTE)
    assert assert_agent_owns(db, handoff.handoff_id, JUN).agent_id == JUN
    detail = [event.detail for event in events_for(db, LIN) if event.kind == "handoff_transferred"]
    assert detail == [{"handoff": handoff.handoff_id, "from_agent": MEI, "to_agent": JUN}]


def test_resolving_returns_the_conversation_to_the_bot(db):
    handoff = ask(db)
    claim(db, handoff.handoff_id, MEI, NOW)
    resolved = resolve(db, handoff.handoff_id, MEI, NOW + 5 * MINUTE)
    assert (resolved.status, resolved.resolved_at, resolved.is_open) == ("resolved", NOW + 5 * MINUTE, False)
    assert open_handoff_for(db, "web-1") is None and queue(db) == []
    assert resolve(db, handoff.handoff_id, MEI, NOW + 6 * MINUTE).resolved_at == NOW + 5 * MINUTE
    with pytest.raises(HandoffClosed):
        resolve(db, handoff.handoff_id, JUN, NOW)
    with pytest.raises(HandoffClosed):
        transfer(db, handoff.handoff_id, MEI, JUN, NOW)
    with pytest.raises(NotYourConversation):
        assert_agent_owns(db, handoff.handoff_id, MEI)


def test_a_rating_is_taken_once_after_resolve(db):
    handoff = ask(db, customer=LIN)
    with pytest.raises(RatingNotAccepted):
        record_rating(db, handoff.handoff_id, 5, NOW)
    claim(db, handoff.handoff_id, MEI, NOW)
    with pytest.raises(RatingNotAccepted):
        record_rating(db, handoff.handoff_id, 5, NOW)
    assert awaiting_rating(db, "web-1") is None
    resolve(db, handoff.handoff_id, MEI, NOW + MINUTE)
    assert awaiting_rating(db, "web-1").handoff_id == handoff.handoff_id
    for bad in (0, 6, 4.5, True, "5", None):
        with pytest.raises(ValueError):
            record_rating(db, handoff.handoff_id, bad, NOW)
    assert record_rating(db, handoff.handoff_id, 4, NOW + 2 * MINUTE).rating == 4
    with pytest.raises(RatingNotAccepted):
        record_rating(db, handoff.handoff_id, 1, NOW + 3 * MINUTE)
    assert get_handoff(db, handoff.handoff_id).rating == 4 and awaiting_rating(db, "web-1") is None
    assert "handoff_rated" in [event.kind for event in events_for(db, LIN)]


def test_going_back_to_the_bot_leaves_the_queue(db):
    assert abandon(db, "web-1", NOW) is None
    waiting = ask(db, "web-1")
    behind = ask(db, "web-2", minutes=1)
    gone = abandon(db, "web-1", NOW + 2 * MINUTE)
    assert (gone.handoff_id, gone.status, gone.closed_at) == (waiting.handoff_id, "abandoned", NOW + 2 * MINUTE)
    assert position_in_queue(db, behind.handoff_id) == 1 and open_handoff_for(db, "web-1") is None
    claim(db, behind.handoff_id, MEI, NOW + 3 * MINUTE)
    assert abandon(db, "web-2", NOW + 4 * MINUTE).agent_id == MEI  # so Mei can be told
    with pytest.raises(HandoffClosed):
        resolve(db, behind.handoff_id, MEI, NOW + 5 * MINUTE)


def test_unclaimed_handoffs_expire_into_tickets_and_are_never_dropped(db):
    old = ask(db, "web-old", minutes=0, customer=LIN)
    claimed = ask(db, "web-claimed", minutes=0)
    fresh = ask(db, "web-fresh", minutes=5)
    claim(db, claimed.handoff_id, MEI, NOW + MINUTE)
    assert expire_unclaimed(db, NOW + 10 * MINUTE, timedelta(minutes=10)) == []  # exactly the wait: not yet
    expired = expire_unclaimed(db, NOW + 11 * MINUTE, timedelta(minutes=10))
    assert [(h.handoff_id, h.status, h.ticket_number) for h in expired] == [(old.handoff_id, "expired", old.handoff_id)]
    assert expire_unclaimed(db, NOW + 11 * MINUTE, timedelta(minutes=10)) == []
    assert [h.handoff_id for h in queue(db)] == [fresh.handoff_id, claimed.handoff_id]
    assert [h.handoff_id for h in follow_up_tickets(db)] == [old.handoff_id]
    assert open_handoff_for(db, "web-old") is None and ask(db, "web-old", minutes=12).created
    with pytest.raises(HandoffClosed):
        claim(db, old.handoff_id, MEI, NOW + 12 * MINUTE)
    assert "handoff_expired" in [event.kind for event in events_for(db, LIN)]


def test_the_maximum_wait_comes_from_the_settings(db, monkeypatch):
    ask(db)
    monkeypatch.setenv("KDPAY_HANDOFF_MAX_WAIT_MINUTES", "3")
    assert expire_unclaimed(db, NOW + 3 * MINUTE) == []
    assert len(expire_unclaimed(db, NOW + 4 * MINUTE)) == 1
    monkeypatch.delenv("KDPAY_HANDOFF_MAX_WAIT_MINUTES")
    ask(db, "web-2", minutes=10)
    assert expire_unclaimed(db, NOW + 20 * MINUTE) == []
    assert len(expire_unclaimed(db, NOW + 21 * MINUTE)) == 1


def test_out_of_hours_a_ticket_is_left_for_the_next_agent(db):
    handoff = ask(db)
    ticket = leave_ticket(db, handoff.handoff_id, NOW)
    assert (ticket.status, ticket.ticket_number, ticket.is_open) == ("expired", handoff.handoff_id, False)
    with pytest.raises(HandoffClosed):
        leave_ticket(db, handoff.handoff_id, NOW)
    with pytest.raises(NotFound):
        leave_ticket(db, "HND-000042", NOW)


def test_the_database_refuses_a_second_open_handoff_for_a_conversation(staffed):
    with pytest.raises(IntegrityError):
        with session_scope(staffed) as session:
            for _ in range(2):
                session.add(Handoff(sender_id="web-1", active_key="web-1", channel="web", language="en",
                                    reason="customer_request", summary="", status="queued", queued_at=NOW))
                session.flush()


def test_the_database_refuses_a_rating_before_resolve(staffed):
    with pytest.raises(IntegrityError):
        with session_scope(staffed) as session:
            session.add(Handoff(sender_id="web-1", active_key="web-1", channel="web", language="en",
                                reason="customer_request", summary="", status="queued", queued_at=NOW, rating=5))
            session.flush()


WORKERS = 4


def test_exactly_one_of_simultaneous_claims_wins(staffed):
    with session_scope(staffed) as session:
        create_agent(session, "lan", "Lan Wu", PASSWORD, NOW)
        handoff = ask(session)
    agent_ids = iter([MEI, JUN, KAI, "AGT-000004"])
    results = run_concurrently(staffed, WORKERS, lambda s: claim(s, handoff.handoff_id, next(agent_ids), NOW))
    winners = [result for result in results if not isinstance(result, Exception)]
    losers = [result for result in results if isinstance(result, Exception)]
    assert len(winners) == 1 and len(losers) == WORKERS - 1
    assert all(isinstance(loser, AlreadyClaimed) for loser in losers), losers
    with session_scope(staffed) as session:
        assert get_handoff(session, handoff.handoff_id).agent_id == winners[0].agent_id


def test_simultaneous_requests_queue_the_conversation_once(staffed):
    results = run_concurrently(staffed, WORKERS, lambda s: ask(s, "tg-7", channel="telegram"))
    assert not [result for result in results if isinstance(result, Exception)], results
    assert len({result.handoff_id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    with session_scope(staffed) as session:
        assert count_rows(session, Handoff) == 1


def test_a_claim_racing_an_expiry_has_one_outcome(staffed):
    with session_scope(staffed) as session:
        handoff = ask(session)

    def claim_or_expire(session, turn=iter(range(WORKERS))):
        if next(turn) % 2:
            return claim(session, handoff.handoff_id, MEI, NOW + 20 * MINUTE)
        return expire_unclaimed(session, NOW + 20 * MINUTE, timedelta(minutes=10))

    run_concurrently(staffed, WORKERS, claim_or_expire)
    with session_scope(staffed) as session:
        final = get_handoff(session, handoff.handoff_id)
        assert (final.status, final.ticket_number is None, final.agent_id is None) in (
            ("claimed", True, False), ("expired", False, True))
        assert session.scalar(select(Handoff.active_key)) == ("web-1" if final.status == "claimed" else None)
