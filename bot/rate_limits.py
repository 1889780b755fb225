"""Token-bucket rate limits per key (a chat session, a client address).

Written here because the well-kept library for this (`limits`) needs
packaging>=21, which Rasa 3.6 forbids. In-memory, so one limit per server
process; a multi-process deployment sits behind a proxy that limits too.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from sanic import response
from sanic.response import HTTPResponse


SLOW_DOWN = "Too many requests from your address. Please wait a minute and try again."


@dataclass(frozen=True)
class Rate:
    """`count` events per `seconds`, allowing a burst of `count`."""

    count: int
    seconds: float


class RateLimiter:
    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._rate = rate
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: Dict[str, Tuple[float, float]] = {}  # key -> (tokens, last refill)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty (slow down)."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(self._rate.count), now))
        tokens = min(float(self._rate.count), tokens + (now - last) * self._rate.count / self._rate.seconds)
        allowed = tokens >= 1.0
        if len(self._buckets) >= self._max_keys and key not in self._buckets:
            self._buckets.clear()  # bounded memory; a flood of keys resets everyone's bucket
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    @property
    def retry_after_seconds(self) -> int:
        """How long an empty bucket takes to hold one token again (for Retry-After)."""
        return max(1, math.ceil(self._rate.seconds / max(self._rate.count, 1)))


def client_address(request: Any) -> str:
    """The caller's address for a Sanic request: the proxy-reported one when Sanic is
    configured to trust a proxy (PROXIES_COUNT / REAL_IP_HEADER), else the socket peer.

    Client-sent X-Forwarded-For is never trusted on its own, or anyone could
    pick a fresh address per request and escape every per-address limit.
    """
    return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "unknown")


def limited_reply(
    message: str = SLOW_DOWN, retry_after_seconds: int = 60, headers: Optional[Dict[str, str]] = None
) -> HTTPResponse:
    """HTTP 429 with a polite JSON body and Retry-After."""
    return response.json(
        {"error": message}, status=429, headers={**(headers or {}), "Retry-After": str(retry_after_seconds)}
    )
