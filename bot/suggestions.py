"""Which topics to offer when the bot is not sure what the customer meant."""
from __future__ import annotations

from typing import Any, Collection, Dict, List, Optional

FAQ_INTENT = "faq"


def likely_topics(
    intent_ranking: List[Dict[str, Any]],
    faq_ranking: Optional[List[Dict[str, Any]]],
    topics: Collection[str],
    count: int = 2,
) -> List[str]:
    """The `count` most likely topics, as intent names (`faq/...` or action intents).

    A topic is an FAQ answer or something the bot can do; greetings,
    out-of-scope and the like are never offered. An FAQ guess is spelled out
    with the response selector's best sub-topics, in their order.
    """
    faq_topics = [
        entry.get("intent_response_key")
        for entry in (faq_ranking or [])
        if entry.get("intent_response_key") in topics
    ]
    chosen: List[str] = []
    for entry in intent_ranking:
        name = entry.get("name")
        candidates = faq_topics if name == FAQ_INTENT else [name]
        for candidate in candidates:
            if candidate in topics and candidate not in chosen:
                chosen.append(candidate)
                if name == FAQ_INTENT:
                    break
        if len(chosen) >= count:
            break
    return chosen[:count]
