"""Reaching a customer on their channel from outside a conversation turn.

An agent's reply, the rating question after a handoff and the apology for
an unclaimed handoff are not answers to a message, so there is no Rasa
OutputChannel at hand. Each channel registers how it delivers to a sender
id when the server starts (channels/web.py, channels/telegram_bot.py);
code elsewhere calls `deliver` with the channel recorded on the handoff.

A message is a dict: `text`, optional `quick_replies` ([{title, payload}]),
`sender` ("agent" or "bot") and, for an agent, `agent_name`.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

logger = logging.getLogger(__name__)

Deliver = Callable[[str, Dict[str, Any]], Awaitable[None]]
Typing = Callable[[str, bool], Awaitable[None]]

_deliverers: Dict[str, Deliver] = {}
_typers: Dict[str, Typing] = {}


def register(channel_name: str, deliver: Deliver, typing: Optional[Typing] = None) -> None:
    """How to send a message (and, optionally, a typing indicator) to this channel's senders."""
    _deliverers[channel_name] = deliver
    if typing is not None:
        _typers[channel_name] = typing
    else:
        _typers.pop(channel_name, None)


def unregister(channel_name: str) -> None:
    _deliverers.pop(channel_name, None)
    _typers.pop(channel_name, None)


def can_deliver(channel_name: str) -> bool:
    return channel_name in _deliverers


async def deliver(channel_name: str, sender_id: str, message: Dict[str, Any]) -> bool:
    """Send `message` to the sender on their channel; False if the channel cannot be reached."""
    send = _deliverers.get(channel_name)
    if send is None:
        logger.warning("No outbound delivery for channel %r: a message to a customer was not sent.", channel_name)
        return False
    message = {"sender": "bot", **message}
    try:
        await send(sender_id, message)
    except Exception as error:  # the caller decides; the conversation record is kept anyway
        logger.error("Outbound delivery on %r failed: %s", channel_name, type(error).__name__, exc_info=error)
        return False
    return True


async def typing(channel_name: str, sender_id: str, on: bool = True) -> bool:
    """Show (or hide) a typing indicator, where the channel has one."""
    show = _typers.get(channel_name)
    if show is None:
        return False
    try:
        await show(sender_id, on)
    except Exception as error:
        logger.warning("Typing indicator on %r failed: %s", channel_name, type(error).__name__)
        return False
    return True
