"""Opening a dispute: transaction, reason, evidence, confirmation."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import AskWithPhrase, Reply
from actions.ticket_requests import (
    DISPUTE, MAX_EVIDENCE_CHARS, MIN_EVIDENCE_CHARS, AskReason, SubmitTicketRequest, ValidateTicketForm,
)


class ValidateDisputeForm(ValidateTicketForm):
    request = DISPUTE

    def name(self) -> Text:
        return "validate_dispute_form"

    async def validate_dispute_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._validate_reason(value)

    async def validate_evidence(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(text) < MIN_EVIDENCE_CHARS:
            Reply(dispatcher, tracker).say("evidence_too_short")
            return {"evidence": None}
        if len(text) > MAX_EVIDENCE_CHARS:
            Reply(dispatcher, tracker).say("evidence_too_long", max_chars=MAX_EVIDENCE_CHARS)
            return {"evidence": None}
        return {"evidence": text}


class ActionAskDisputeReason(AskReason):
    request = DISPUTE

    def name(self) -> Text:
        return "action_ask_dispute_reason"


class ActionAskEvidence(AskWithPhrase):
    phrase_key = "ask_evidence"

    def name(self) -> Text:
        return "action_ask_evidence"


class ActionOpenDispute(SubmitTicketRequest):
    request = DISPUTE

    def name(self) -> Text:
        return "action_open_dispute"
