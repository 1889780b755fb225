"""What the bot does when it is not sure what the customer said."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import conversation_language
from bot.faq import topic_buttons
from bot.phrases import phrase
from bot.suggestions import likely_topics

FALLBACK_INTENT = "nlu_fallback"
HANDOFF_PAYLOAD = "/human_handoff"


class ActionDidYouMean(Action):
    """First miss: "Did you mean ...?" with two topics. Second miss in a row: offer an agent."""

    def __init__(self) -> None:
        self._buttons = topic_buttons()

    def name(self) -> Text:
        return "action_did_you_mean"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = conversation_language(tracker.events, tracker.slots)
        if _previous_message_was_a_miss(tracker):
            agent = phrase("talk_to_agent", language)
            dispatcher.utter_message(
                text=phrase("offer_human", language),
                buttons=[{"title": agent, "payload": HANDOFF_PAYLOAD}],
            )
            return []
        message = tracker.latest_message
        ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != FALLBACK_INTENT]
        faq_ranking = message.get("response_selector", {}).get("faq", {}).get("ranking")
        topics = likely_topics(ranking, faq_ranking, self._buttons)
        dispatcher.utter_message(
            text=phrase("did_you_mean", language),
            buttons=[
                {"title": self._buttons[t].title[language], "payload": self._buttons[t].payload}
                for t in topics
            ],
        )
        return []


def _previous_message_was_a_miss(tracker: Tracker) -> bool:
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return False
    previous = user_events[-2].get("parse_data", {}).get("intent", {})
    return previous.get("name") == FALLBACK_INTENT
