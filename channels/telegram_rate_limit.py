"""Telegram's sending limits: about 30 messages a second overall, 1 a second per chat.

python-telegram-bot's AIORateLimiter covers the overall and group limits and
retries on RetryAfter; this adds the per-chat limit for private chats, so a
burst of replies to one customer is spread out instead of refused.
"""
from __future__ import annotations

from typing import Any, Callable, Coroutine, Dict, Optional, Union

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

MAX_TRACKED_CHATS = 10_000


class PerChatRateLimiter(AIORateLimiter):
    """AIORateLimiter plus `per_chat` messages per second to each private chat."""

    def __init__(self, per_chat: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._per_chat = per_chat
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
        if isinstance(chat_id, int) and chat_id > 0:  # a private chat (groups are negative)
            async with self._limiter_for(chat_id):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
