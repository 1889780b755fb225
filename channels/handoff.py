"""A conversation that is with a human agent: the bot stays silent, "back to the bot" returns.

After an agent resolves it, the customer's "1".."5" answers the rating
question (bot/backend/handoffs.record_rating) and is not passed to Rasa.

While the conversation is paused (action_request_handoff), Rasa only logs the
customer's messages. Saying "back to the bot" / "返回机器人" takes the
customer out of the agent queue and resumes the bot.
"""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from rasa.shared.core.events import ActionExecuted, ConversationResumed

from bot.backend.db import transaction
from bot.backend.errors import RatingNotAccepted
from bot.backend.handoffs import abandon, awaiting_rating, record_rating
from bot.language import reply_language
from bot.phrases import phrase
from channels.conversations import append_events

logger = logging.getLogger(__name__)

BACK_TO_BOT = re.compile(
    r"back to (the )?bot|return to (the )?bot|返回机器人|回到机器人|返回機器人|不要人工|不用人工|取消人工", re.IGNORECASE
)
RATING = re.compile(r"\s*([1-5])\s*(分|星|stars?)?\s*[.!。!]?\s*", re.IGNORECASE)


def wants_the_bot_back(text: str) -> bool:
    return bool(BACK_TO_BOT.search(text))


async def back_to_bot_reply(agent: Any, sender_id: str, text: str) -> Optional[List[Dict[str, Any]]]:
    """If the customer is waiting for an agent and asks for the bot, resume it and say so."""
    if not wants_the_bot_back(text):
        return None
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None or not tracker.is_paused():
        return None
    await asyncio.to_thread(_abandon, sender_id)
    # The bot listens again: without action_listen the next turn would look like
    # a continuation of the handoff rule to the dialogue policies.
    await append_events(agent, sender_id, [ConversationResumed(), ActionExecuted("action_listen")])
    return [{"text": phrase("back_to_bot", reply_language([text]))}]


def _abandon(sender_id: str) -> None:
    with transaction() as session:
        abandon(session, sender_id, datetime.now(timezone.utc))


async def rating_reply(sender_id: str, text: str) -> Optional[List[Dict[str, Any]]]:
    """If the customer was asked to rate a resolved handoff and answers 1-5, store it and thank them."""
    match = RATING.fullmatch(text or "")
    if match is None:
        return None
    try:
        language = await asyncio.to_thread(_rate, sender_id, int(match.group(1)))
    except Exception as error:  # backend unreachable: let the bot answer the message as usual
        logger.warning("Could not check for a rating (%s).", type(error).__name__)
        return None
    if language is None:
        return None
    return [{"text": phrase("rating_thanks", language)}]


def _rate(sender_id: str, rating: int) -> Optional[str]:
    """The handoff's language once the rating is stored; None if none was awaited."""
    with transaction() as session:
        handoff = awaiting_rating(session, sender_id)
        if handoff is None:
            return None
        try:
            record_rating(session, handoff.handoff_id, rating, datetime.now(timezone.utc))
        except RatingNotAccepted:  # a parallel answer was first
            return None
        return handoff.language
