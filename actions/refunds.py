"""Requesting a refund: transaction, reason, confirmation; the backend's rules decide."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.ticket_requests import REFUND, AskReason, SubmitTicketRequest, ValidateTicketForm


class ValidateRefundForm(ValidateTicketForm):
    request = REFUND

    def name(self) -> Text:
        return "validate_refund_form"

    async def validate_refund_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._validate_reason(value)


class ActionAskRefundReason(AskReason):
    request = REFUND

    def name(self) -> Text:
        return "action_ask_refund_reason"


class ActionRequestRefund(SubmitTicketRequest):
    request = REFUND

    def name(self) -> Text:
        return "action_request_refund"
