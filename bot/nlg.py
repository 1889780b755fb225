"""Response generation that answers in the customer's language.

Every response in the domain has a zh and an en variation, conditioned on the
`language` slot. Rasa fills slots only from entities or actions, and an
entity would show up in every NLU result (and every story test), so the
language is decided here instead: just before a response is rendered, the
`language` slot is set (for rendering) to the language of the customer's
latest message that tells. The slot stored in the tracker keeps the
customer's explicit preference (for example from the widget or /lang).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.conversation import LANGUAGE_SLOT
from bot.language import reply_language


class BilingualNLG(TemplatedNaturalLanguageGenerator):
    """Domain responses, with the language taken from the conversation."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
    ) -> None:
        super().__init__(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        slots = tracker.current_slot_values()
        texts = (
            event.text
            for event in reversed(tracker.events)
            if getattr(event, "type_name", None) == "user"
        )
        slots[LANGUAGE_SLOT] = reply_language(texts, slots.get(LANGUAGE_SLOT))
        return self.generate_from_slots(utter_action, slots, output_channel, **kwargs)
