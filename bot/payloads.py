"""The "/" commands our buttons send: the only ones a customer's message may carry.

Channels let a message starting with "/" through unchanged only if it is one
of these (see bot/message_checks.py); typed commands become plain text.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterable

from bot.faq import topic_buttons
from bot.reasons import reason_payloads

COMMAND_PREFIX = "/"
CONFIRM_PAYLOADS = ("/affirm", "/deny")


def button_payloads(responses: Dict[str, Iterable[Dict[str, Any]]]) -> FrozenSet[str]:
    """Every "/" payload of the domain's responses."""
    return frozenset(
        button["payload"]
        for variations in responses.values()
        for variation in variations
        for button in variation.get("buttons", []) or []
        if isinstance(button.get("payload"), str)
        and button["payload"].startswith(COMMAND_PREFIX)
    )


@lru_cache(maxsize=1)
def action_payloads() -> FrozenSet[str]:
    """Payloads of the buttons our actions build (topics, reasons, yes/no)."""
    topics = {button.payload for button in topic_buttons().values()}
    return frozenset(topics | set(reason_payloads()) | set(CONFIRM_PAYLOADS))
