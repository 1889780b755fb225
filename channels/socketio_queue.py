"""socket.io across several Rasa server processes: a Redis message queue.

A widget connection lives in one process, but an agent's reply (or the
rating question, or a bot reply) may be emitted by another: the one that
served the agent console's request. With KDPAY_SOCKETIO_QUEUE_URL set
(redis://[:password@]host:port/db), every process publishes its emits on a
Redis channel and each delivers them to the connections it holds
(python-socketio's AsyncRedisManager, on redis-py's asyncio client).
Unset, a single process keeps its connections in memory (the default).
"""
from __future__ import annotations

import logging
from typing import Optional
from urllib.parse import urlsplit

from pydantic import BaseSettings, Field
from socketio import AsyncManager, AsyncRedisManager

logger = logging.getLogger(__name__)


class SocketIOQueueSettings(BaseSettings):
    """KDPAY_SOCKETIO_QUEUE_URL and KDPAY_SOCKETIO_QUEUE_CHANNEL."""

    queue_url: str = Field("", description="redis:// URL of the message queue; empty: one process, no queue")
    queue_channel: str = Field(
        "kdpay-socketio", description="Redis pub/sub channel; the same for every process of one deployment"
    )

    class Config:
        env_prefix = "KDPAY_SOCKETIO_"


def client_manager(settings: Optional[SocketIOQueueSettings] = None) -> Optional[AsyncManager]:
    """The client manager for AsyncServer(client_manager=...): Redis-backed when configured."""
    settings = settings or SocketIOQueueSettings()
    url = settings.queue_url.strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("KDPAY_SOCKETIO_QUEUE_URL must be a redis://, rediss:// or unix:// URL")
    where = urlsplit(url)
    logger.info("socket.io messages go through Redis at %s (channel %r)",
                f"{where.hostname}:{where.port or 6379}" if where.hostname else where.path, settings.queue_channel)
    return AsyncRedisManager(url, channel=settings.queue_channel)
