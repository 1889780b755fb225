"""The visible messages of a conversation, for a widget that reloads.

Built from the tracker's events (the one record of the conversation): what
the customer typed, and what the bot or an agent said (an agent's
reply is a bot event whose metadata names the agent). A button
click shows as the button's title, not its payload, and a one-time code as ******.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List

from bot.sensitive import CODE_PLACEHOLDER

CODE_SHOWN = "******"  # a one-time code the customer typed (the tracker holds a placeholder)


def visible_messages(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    messages: List[Dict[str, Any]] = []
    offered: Dict[str, str] = {}  # payload -> title of the latest bot buttons
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            text = CODE_SHOWN if event["text"] == CODE_PLACEHOLDER else offered.get(event["text"], event["text"])
            messages.append({"sender": "user", "text": text, "timestamp": event.get("timestamp")})
        elif kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")):
            data = event.get("data") or {}
            buttons = [{"title": b.get("title"), "payload": b.get("payload")} for b in data.get("buttons") or []]
            offered = {b["payload"]: b["title"] for b in buttons} or offered
            message = {"sender": "bot", "text": event.get("text") or "", "timestamp": event.get("timestamp")}
            agent_name = (event.get("metadata") or {}).get("agent_name")
            if agent_name:  # an agent's reply (channels/agent_console.py)
                message.update(sender="agent", agent_name=str(agent_name))
            if buttons:
                message["quick_replies"] = buttons
            messages.append(message)
    return messages
