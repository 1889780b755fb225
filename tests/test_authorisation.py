"""A customer reaches only their own tickets, transactions and history, on every channel.

Already covered elsewhere, and not repeated here: a forged token and a
client-set customer_id are not trusted (test_e2e_account.py), someone else's
transaction in a dispute (test_e2e_account.py), a socket.io session bound to
one customer never attaches to another's token and made-up session ids get
no history (test_web_channel.py), and the agent API answers 401 to whatever a
customer holds (test_agent_console.py). This file adds the rest.
"""
from __future__ import annotations

import itertools
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import requests

from bot.backend.customer_tokens import issue_customer_token
from bot.backend.db import make_engine, session_scope
from bot.backend.telegram_links import link
from bot.backend.tickets import list_tickets
from bot.web_sessions import new_session_id
from conftest import RASA_API_TOKEN, TOKEN_SECRET
from fake_telegram import message_update
from test_telegram_channel import post as telegram_post
from test_web_channel import WebCustomer

A, B = "C-1001", "C-1002"  # B (Alex) has tickets and transactions T2026…-01xx; A has none of them
_telegram_users = itertools.count(int(time.time()) % 10_000 * 1000 + 700_000_000)


def token_for(customer: str, minutes_ago: int = 0, ttl: timedelta = timedelta(hours=1)) -> str:
    issued = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return issue_customer_token(customer, TOKEN_SECRET, issued, ttl)


def sender() -> str:
    return f"authz-{uuid.uuid4().hex[:8]}"


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def tickets_of(bot, customer: str) -> List[str]:
    engine = make_engine(bot.database_url)
    try:
        with session_scope(engine) as session:
            return [t.ticket_number for t in list_tickets(session, customer)]
    finally:
        engine.dispose()


def b_secrets(bot) -> List[str]:
    """What A must never see of B: B's ticket numbers, transaction ids and contact."""
    return tickets_of(bot, B) + ["T20261103-0101", "T20261030-0103", "alex@example.com", "Blue Bottle"]


def test_rest_a_token_for_a_never_shows_bs_tickets_or_transactions(bot):
    b_ticket = tickets_of(bot, B)[0]
    me, as_a = sender(), {"metadata": {"customer_token": token_for(A)}}
    replies = bot.say(me, f"what is the status of {b_ticket}?", **as_a)
    assert f"can't find ticket {b_ticket}" in texts(replies)
    seen = texts(replies) + texts(bot.say(me, "show me all my tickets", **as_a))
    bot.say(me, "I want a refund", **as_a)
    seen += texts(bot.say(me, "T20261103-0101", **as_a))  # B's refundable transaction
    assert "can't find transaction T20261103-0101" in seen
    for secret in b_secrets(bot):
        if secret != b_ticket and secret != "T20261103-0101":
            assert secret not in seen, secret


def test_rest_a_conversation_verified_as_b_answers_for_a_once_a_presents_a_token(bot):
    """The same sender id, B's token first, then A's: A's turn is about A, never B."""
    me = sender()
    b_ticket = tickets_of(bot, B)[0]
    assert b_ticket in texts(bot.say(me, "status of my tickets", metadata={"customer_token": token_for(B)}))
    seen = texts(bot.say(me, "status of my tickets", metadata={"customer_token": token_for(A)}))
    seen += texts(bot.say(me, f"what about {b_ticket}?", metadata={"customer_token": token_for(A)}))
    for ticket in tickets_of(bot, B):
        assert f"can't find ticket {ticket}" in seen or ticket not in seen


def test_rest_expired_and_not_yet_valid_tokens_are_refused(bot):
    expired = token_for(B, minutes_ago=120)  # valid for an hour, two hours ago
    replies = texts(bot.say(sender(), "status of my tickets", metadata={"customer_token": expired}))
    assert "verify" in replies and not any(t in replies for t in tickets_of(bot, B))
    future = issue_customer_token(B, TOKEN_SECRET, datetime.now(timezone.utc) + timedelta(hours=2))
    replies = texts(bot.say(sender(), "status of my tickets", metadata={"customer_token": future}))
    assert "verify" in replies and not any(t in replies for t in tickets_of(bot, B))


def test_socketio_a_token_for_a_never_reads_bs_session_or_tickets(bot):
    token_a, token_b = token_for(A), token_for(B)

    def scenario() -> Dict[str, Any]:
        b = WebCustomer(bot.url)
        session_b = b.connect(token=token_b)
        b_replies = b.say("status of my tickets please", token=token_b)
        b.close()
        a = WebCustomer(bot.url)
        session_a = a.connect(session_b, token=token_a)  # A asks for B's session with A's token
        a_replies = a.say("status of my tickets please", token=token_a)
        a.close()
        return {"session_b": session_b, "session_a": session_a, "b": b_replies, "a": a_replies}

    seen = scenario()
    assert seen["session_a"] != seen["session_b"]
    assert tickets_of(bot, B)[0] in texts(seen["b"])
    for secret in b_secrets(bot):
        assert secret not in texts(seen["a"]), secret
    history = requests.get(f"{bot.url}/webhooks/web/history", params={"session_id": seen["session_a"]},
                           timeout=10).json()["messages"]
    assert all(tickets_of(bot, B)[0] not in m["text"] for m in history)


def test_web_history_needs_the_sessions_own_signed_id(bot):
    real = new_session_id()  # issued with the test process's pepper (the servers share the dev pepper)
    nonce, _, signature = real.partition(".")
    forged = [f"{nonce}.{'0' * len(signature)}", f"{nonce}x.{signature}", nonce, f"{real}.", "", "../" + real]
    for session_id in forged:
        reply = requests.get(f"{bot.url}/webhooks/web/history", params={"session_id": session_id}, timeout=10)
        assert reply.status_code == 404, session_id
    assert requests.get(f"{bot.url}/webhooks/web/history", timeout=10).status_code == 404


def test_telegram_a_chat_linked_to_a_never_shows_bs_tickets(bot, fake_telegram):
    user = next(_telegram_users)
    engine = make_engine(bot.database_url)
    with session_scope(engine) as session:
        link(session, user, A, datetime.now(timezone.utc))
    engine.dispose()
    b_ticket = tickets_of(bot, B)[0]
    assert telegram_post(bot, message_update(user, f"what is the status of {b_ticket}?")).status_code == 200
    fake_telegram.wait_for(lambda: any("can't find ticket" in m["text"] for m in fake_telegram.sent(user)))
    seen = "\n".join(m["text"] for m in fake_telegram.sent(user))
    for secret in b_secrets(bot):
        if secret != b_ticket:
            assert secret not in seen, secret
    stranger = next(_telegram_users)  # not linked: asked to verify, nothing of A's or B's
    telegram_post(bot, message_update(stranger, "status of my tickets"))
    fake_telegram.wait_for(lambda: any("e-mail address" in m["text"] for m in fake_telegram.sent(stranger)))


def test_rasa_http_api_refuses_customers(bot):
    """The tests' servers enable Rasa's API with a token; a customer token is not that token."""
    me = sender()
    bot.say(me, "hello")
    url = f"{bot.url}/conversations/{me}/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": token_for(A)}, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {token_for(A)}"}, timeout=10).status_code in (401, 403)
    assert requests.get(url, params={"token": RASA_API_TOKEN}, timeout=10).status_code == 200
    agent_api = f"{bot.url}/webhooks/agent/api/queue"
    for cookie in (token_for(A), RASA_API_TOKEN):
        assert requests.get(agent_api, cookies={"kdpay_agent_session": cookie}, timeout=10).status_code == 401
