"""Requesting a refund: transaction, reason, confirmation; the backend's rules decide."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import Reply
from actions.ticket_requests import REFUND, SubmitTicketRequest, ValidateTicketForm
from bot.reasons import reason_payload


class ValidateRefundForm(ValidateTicketForm):
    request = REFUND

    def name(self) -> Text:
        return "validate_refund_form"

    async def validate_refund_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._validate_reason(value)


class ActionAskRefundReason(Action):
    def name(self) -> Text:
        return "action_ask_refund_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        reply.say("ask_refund_reason", buttons=[
            {"title": reply.text(f"reason_{code}"), "payload": reason_payload(REFUND.reason_slot, code)}
            for code in REFUND.reasons
        ])
        return []


class ActionRequestRefund(SubmitTicketRequest):
    request = REFUND

    def name(self) -> Text:
        return "action_request_refund"
