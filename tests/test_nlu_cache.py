"""The NLU cache gives exactly what the model gives, and forgets what it must."""
import asyncio
from datetime import date

import pytest

from bot.nlu_cache import MAX_CACHED_TEXT_CHARS, NluCache, parse_data_for, shared_cache


@pytest.fixture
def run():
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def test_a_cached_parse_equals_the_models_parse(agent, run):
    cache = shared_cache()
    text = "how do i reset my password (cache test)"
    fresh = run(agent.parse_message(text))
    hits = cache.hits
    first = run(parse_data_for(agent, text))
    second = run(parse_data_for(agent, text))
    assert first == fresh and second == fresh
    assert cache.hits == hits + 1


def test_callers_cannot_change_what_is_cached(agent, run):
    text = "退款政策是什么 (cache test)"
    run(parse_data_for(agent, text))["intent"]["name"] = "tampered"
    assert run(parse_data_for(agent, text))["intent"]["name"] != "tampered"


def test_a_new_day_parses_again_so_relative_dates_stay_right(agent, run):
    text = "昨天那笔交易 (cache test)"
    yesterday_key_hits = shared_cache().hits
    run(parse_data_for(agent, text, today=date(2026, 11, 24)))
    run(parse_data_for(agent, text, today=date(2026, 11, 25)))
    assert shared_cache().hits == yesterday_key_hits


def test_long_messages_are_left_to_rasa(agent, run):
    assert run(parse_data_for(agent, "x" * (MAX_CACHED_TEXT_CHARS + 1))) is None


def test_the_cache_is_bounded_and_keeps_the_recently_used():
    cache = NluCache(max_entries=2)
    cache.put(("m", "d", "a"), {"text": "a"})
    cache.put(("m", "d", "b"), {"text": "b"})
    assert cache.get(("m", "d", "a")) == {"text": "a"}
    cache.put(("m", "d", "c"), {"text": "c"})
    assert len(cache) == 2
    assert cache.get(("m", "d", "b")) is None
    assert cache.get(("m", "d", "a")) == {"text": "a"}


def test_size_zero_turns_it_off(agent, run, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("KDPAY_NLU_CACHE_SIZE", "0")
    get_settings.cache_clear()
    try:
        assert run(parse_data_for(agent, "hello")) is None
    finally:
        monkeypatch.delenv("KDPAY_NLU_CACHE_SIZE")
        get_settings.cache_clear()


def test_every_channels_turn_uses_the_cache(agent, run):
    """run_turn (what the REST, widget and Telegram channels call) hands Rasa the cached parse."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.action_failures import run_turn

    text = "退款政策是什么 (turn cache test)"
    run(parse_data_for(agent, text))
    hits = shared_cache().hits
    output = CollectingOutputChannel()
    message = UserMessage(text, output, "nlu-cache-turn")
    assert run(run_turn(agent, agent.handle_message, message))
    assert shared_cache().hits == hits + 1 and message.parse_data["text"] == text
    assert output.messages  # the FAQ answer came back
