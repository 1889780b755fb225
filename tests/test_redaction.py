"""Card numbers and one-time codes never reach the tracker (read whole over Rasa's HTTP API)."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any, Dict, List

import requests

from bot.backend.db import make_engine, session_scope
from bot.backend.outbox import messages_for
from bot.backend.verification import code_digest
from bot.sensitive import CODE_DIGEST_KEY, CODE_PLACEHOLDER
from channels.history import CODE_SHOWN, visible_messages
from conftest import RASA_API_TOKEN

CONTACT = "alex@example.com"


def sender() -> str:
    return f"redact-{uuid.uuid4().hex[:8]}"


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def tracker(bot, sender_id: str) -> Dict[str, Any]:
    reply = requests.get(f"{bot.url}/conversations/{sender_id}/tracker",
                         params={"token": RASA_API_TOKEN, "include_events": "ALL"}, timeout=30)
    reply.raise_for_status()
    return reply.json()


def latest_code(bot, address: str) -> str:
    engine = make_engine(bot.database_url)
    try:
        with session_scope(engine) as session:
            body = messages_for(session, address)[-1].body
    finally:
        engine.dispose()
    return re.search(r"\b(\d{6})\b", body).group(1)


def asked_for_a_code(bot, me: str) -> str:
    assert "verify" in texts(bot.say(me, "I want a refund please"))
    assert "6-digit code" in texts(bot.say(me, CONTACT))
    return latest_code(bot, CONTACT)


def test_card_numbers_typed_by_customers_never_reach_the_tracker(bot):
    me = sender()
    bot.say(me, "hello")
    for card in ("4111 1111 1111 1111", "my card 5500-0000-0000-0004 thanks", "call 13800138000 4111111111111111"):
        warning = texts(bot.say(me, card))
        assert "card number" in warning or "银行卡号" in warning
    dump = json.dumps(tracker(bot, me))
    assert '"hello"' in dump  # the ordinary message is there
    for digits in ("4111", "5500", "0004"):
        assert digits not in dump


def test_a_code_answered_to_the_verify_form_is_stored_as_a_placeholder_and_still_verifies(bot):
    me = sender()
    code = asked_for_a_code(bot, me)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "wrong or has expired" in texts(bot.say(me, f"my code is {wrong}"))
    replies = bot.say(me, code)
    assert "verified" in texts(replies)
    state = tracker(bot, me)
    dump = json.dumps(state)
    assert code not in dump and wrong not in dump
    user_texts = [e.get("text") for e in state["events"] if e["event"] == "user"]
    assert user_texts.count(CODE_PLACEHOLDER) == 2
    answered = [e for e in state["events"] if e["event"] == "user" and e.get("text") == CODE_PLACEHOLDER]
    assert all(e["parse_data"]["intent"]["name"] == "inform" for e in answered)
    assert state["slots"]["customer_verified"] is True and state["slots"]["otp_code"] != code


def test_a_digest_sent_by_a_client_is_ignored(bot):
    """Only the gate may say "a code was typed": a client forging its digest gets nowhere."""
    me = sender()
    code = asked_for_a_code(bot, me)
    forged = {"metadata": {CODE_DIGEST_KEY: code_digest(CONTACT, code)}}
    replies = bot.say(me, "here it is", **forged)
    assert "6 digits" in texts(replies) and "verified" not in texts(replies)
    assert "verified" in texts(bot.say(me, code))  # the code itself still works afterwards


def test_the_widget_history_shows_a_typed_code_as_stars():
    events = [{"event": "user", "text": CODE_PLACEHOLDER, "timestamp": 1.0}]
    assert visible_messages(events) == [{"sender": "user", "text": CODE_SHOWN, "timestamp": 1.0}]
