"""In production the REST webhook answers only integrations holding KDPAY_REST_API_TOKEN.

Whoever knows a REST sender id continues that conversation, so customers use
the widget or Telegram and the REST channel is for server-side integrations.
"""
from types import SimpleNamespace

import pytest
import requests

from bot.settings import get_settings
from channels.rest import _integration_key_refusal

KEY = "rest-integration-key-for-tests-0123456789"


@pytest.fixture(scope="module")
def production_bot(tmp_path_factory):
    from conftest import RunningBot

    running = RunningBot(tmp_path_factory.mktemp("rest-key"), {"KDPAY_ENV": "production", "KDPAY_REST_API_TOKEN": KEY})
    yield running
    running.stop()


def post(bot, headers):
    return requests.post(f"{bot.url}/webhooks/rest/webhook", json={"sender": "integration-1", "message": "你好"},
                         headers=headers, timeout=30)


def test_without_or_with_a_wrong_key_the_webhook_refuses(production_bot):
    assert post(production_bot, {}).status_code == 401
    assert post(production_bot, {"Authorization": "Bearer not-the-key"}).status_code == 401


def test_with_the_key_the_bot_answers(production_bot):
    reply = post(production_bot, {"Authorization": f"Bearer {KEY}"})
    assert reply.status_code == 200 and reply.json()[0]["text"]


@pytest.mark.parametrize("env, expected", [("production", 503), ("development", None)])
def test_without_a_configured_key_production_closes_and_development_stays_open(monkeypatch, env, expected):
    monkeypatch.setenv("KDPAY_ENV", env)
    monkeypatch.delenv("KDPAY_REST_API_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        refusal = _integration_key_refusal(SimpleNamespace(headers={}))
        assert (refusal.status if refusal is not None else None) == expected
    finally:
        get_settings.cache_clear()
