"""What every action needs from the conversation: its language and our phrases."""
from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.conversation import conversation_language
from bot.faq import Bilingual, load_action_labels
from bot.phrases import phrase

HANDOFF = "human_handoff"


@lru_cache(maxsize=1)
def _action_labels() -> Dict[str, Bilingual]:
    """Read once per action-server process (the labels are data that ships with it)."""
    return load_action_labels()


class Reply:
    """Sends phrases from bot/phrases.yml in the customer's language."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.language = conversation_language(tracker.events, tracker.slots)

    def text(self, key: str, **values: Any) -> str:
        return phrase(key, self.language, **values)

    def say(self, key: str, buttons: Optional[List[Dict[str, str]]] = None, **values: Any) -> None:
        self.dispatcher.utter_message(text=self.text(key, **values), buttons=buttons or [])

    def offer(self, *intents: str) -> List[Dict[str, str]]:
        """Buttons for things the bot can do next (labels from faq/actions.yml)."""
        labels = _action_labels()
        return [{"title": labels[i][self.language], "payload": f"/{i}"} for i in intents]


class AskWithPhrase(Action, ABC):
    """A form question that is one phrase (the `action_ask_<slot>` Rasa calls)."""

    phrase_key: str

    @abstractmethod
    def name(self) -> Text:
        """Rasa's name for this question: action_ask_<slot>."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        Reply(dispatcher, tracker).say(self.phrase_key)
        return []
