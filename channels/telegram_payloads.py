"""Button payloads as Telegram `callback_data` (at most 64 bytes).

Short payloads (intents such as "/faq/reset_password", transaction ids) are
sent as they are. Longer ones are sent as a key: "~" and 16 characters of
their SHA-256, remembered in a bounded in-memory table. The key is
deterministic, and our own payloads (bot/payloads.py and the domain's
buttons) are registered permanently, so their buttons keep working after a
restart; a forgotten key is answered with "this button has expired".
"""
from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from typing import Dict, Iterable, Optional

MAX_CALLBACK_BYTES = 64
KEY_PREFIX = "~"
REMEMBERED_PAYLOADS = 10_000


def _fits(payload: str) -> bool:
    return len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(KEY_PREFIX)


def payload_key(payload: str) -> str:
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")[:16]


class CallbackPayloads:
    """Maps payloads to callback data and back."""

    def __init__(self, known: Iterable[str] = (), capacity: int = REMEMBERED_PAYLOADS) -> None:
        self.capacity = capacity
        self._known: Dict[str, str] = {payload_key(p): p for p in known if not _fits(p)}
        self._recent: "OrderedDict[str, str]" = OrderedDict()

    def register(self, payloads: Iterable[str]) -> None:
        """Remember these payloads for good (our own buttons)."""
        self._known.update({payload_key(p): p for p in payloads if not _fits(p)})

    def data_for(self, payload: str) -> str:
        """The callback data to send for `payload`."""
        if _fits(payload):
            return payload
        key = payload_key(payload)
        if key not in self._known:
            self._recent[key] = payload
            self._recent.move_to_end(key)
            while len(self._recent) > self.capacity:
                self._recent.popitem(last=False)
        return key

    def payload_for(self, data: Optional[str]) -> Optional[str]:
        """The payload behind callback data, or None when its key is forgotten."""
        if not data:
            return None
        if not data.startswith(KEY_PREFIX):
            return data
        return self._known.get(data) or self._recent.get(data)
