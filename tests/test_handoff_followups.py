"""After a handoff, outside a turn: expiry apologies and the customer's rating (no servers needed)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused

from actions.backend import now
from bot.backend.agents import create_agent
from bot.backend.db import default_engine, migrate, session_scope
from bot.backend.handoffs import claim, get_handoff, request_handoff, resolve
from channels import outbound
from channels.agent_console import expire_waiting
from channels.conversations import append_events
from channels.handoff import rating_reply


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'kdpay.db'}"
    monkeypatch.setenv("KDPAY_DATABASE_URL", url)
    default_engine.cache_clear()
    migrate(url)
    yield default_engine()
    default_engine.cache_clear()


class FakeAgent:
    def __init__(self) -> None:
        self.lock_store = InMemoryLockStore()
        self.tracker_store = InMemoryTrackerStore(Domain.empty())


@pytest.fixture
def delivered():
    sent = []

    async def deliver(sender_id, message):
        sent.append((sender_id, message))

    outbound.register("web", deliver)
    yield sent
    outbound.unregister("web")


def test_an_unclaimed_handoff_becomes_a_ticket_with_an_apology_and_the_bot_resumes(database, delivered):
    agent = FakeAgent()
    asyncio.run(append_events(agent, "web-late", [ConversationPaused()]))
    with session_scope(database) as session:
        old = request_handoff(session, "web-late", "web", "en", None, "customer_request", "s", now() - timedelta(hours=1))
        request_handoff(session, "web-new", "web", "zh", None, "customer_request", "s", now())
    assert asyncio.run(expire_waiting(agent)) == [old.handoff_id]
    assert delivered == [("web-late", {"sender": "bot", "text": delivered[0][1]["text"]})]
    assert old.handoff_id in delivered[0][1]["text"] and "Sorry" in delivered[0][1]["text"]
    tracker = asyncio.run(agent.tracker_store.retrieve("web-late"))
    assert not tracker.is_paused() and tracker.latest_bot_utterance.text == delivered[0][1]["text"]
    with session_scope(database) as session:
        assert get_handoff(session, old.handoff_id).status == "expired"
    assert asyncio.run(expire_waiting(agent)) == []  # nothing twice


def test_a_digit_is_a_rating_only_after_a_resolved_handoff(database):
    assert asyncio.run(rating_reply("web-rate", "5")) is None
    with session_scope(database) as session:
        agent = create_agent(session, "mei", "Mei", "correct horse battery", now())
        handoff = request_handoff(session, "web-rate", "web", "zh", None, "customer_request", "s", now())
        claim(session, handoff.handoff_id, agent.agent_id, now())
    assert asyncio.run(rating_reply("web-rate", "5")) is None  # still with the agent
    with session_scope(database) as session:
        resolve(session, handoff.handoff_id, agent.agent_id, now())
    assert asyncio.run(rating_reply("web-rate", "how are you")) is None
    thanks = asyncio.run(rating_reply("web-rate", " 4 "))
    assert thanks and "感谢" in thanks[0]["text"]
    assert asyncio.run(rating_reply("web-rate", "5")) is None  # once only: later digits go to the bot
    with session_scope(database) as session:
        assert get_handoff(session, handoff.handoff_id).rating == 4
