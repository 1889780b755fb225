"""The Telegram channel's parts: splitting, callback data, duplicates, the send path, inert mode."""
from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
from sanic import Sanic

from bot.payloads import action_payloads
from bot.settings import Settings
from channels.telegram_bot import RecentIds, TelegramInput, TelegramOutput, _bot, secret_matches
from channels.telegram_payloads import MAX_CALLBACK_BYTES, CallbackPayloads
from channels.telegram_text import MAX_MESSAGE_UNITS, split_text, units
from conftest import free_port
from fake_telegram import TOKEN, FakeTelegram


def test_short_text_is_one_message_and_empty_text_none():
    assert split_text("  hello  ") == ["hello"]
    assert split_text("") == split_text("  \n ") == []


def test_long_text_is_split_at_paragraphs_then_lines_then_spaces():
    paragraphs = ["A" * 3000, "B" * 3000, "C" * 100]
    assert split_text("\n\n".join(paragraphs)) == ["A" * 3000, "B" * 3000 + "\n\n" + "C" * 100]
    lines = "\n".join(["line %d " % i + "x" * 90 for i in range(100)])
    chunks = split_text(lines)
    assert len(chunks) == 3 and all(units(c) <= MAX_MESSAGE_UNITS for c in chunks)
    assert "\n".join(chunks) == lines and all(c.startswith("line") for c in chunks)
    words = " ".join(["word"] * 2000)
    assert all(c.strip() == c and "word" == c[:4] for c in split_text(words))


def test_telegram_counts_utf16_units_and_no_surrogate_pair_is_cut():
    emoji = "😀" * 3000  # 6000 units in 3000 characters
    chunks = split_text(emoji)
    assert [units(c) for c in chunks] == [4096, 1904] and "".join(chunks) == emoji
    chinese = "密码" * 3000
    assert [len(c) for c in split_text(chinese)] == [4096, 1904]


def test_short_payloads_pass_as_they_are():
    payloads = CallbackPayloads(action_payloads())
    for payload in ["/faq/reset_password", "T20261102-0001", '/inform{"dispute_reason":"not_as_described"}']:
        assert payloads.data_for(payload) == payload and payloads.payload_for(payload) == payload


def test_long_payloads_become_short_keys_and_come_back():
    long_payload = '/inform{"description":"' + "很长的说明" * 20 + '"}'
    payloads = CallbackPayloads()
    data = payloads.data_for(long_payload)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES and data.startswith("~")
    assert payloads.payload_for(data) == long_payload
    assert payloads.data_for(long_payload) == data  # deterministic
    assert CallbackPayloads().payload_for(data) is None  # forgotten after a restart...
    assert CallbackPayloads([long_payload]).payload_for(data) == long_payload  # ...unless it is ours
    # A payload that looks like a key is never trusted as one.
    assert payloads.data_for("~abc") != "~abc"


def test_the_key_table_is_bounded():
    payloads = CallbackPayloads(capacity=2)
    keys = [payloads.data_for("x" * 70 + str(i)) for i in range(3)]
    assert payloads.payload_for(keys[0]) is None
    assert payloads.payload_for(keys[2]) == "x" * 70 + "2"


def test_recent_update_ids_are_seen_once_and_bounded():
    recent = RecentIds(capacity=2)
    assert recent.first_time(1) and not recent.first_time(1)
    assert recent.first_time(2) and recent.first_time(3)
    assert recent.first_time(1)  # fell out of the window


def test_secret_comparison():
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cre", "s3cret") and not secret_matches(None, "s3cret")
    assert not secret_matches("", "")


@pytest.fixture(scope="module")
def fake():
    server = FakeTelegram().start()
    yield server
    server.stop()


def test_a_long_reply_goes_out_as_two_telegram_messages_buttons_on_the_last(fake):
    text = "\n\n".join(["第一段" * 700, "Second part " * 200])

    async def send():
        settings = Settings(telegram_token=TOKEN, telegram_api_url=fake.url)
        async with _bot(settings) as telegram:
            output = TelegramOutput(telegram, 4242, CallbackPayloads())
            await output.send_response("tg-4242", {"text": text, "buttons": [{"title": "OK", "payload": "/affirm"}]})

    asyncio.run(send())
    sent = fake.sent(4242)
    assert [m["text"] for m in sent] == split_text(text) and len(sent) == 2
    assert "reply_markup" not in sent[0]
    assert sent[1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/affirm"


def test_without_a_token_the_server_starts_and_the_webhook_answers_503():
    async def scenario():
        app = Sanic(f"telegram_inert_{uuid.uuid4().hex[:8]}")
        channel = TelegramInput(Settings(telegram_token="", telegram_webhook_secret="x"))

        async def on_new_message(message):
            raise AssertionError("nothing may reach Rasa")

        app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/telegram")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.before_start()
        try:
            async with aiohttp.ClientSession() as http:
                async with http.post(f"http://127.0.0.1:{port}/webhooks/telegram/webhook", json={},
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "x"}) as reply:
                    status = reply.status
                async with http.get(f"http://127.0.0.1:{port}/webhooks/telegram/") as reply:
                    health = await reply.json()
        finally:
            await server.before_stop()
            server.close()
            await server.wait_closed()
        return status, health, channel

    status, health, channel = asyncio.run(scenario())
    assert status == 503 and health == {"status": "inactive"} and channel.application is None


def test_replies_to_one_private_chat_are_spread_to_one_a_second():
    import asyncio
    import time

    from channels.telegram_rate_limit import PerChatRateLimiter

    async def scenario():
        limiter = PerChatRateLimiter(per_chat=1.0)
        sent = []

        async def send(chat_id):
            sent.append((chat_id, time.monotonic()))
            return True

        await asyncio.gather(*[
            limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
            for chat in (42, 42, 42, 7)
        ])
        return sent

    sent = asyncio.run(scenario())
    times = [t for chat, t in sent if chat == 42]
    assert len(times) == 3 and min(b - a for a, b in zip(times, times[1:])) >= 0.9
    other = [t for chat, t in sent if chat == 7]
    assert other[0] - min(times) < 0.5  # another chat is not held up
