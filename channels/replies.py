"""What a channel answers itself, without a turn of the conversation.

Empty and over-long messages are answered by the channel (nothing is parsed
or stored), in the language of the message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Set

from rasa.core.agent import Agent

from bot.faq import topic_buttons
from bot.language import reply_language
from bot.message_checks import Verdict, button_payloads
from bot.phrases import phrase

PHRASE_FOR_VERDICT = {
    Verdict.EMPTY: "empty_message",
    Verdict.TOO_LONG: "message_too_long",
}


def refusal(verdict: Verdict, text: str, max_chars: int) -> List[Dict[str, Any]]:
    """The polite reply for a message the channel does not pass on."""
    language = reply_language([text[:max_chars]])
    return [{"text": phrase(PHRASE_FOR_VERDICT[verdict], language, max_chars=max_chars)}]


def allowed_payloads(agent: Agent) -> Set[str]:
    """Our own button payloads: the only "/" commands a message may carry."""
    offered = {button.payload for button in topic_buttons().values()}
    return offered | (button_payloads(agent.domain.responses) if agent.domain else set())
