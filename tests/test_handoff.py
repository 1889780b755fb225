"""Handing a conversation to a human agent: the action, the queue, and "back to the bot"."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestHandoff, conversation_summary, handoff_reason
from bot.backend.agents import agent_for_session, agents_online, create_agent, start_session
from bot.backend.db import default_engine, migrate, session_scope
from bot.backend.demo_data import seed
from bot.backend.handoffs import open_handoff_for, queue
from actions.backend import now
from channels.handoff import wants_the_bot_back

ALWAYS_OPEN = "mon-sun 00:00-24:00"


@pytest.fixture
def database(tmp_path, monkeypatch):
    """The demo database with one agent at the console (online)."""
    url = f"sqlite:///{tmp_path / 'kdpay.db'}"
    monkeypatch.setenv("KDPAY_DATABASE_URL", url)
    default_engine.cache_clear()
    migrate(url)
    with session_scope(default_engine()) as session:
        seed(session, now())
        agent = create_agent(session, "mei", "Mei", "a long enough password", now())
        agent_for_session(session, start_session(session, agent.agent_id, now()), now())
    yield default_engine()
    default_engine.cache_clear()


def tracker(text="let me talk to a person", events=None, slots=None, sender="web-1"):
    message = {"text": text, "intent": {"name": "human_handoff"}, "entities": [], "metadata": {}}
    events = (events or []) + [{"event": "user", "text": text, "parse_data": message, "input_channel": "web"}]
    return Tracker(sender, {"language": "en", **(slots or {})}, message, events, False, None, {}, "action_listen")


def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRequestHandoff().run(dispatcher, t, {}))
    return events, "\n".join(m["text"] for m in dispatcher.messages)


def test_in_hours_the_customer_is_queued_and_the_bot_pauses(database, monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", ALWAYS_OPEN)
    events, said = run(tracker(slots={"customer_verified": True, "customer_id": "C-1002"}))
    assert [e["event"] for e in events] == ["pause"]
    assert "number 1 in the queue" in said
    second, said = run(tracker(sender="web-2"))
    assert "number 2 in the queue" in said
    with session_scope(database) as session:
        first = open_handoff_for(session, "web-1")
        assert first.customer_id == "C-1002" and first.channel == "web" and first.language == "en"
        assert [h.sender_id for h in queue(session)] == ["web-1", "web-2"]


def test_asking_twice_does_not_queue_twice(database, monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", ALWAYS_OPEN)
    run(tracker())
    run(tracker())
    with session_scope(database) as session:
        assert len(queue(session)) == 1


def test_out_of_hours_leaves_a_ticket_and_stays_with_the_bot(database, monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", "mon 00:00-00:01")
    monkeypatch.setenv("KDPAY_SUPPORT_TIMEZONE", "Pacific/Kiritimati")
    events, said = run(tracker())
    assert events == []
    assert "offline" in said and "HND-" in said
    with session_scope(database) as session:
        assert queue(session) == []


def test_with_no_agent_at_the_console_a_ticket_is_left_and_the_bot_stays(database, monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", ALWAYS_OPEN)
    monkeypatch.setenv("KDPAY_AGENT_PRESENCE_SECONDS", "5")
    from datetime import timedelta
    with session_scope(database) as session:
        assert agents_online(session, now()) == 1
        assert agents_online(session, now() + timedelta(seconds=30)) == 0
    monkeypatch.setattr("actions.handoff.now", lambda: now() + timedelta(seconds=30))
    events, said = run(tracker(sender="web-late"))
    assert events == [] and "no agent is online" in said and "HND-" in said
    with session_scope(database) as session:
        assert queue(session) == []


def test_an_unreachable_database_is_an_apology_not_a_pause(monkeypatch):
    monkeypatch.setenv("KDPAY_DATABASE_URL", "postgresql://kdpay@127.0.0.1:9/kdpay?connect_timeout=2")
    default_engine.cache_clear()
    events, said = run(tracker())
    default_engine.cache_clear()
    assert events == [] and "can't reach our agents" in said


def test_the_summary_shows_intents_and_request_slots_but_no_secrets():
    events = [{"event": "user", "text": "refund", "parse_data": {"intent": {"name": "request_refund"}}}]
    summary = conversation_summary(tracker(events=events, slots={
        "transaction_id": "T20261102-0001", "refusal": "outside_refund_window", "contact": "lin@example.com", "otp_code": "accepted",
    }))
    assert "request_refund > human_handoff" in summary and "T20261102-0001" in summary
    assert "lin@example.com" not in summary and "otp" not in summary


def test_the_reason_comes_from_what_the_bot_did_before():
    after_lock = [{"event": "action", "name": "action_lock_account"}, {"event": "action", "name": "action_listen"}]
    assert handoff_reason(tracker(events=after_lock)) == "account_locked"
    assert handoff_reason(tracker()) == "customer_request"


@pytest.mark.parametrize("text", ["back to the bot", "返回机器人", "我不要人工了", "Return to bot please"])
def test_back_to_the_bot_is_recognised(text):
    assert wants_the_bot_back(text)


@pytest.mark.parametrize("text", ["where is the agent?", "转人工", "hello"])
def test_other_messages_are_for_the_agent(text):
    assert not wants_the_bot_back(text)


def test_over_rest_the_bot_is_silent_while_queued_and_comes_back_on_request(bot):
    me = f"handoff-{uuid.uuid4().hex[:8]}"
    queued = "\n".join(r["text"] for r in bot.say(me, "I want to talk to a human agent"))
    assert "in the queue" in queued  # the test servers' support hours are always open
    assert bot.say(me, "hello? is anyone there") == []
    assert "back with me" in bot.say(me, "back to the bot")[0]["text"]
    assert "Forgot password?" in bot.say(me, "how do I reset my password?")[0]["text"]
