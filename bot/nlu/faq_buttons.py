"""Makes FAQ topic buttons (`/faq/password_reset`) answer exactly that topic.

Rasa turns a `/intent` payload into an intent, but for a retrieval intent it
keeps whatever the ResponseSelector guessed from the literal text
"/faq/password_reset". This component, placed after the ResponseSelector,
sets the `faq` prediction to the topic the button names. The topics are the
ones the ResponseSelector was trained on.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE_SELECTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

RETRIEVAL_INTENT = "faq"
PAYLOAD_PREFIX = f"/{RETRIEVAL_INTENT}/"
_TOPICS_FILE = "topics.txt"

# Rasa's RegexMessageHandler runs after us and warns that "faq/x" is not an
# intent of the domain; that is expected, the prediction set here stands.
warnings.filterwarnings("ignore", message=r"Failed to parse arguments in line '/faq/")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class FaqButtonPayloads(GraphComponent):
    """Deterministic FAQ answers for `/faq/<topic>` button payloads."""

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, topics: Set[str]
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._topics = topics

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqButtonPayloads":
        return cls(model_storage, resource, set())

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FaqButtonPayloads":
        try:
            with model_storage.read_from(resource) as directory:
                text = (directory / _TOPICS_FILE).read_text(encoding="utf-8")
        except ValueError:
            text = ""
        return cls(model_storage, resource, set(text.split()))

    def train(self, training_data: TrainingData) -> Resource:
        prefix = f"{RETRIEVAL_INTENT}/"
        self._topics = {
            example.get_full_intent()[len(prefix):]
            for example in training_data.intent_examples
            if example.get_full_intent().startswith(prefix)
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _TOPICS_FILE).write_text(
                "\n".join(sorted(self._topics)), encoding="utf-8"
            )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            topic = self._topic_of(message.get(TEXT))
            if topic:
                _answer_topic(message, topic)
        return messages

    def _topic_of(self, text: Optional[str]) -> Optional[str]:
        text = (text or "").strip()
        if not text.startswith(PAYLOAD_PREFIX):
            return None
        topic = text[len(PAYLOAD_PREFIX):]
        return topic if topic in self._topics else None


def _answer_topic(message: Message, topic: str) -> None:
    key = f"{RETRIEVAL_INTENT}/{topic}"
    message.set(
        INTENT, {INTENT_NAME_KEY: RETRIEVAL_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0},
        add_to_output=True,
    )
    message.set(
        INTENT_RANKING_KEY,
        [{INTENT_NAME_KEY: RETRIEVAL_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}],
        add_to_output=True,
    )
    selector = message.get(RESPONSE_SELECTOR, {})
    prediction = {INTENT_RESPONSE_KEY: key, PREDICTED_CONFIDENCE_KEY: 1.0}
    selector[RETRIEVAL_INTENT] = {
        "response": {**prediction, "responses": [], "utter_action": f"utter_{key}"},
        "ranking": [prediction],
    }
    message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
