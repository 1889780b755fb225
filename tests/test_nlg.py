"""Replies follow the language of the customer's latest message."""
import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlg import BilingualNLG

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_DIR / "domain.yml"))


def reply(domain, *texts, preferred=None):
    events = [UserUttered(t) for t in texts]
    if preferred:
        events.insert(0, SlotSet("language", preferred))
    tracker = DialogueStateTracker.from_events("s", events, slots=domain.slots)
    result = asyncio.run(BilingualNLG(domain=domain).generate("utter_greet", tracker, "rest"))
    return result["text"]


def test_chinese_message_gets_a_chinese_reply(domain):
    assert reply(domain, "你好") == domain.responses["utter_greet"][0]["text"]


def test_english_message_gets_an_english_reply(domain):
    assert reply(domain, "hello there") == domain.responses["utter_greet"][1]["text"]


def test_language_follows_the_latest_message(domain):
    assert reply(domain, "hello there", "你好") == domain.responses["utter_greet"][0]["text"]


def test_a_message_without_words_keeps_the_conversations_language(domain):
    assert reply(domain, "hello there", "T20261102-0001") == domain.responses["utter_greet"][1]["text"]


def test_a_new_conversation_uses_the_preference_then_chinese(domain):
    assert reply(domain, "123456", preferred="en") == domain.responses["utter_greet"][1]["text"]
    assert reply(domain, "123456") == domain.responses["utter_greet"][0]["text"]
