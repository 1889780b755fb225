"""Development mode: fetch updates with getUpdates and post them to our webhook route.

For an operator with a bot token but no public HTTPS address. The updates
go through the running Rasa server's route with the webhook secret, so
polling and webhook mode share every handler, the duplicate check and the
rate limits. An update is acknowledged (the offset moves past it) only
once the server accepted it; while the server is down we wait and retry.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

import aiohttp
from telegram import Bot

from bot.settings import Settings
from channels.telegram_bot import ALLOWED_UPDATES, SECRET_HEADER, WEBHOOK_PATH, _bot

logger = logging.getLogger(__name__)
RETRY_SECONDS = 2.0


class Rejected(Exception):
    """The server refused our secret: retrying cannot help."""


async def forward(http: aiohttp.ClientSession, url: str, secret: str, update: dict) -> bool:
    """Post one update to the server; False when it should be tried again later."""
    try:
        async with http.post(url, json=update, headers={SECRET_HEADER: secret}) as reply:
            if reply.status == 403:
                raise Rejected("the server refused the webhook secret")
            return reply.status == 200
    except aiohttp.ClientError:
        return False


async def poll_once(bot: Bot, http: aiohttp.ClientSession, rasa_url: str, secret: str,
                    offset: Optional[int], timeout: int = 30) -> Optional[int]:
    """One getUpdates round; returns the next offset."""
    url = rasa_url.rstrip("/") + WEBHOOK_PATH
    updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
    for update in updates:
        if not await forward(http, url, secret, update.to_dict()):
            logger.info("The Rasa server at %s is not ready; retrying.", rasa_url)
            await asyncio.sleep(RETRY_SECONDS)
            return update.update_id
        offset = update.update_id + 1
    return offset


async def poll_forever(settings: Settings, rasa_url: str) -> None:
    """Delete any webhook (getUpdates refuses to run with one), then poll until stopped."""
    secret = settings.telegram_webhook_secret.get_secret_value()
    async with _bot(settings) as bot, aiohttp.ClientSession() as http:
        await bot.delete_webhook()
        logger.info("Polling Telegram as @%s, forwarding to %s", bot.username, rasa_url)
        offset: Optional[int] = None
        while True:
            offset = await poll_once(bot, http, rasa_url, secret, offset)
