"""Opening a dispute: transaction, reason, evidence, confirmation."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import Reply
from actions.ticket_requests import (
    DISPUTE, MAX_EVIDENCE_CHARS, MIN_EVIDENCE_CHARS, SubmitTicketRequest, ValidateTicketForm,
)
from bot.reasons import reason_payload


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


class ActionAskDisputeReason(Action):
    def name(self) -> Text:
        return "action_ask_dispute_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        reply.say("ask_dispute_reason", buttons=[
            {"title": reply.text(f"reason_{code}"), "payload": reason_payload(DISPUTE.reason_slot, code)}
            for code in DISPUTE.reasons
        ])
        return []


class ActionAskEvidence(Action):
    def name(self) -> Text:
        return "action_ask_evidence"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        Reply(dispatcher, tracker).say("ask_evidence")
        return []


class ActionOpenDispute(SubmitTicketRequest):
    request = DISPUTE

    def name(self) -> Text:
        return "action_open_dispute"
