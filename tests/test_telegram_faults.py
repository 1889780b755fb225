"""Telegram API faults: retried with back-off when that cannot duplicate a message.

The sending side is our real PTB Application (channels.telegram_bot.build_application,
with PerChatRateLimiter) against a fake Bot API that injects 5xx answers,
429 retry_after and slow answers; the last test goes through the running
Rasa server's Telegram channel.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Iterator, List

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.settings import Settings
from channels.telegram_bot import READ_TIMEOUT, TelegramOutput, build_application
from channels.telegram_payloads import CallbackPayloads
from channels.telegram_rate_limit import MAX_ATTEMPTS, backoff_seconds, retry_is_safe
from fake_telegram import TOKEN, FakeTelegram, message_update

CHAT = 4242


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    """A fake Bot API of our own, so injected faults never reach other tests."""
    server = FakeTelegram().start()
    yield server
    server.stop()


def with_bot(fake: FakeTelegram, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `work(application.bot)` with the channel's real Application, initialised and shut down."""
    settings = Settings(telegram_token=TOKEN, telegram_api_url=fake.url)

    async def run() -> Any:
        application = build_application(settings)
        await application.initialize()
        try:
            return await work(application.bot)
        finally:
            await application.shutdown()

    return asyncio.run(run())


def texts(fake: FakeTelegram, chat: int) -> List[str]:
    return [m["text"] for m in fake.sent(chat)]


def test_two_server_errors_then_ok_delivers_one_message(fake):
    fake.fail_next_sends(2, status=500)
    started = time.monotonic()
    with_bot(fake, lambda bot: bot.send_message(CHAT, "after two 500s"))
    elapsed = time.monotonic() - started
    calls = [c for c in fake.calls_to("sendMessage", CHAT) if c.params["text"] == "after two 500s"]
    assert [c.refused for c in calls] == [True, True, False]
    assert texts(fake, CHAT).count("after two 500s") == 1
    # Back-off between the attempts: 0.5 s, then 1 s.
    assert calls[1].at - calls[0].at >= backoff_seconds(0) * 0.9
    assert calls[2].at - calls[1].at >= backoff_seconds(1) * 0.9
    print(f"2 x 500 then OK: delivered once after {elapsed:.2f} s")


def test_429_waits_retry_after_and_delivers_once(fake):
    chat = CHAT + 1
    fake.fail_next_sends(1, status=429, retry_after=2)
    with_bot(fake, lambda bot: bot.send_message(chat, "after a 429"))
    calls = fake.calls_to("sendMessage", chat)
    assert [c.refused for c in calls] == [True, False]
    assert calls[1].at - calls[0].at >= 2.0
    assert texts(fake, chat) == ["after a 429"]


def test_errors_that_do_not_stop_are_bounded_and_reported(fake):
    chat = CHAT + 2
    fake.fail_next_sends(MAX_ATTEMPTS + 2, status=502)
    with pytest.raises(NetworkError):
        with_bot(fake, lambda bot: bot.send_message(chat, "never delivered"))
    assert len(fake.calls_to("sendMessage", chat)) == MAX_ATTEMPTS
    assert texts(fake, chat) == []
    fake.fail_next_sends(0)


def test_a_hanging_send_times_out_once_and_is_not_resent(fake):
    """Telegram delivered it but the answer never came: resending would show it twice."""
    chat = CHAT + 3
    fake.delay_next_sends(1, seconds=30)

    async def replies(bot: Any) -> float:
        output = TelegramOutput(bot, chat, CallbackPayloads(frozenset()), keep_going=True)
        started = time.monotonic()
        for text in ("first (hangs)", "second", "third"):
            await output.send_text_message(str(chat), text)
        return time.monotonic() - started

    elapsed = with_bot(fake, replies)
    assert texts(fake, chat) == ["first (hangs)", "second", "third"]
    assert len(fake.calls_to("sendMessage", chat)) == 3
    assert READ_TIMEOUT <= elapsed < READ_TIMEOUT + 5
    print(f"hanging send: given up after the {READ_TIMEOUT:g} s read timeout, three replies in {elapsed:.2f} s")


def test_outside_a_turn_a_hanging_send_is_reported_to_the_caller(fake):
    chat = CHAT + 4
    fake.delay_next_sends(1, seconds=30)

    async def deliver(bot: Any) -> None:
        await TelegramOutput(bot, chat, CallbackPayloads(frozenset())).send_text_message(str(chat), "agent reply")

    with pytest.raises(TimedOut):
        with_bot(fake, deliver)
    assert texts(fake, chat) == ["agent reply"]
    assert len(fake.calls_to("sendMessage", chat)) == 1


def test_messages_keep_their_order_through_retries(fake):
    chat = CHAT + 5

    async def three(bot: Any) -> None:
        output = TelegramOutput(bot, chat, CallbackPayloads(frozenset()), keep_going=True)
        await output.send_text_message(str(chat), "one")
        fake.fail_next_sends(1, status=500)
        await output.send_text_message(str(chat), "two")
        fake.fail_next_sends(1, status=429, retry_after=1)
        await output.send_text_message(str(chat), "three")

    with_bot(fake, three)
    assert texts(fake, chat) == ["one", "two", "three"]


def _failure(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize("error, endpoint, safe", [
    (NetworkError("Internal Server Error"), "sendMessage", True),  # Telegram answered 5xx
    (_failure(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")), "sendMessage", True),
    (_failure(TimedOut(), httpx.ConnectTimeout("connect")), "sendMessage", True),
    (_failure(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")), "sendMessage", True),
    (_failure(TimedOut(), httpx.ReadTimeout("read")), "sendMessage", False),  # maybe delivered
    (_failure(NetworkError("httpx.ReadError"), httpx.ReadError("reset")), "sendMessage", False),
    (_failure(TimedOut(), httpx.ReadTimeout("read")), "sendChatAction", True),  # harmless twice
    (BadRequest("chat not found"), "sendMessage", False),
    (Forbidden("bot was blocked by the user"), "sendMessage", False),
    (RetryAfter(3), "sendMessage", False),  # AIORateLimiter's job
])
def test_which_failures_are_retried(error, endpoint, safe):
    assert retry_is_safe(error, endpoint) is safe


def test_a_server_error_during_a_conversation_gives_one_reply(bot, fake_telegram):
    """Through the running Rasa server: two 500s on the reply, the customer sees it once."""
    from test_telegram_channel import new_user, post, wait_for_text

    user = new_user()
    fake_telegram.fail_next_sends(2, status=500)
    post(bot, message_update(user, "how do I reset my password?"))
    sent = wait_for_text(fake_telegram, user, "Forgot password?", timeout=30)
    time.sleep(1.5)  # a duplicate would arrive within the back-off
    sent = fake_telegram.sent(user)
    assert sum("Forgot password?" in m["text"] for m in sent) == 1
    refused = [c for c in fake_telegram.calls_to("sendMessage", chat_id=user) if c.refused]
    assert len(refused) == 2
