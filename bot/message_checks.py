"""What a channel lets through to the bot from a customer's message.

Checks every channel applies before Rasa sees a message: empty and huge
messages get a polite reply instead of a parse; control characters are
dropped; and text starting with "/" cannot force an intent or `/restart` a
conversation unless it is exactly one of our own button payloads.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import AbstractSet, Optional

from bot.payloads import COMMAND_PREFIX

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


class Verdict(enum.Enum):
    OK = "ok"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class CheckedMessage:
    verdict: Verdict
    text: str


def check_message(
    text: Optional[str], allowed_payloads: AbstractSet[str], max_chars: int
) -> CheckedMessage:
    """Clean a customer's text and say whether the bot should parse it."""
    cleaned = _CONTROL.sub("", text or "").strip()
    if not cleaned:
        return CheckedMessage(Verdict.EMPTY, "")
    if len(cleaned) > max_chars:
        return CheckedMessage(Verdict.TOO_LONG, cleaned)
    if cleaned in allowed_payloads:
        return CheckedMessage(Verdict.OK, cleaned)
    # Typed commands are read as plain words: "/restart" -> "restart".
    while cleaned.startswith(COMMAND_PREFIX):
        cleaned = cleaned[len(COMMAND_PREFIX):].strip()
    if not cleaned:
        return CheckedMessage(Verdict.EMPTY, "")
    return CheckedMessage(Verdict.OK, cleaned)
