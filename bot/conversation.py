"""Reading a conversation's events the same way in Rasa core and in actions."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional

from bot.language import reply_language

LANGUAGE_SLOT = "language"


def user_texts_newest_first(events: Iterable[Dict[str, Any]]) -> Iterator[str]:
    """Texts the customer typed, newest first (events as plain dicts)."""
    for event in reversed(list(events)):
        if event.get("event") == "user" and event.get("text"):
            yield event["text"]


def conversation_language(events: List[Dict[str, Any]], slots: Dict[str, Any]) -> str:
    """The language to answer in, from the events and the `language` slot."""
    preferred: Optional[str] = slots.get(LANGUAGE_SLOT)
    return reply_language(user_texts_newest_first(events), preferred)
