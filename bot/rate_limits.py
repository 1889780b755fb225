"""Token-bucket rate limits per key (a chat session, a client address).

Written here because the well-kept library for this (`limits`) needs
packaging>=21, which Rasa 3.6 forbids. In-memory, so one limit per server
process; a multi-process deployment sits behind a proxy that limits too.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Dict, Tuple


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
