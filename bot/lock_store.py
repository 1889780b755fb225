"""One message of a conversation at a time, across Rasa server processes (Redis).

Rasa 3.6's RedisLockStore keeps each conversation's ticket queue as one JSON
value that every process reads, changes and writes back: two processes
taking a ticket for the same conversation at the same moment both get
ticket 0, both go ahead, and the slower one's save drops the other's turn
from the tracker (tests/test_scale_out.py caught it; RasaHQ/rasa#9213). The
concurrency-safe lock store is Rasa Pro only.

This store uses a Redis lock instead (redis-py's asyncio Lock: SET NX with
an expiry, released only by its owner), so exactly one process handles a
conversation at a time, and a process killed while holding it blocks the
conversation for at most the lock lifetime (TICKET_LOCK_LIFETIME, 60 s).
Unlike Rasa's ticket queue, messages that arrive while one is being handled
are not served strictly in arrival order.

endpoints.production.yml:
    lock_store:
      type: bot.lock_store.RedisMutexLockStore
      url: <host>   port, password, db, key_prefix as for Rasa's `redis` type
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import DEFAULT_SOCKET_TIMEOUT_IN_SECONDS, LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as aioredis
from redis.exceptions import LockError as RedisLockError

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02  # a waiting message checks the lock this often


class RedisMutexLockStore(LockStore):
    """Rasa's LockStore interface on an atomic Redis lock per conversation."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = endpoint_config.kwargs
        prefix = str(options.get("key_prefix") or "kdpay")
        if not prefix.isalnum():
            raise ValueError("the lock store's key_prefix must be letters and digits only")
        self.key_prefix = f"{prefix}:conversation_lock:"
        self.red = aioredis.Redis(
            host=endpoint_config.url or "localhost",
            port=int(options.get("port") or 6379),
            db=int(options.get("db") or 0),
            username=options.get("username") or None,
            password=options.get("password") or None,
            ssl=str(options.get("use_ssl", "")).lower() in {"1", "true", "yes"},
            socket_timeout=float(options.get("socket_timeout") or DEFAULT_SOCKET_TIMEOUT_IN_SECONDS),
        )
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the block; wait up to one lifetime for it."""
        mutex = self.red.lock(self.key_prefix + conversation_id, timeout=lock_lifetime, sleep=POLL_SECONDS,
                              blocking_timeout=lock_lifetime, thread_local=False)
        if not await mutex.acquire():
            raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                await mutex.release()
            except RedisLockError:  # held longer than its lifetime: another process may have it now
                logger.warning("A conversation lock expired before its message was handled (lifetime %s s).",
                               lock_lifetime)

    # Rasa's ticket-queue interface: nothing is stored as a TicketLock here.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return None

    def delete_lock(self, conversation_id: Text) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        raise NotImplementedError("RedisMutexLockStore has no tickets; use lock()")
