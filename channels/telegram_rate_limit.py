"""Telegram's sending limits and faults: rate limits, retries, no duplicates.

Limits: about 30 messages a second overall, 1 a second per chat.
python-telegram-bot's AIORateLimiter covers the overall and group limits and
retries on RetryAfter (429 with retry_after); this adds the per-chat limit for
private chats, so a burst of replies to one customer is spread out instead of
refused.

Faults: every Bot API call passes through `process_request`, so this is also
where failed calls are retried, with capped exponential back-off and a
bounded number of attempts, but only when a retry cannot send a message twice
(`retry_is_safe`):

* Telegram answered with an error status (5xx): it did not do the call. Retry.
* The request never left (connection refused, connect or pool timeout). Retry.
* The request left but no answer came back (read timeout, connection dropped
  while waiting): Telegram may well have delivered the message. Retrying a
  sendMessage then risks a duplicate the customer sees, and the Bot API has
  no idempotency key, so we do not retry it; the caller logs it as possibly
  lost. Calls that are harmless to repeat (typing indicator, answering a
  button, getMe, webhook setup) are retried.
* Telegram refused the request (400 BadRequest, 403 Forbidden, ...): the same
  request would be refused again. No retry.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Coroutine, Dict, FrozenSet, Optional, Union

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

MAX_TRACKED_CHATS = 10_000
MAX_ATTEMPTS = 4  # the first try and 3 retries
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# Calls whose repetition changes nothing the customer sees.
IDEMPOTENT_ENDPOINTS: FrozenSet[str] = frozenset({
    "getMe", "getUpdates", "sendChatAction", "answerCallbackQuery",
    "setWebhook", "deleteWebhook", "getWebhookInfo", "setMyCommands",
})
# httpx errors raised before any byte of the request reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_is_safe(error: BaseException, endpoint: str) -> bool:
    """Whether repeating the failed call cannot make Telegram act twice."""
    if isinstance(error, (RetryAfter, ChatMigrated, BadRequest)) or not isinstance(error, NetworkError):
        return False  # RetryAfter: AIORateLimiter already waited and retried
    cause = error.__cause__
    if cause is None or (isinstance(cause, TelegramError) and not isinstance(cause, NetworkError)):
        return True  # Telegram answered with an error status (its body maybe unparsable)
    if isinstance(cause, _NOT_SENT):
        return True
    return endpoint in IDEMPOTENT_ENDPOINTS


def backoff_seconds(retry: int) -> float:
    """0.5, 1, 2, 4, ... seconds before retry number `retry` (0-based), at most MAX_DELAY_SECONDS."""
    return min(FIRST_DELAY_SECONDS * 2 ** retry, MAX_DELAY_SECONDS)


class PerChatRateLimiter(AIORateLimiter):
    """AIORateLimiter plus `per_chat` messages per second to each private chat, and safe retries."""

    def __init__(self, per_chat: float = 1.0, attempts: int = MAX_ATTEMPTS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._per_chat = per_chat
        self._attempts = max(1, attempts)
        self._chats: Dict[int, AsyncLimiter] = {}

    def _limiter_for(self, chat_id: int) -> AsyncLimiter:
        if chat_id not in self._chats:
            if len(self._chats) >= MAX_TRACKED_CHATS:
                self._chats.clear()
            self._chats[chat_id] = AsyncLimiter(max_rate=self._per_chat, time_period=1)
        return self._chats[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Union[bool, Dict[str, Any], list]]],
        args: Any,
        kwargs: Dict[str, Any],
        endpoint: str,
        data: Dict[str, Any],
        rate_limit_args: Optional[int],
    ) -> Union[bool, Dict[str, Any], list]:
        chat_id = data.get("chat_id")
        private = isinstance(chat_id, int) and chat_id > 0  # groups are negative
        for attempt in range(self._attempts):
            try:
                if private:
                    async with self._limiter_for(chat_id):
                        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except TelegramError as error:
                if attempt + 1 >= self._attempts or not retry_is_safe(error, endpoint):
                    raise
                delay = backoff_seconds(attempt)
                logger.warning("Telegram %s failed (%s): retry %d of %d in %.1f s.", endpoint,
                               type(error).__name__, attempt + 1, self._attempts - 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
