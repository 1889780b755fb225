"""Who is asking: a signed customer token, or a one-time code sent to a registered contact.

Account requests call `action_identify_customer` first (see
data/account_rules.yml): a customer already verified in this conversation,
or one whose channel passed a valid signed token, goes straight on; anyone
else fills `verify_form`. The bot never says whether a contact is registered.
The code reaches the form as a keyed digest in the message metadata (our
channels put a placeholder in the message: channels/gate.py), so no tracker
holds it.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, backend, now
from actions.conversation import HANDOFF, AskWithPhrase, Reply
from bot.backend.errors import VerificationLocked
from bot.backend.verification import CODE_TTL, check_code, check_code_digest, start_verification
from bot.identity import VERIFIED_CUSTOMER_KEY
from bot.sensitive import CODE_DIGEST_KEY

ACCOUNT_REQUESTS = ("reset_password", "open_dispute", "request_refund", "check_status", "lock_account")
_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_DIGEST = re.compile(r"[0-9a-f]{64}")
# What the verify form leaves in its slots: never the code itself.
CODE_ACCEPTED = "accepted"
CODE_LOCKED = "locked"


def verified_customer(tracker: Tracker) -> Optional[str]:
    """The customer this conversation is verified as, or None."""
    if tracker.get_slot("customer_verified"):
        return tracker.get_slot("customer_id")
    return None


class ActionIdentifyCustomer(Action):
    def name(self) -> Text:
        return "action_identify_customer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        request = tracker.latest_message.get("intent", {}).get("name")
        metadata = tracker.latest_message.get("metadata") or {}
        customer = metadata.get(VERIFIED_CUSTOMER_KEY) or verified_customer(tracker)
        events = [
            SlotSet("pending_request", request if request in ACCOUNT_REQUESTS else None),
            SlotSet("customer_verified", customer is not None),
            SlotSet("customer_id", customer),
        ]
        if customer is None:
            Reply(dispatcher, tracker).say("verify_intro")
        return events


class ActionAskContact(AskWithPhrase):
    phrase_key = "ask_contact"

    def name(self) -> Text:
        return "action_ask_contact"


class ActionAskOtpCode(AskWithPhrase):
    phrase_key = "ask_otp_code"

    def name(self) -> Text:
        return "action_ask_otp_code"


def _contact_in(tracker: Tracker) -> Optional[str]:
    """An e-mail address or phone number the spaCy rules found in the latest message."""
    for entity in ("email", "phone"):
        value = next(tracker.get_latest_entity_values(entity), None)
        if value:
            return value
    return None


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_verify_form"

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared, not typed: nothing to check
            return {"contact": None}
        reply = Reply(dispatcher, tracker)
        contact = _contact_in(tracker)
        if contact is None:
            reply.say("contact_invalid")
            return {"contact": None}
        try:
            with backend() as session:
                start_verification(session, contact, now())
        except BackendUnavailable:
            return _backend_down(reply)
        reply.say("code_sent", minutes=int(CODE_TTL.total_seconds() // 60))
        return {"contact": contact}

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            return {"otp_code": None}
        reply = Reply(dispatcher, tracker)
        new_contact = _contact_in(tracker)
        if new_contact and new_contact != tracker.get_slot("contact"):
            # A different address: start again with it.
            return {**await self.validate_contact(new_contact, dispatcher, tracker, domain), "otp_code": None}
        digest = _typed_code_digest(tracker)
        match = _CODE.search(str(value or ""))
        if digest is None and not match:
            reply.say("code_invalid")
            return {"otp_code": None}
        contact = tracker.get_slot("contact")
        try:
            with backend() as session:
                if digest is not None:
                    customer = check_code_digest(session, contact, digest, now())
                else:  # a channel without our gate (`rasa shell`): the code itself
                    customer = check_code(session, contact, match.group(1), now())
        except VerificationLocked as locked:
            minutes = max(1, int((locked.until - now()).total_seconds() // 60) + 1)
            reply.say("verification_locked", minutes=minutes, buttons=reply.offer(HANDOFF))
            return {"otp_code": CODE_LOCKED, "customer_verified": False}
        except BackendUnavailable:
            return _backend_down(reply)
        if customer is None:
            reply.say("code_wrong")
            return {"otp_code": None}
        reply.say("verified")
        return {"otp_code": CODE_ACCEPTED, "customer_verified": True, "customer_id": customer}


def _typed_code_digest(tracker: Tracker) -> Optional[str]:
    """The digest our channels' gate put in place of a typed code (channels/gate.py), if any."""
    digest = (tracker.latest_message.get("metadata") or {}).get(CODE_DIGEST_KEY)
    return digest if isinstance(digest, str) and _DIGEST.fullmatch(digest) else None


def _backend_down(reply: Reply) -> Dict[Text, Any]:
    """Ends the form: nothing was written, the customer is offered an agent."""
    reply.say("backend_down", buttons=reply.offer(HANDOFF))
    return {"contact": "unavailable", "otp_code": CODE_LOCKED, "customer_verified": False}


class ActionVerificationFailed(Action):
    """The verify form ended without a verified customer (locked, or backend down)."""

    def name(self) -> Text:
        return "action_verification_failed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        return [SlotSet("contact", None), SlotSet("otp_code", None)]
