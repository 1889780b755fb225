"""Changing a conversation from a channel (outside a turn), under Rasa's lock."""
from __future__ import annotations

from typing import Any, Iterable

from rasa.shared.core.events import Event


async def append_events(agent: Any, sender_id: str, events: Iterable[Event]) -> None:
    """Add events to the sender's tracker, as if the bot had logged them."""
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(sender_id)
        for event in events:
            tracker.update(event)
        await agent.tracker_store.save(tracker)
