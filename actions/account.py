"""One-step account requests: send a reset link, lock the account, report ticket status."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, backend, now
from actions.conversation import HANDOFF, Reply
from actions.identity import verified_customer
from actions.ticket_requests import reset_request
from bot.backend.account_locks import lock_account
from bot.backend.errors import AccountLocked, NotFound, RateLimited
from bot.backend.password_resets import TOKEN_TTL, send_reset_link
from bot.backend.tickets import TicketView, get_ticket, list_tickets

MAX_LISTED_TICKETS = 5


class ActionSendResetLink(Action):
    """Never asks for a password: a single-use link goes to the registered e-mail."""

    def name(self) -> Text:
        return "action_send_reset_link"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        try:
            with backend() as session:
                masked = send_reset_link(session, verified_customer(tracker), now())
        except RateLimited as limited:
            reply.say("reset_rate_limited", minutes=max(1, limited.retry_after_seconds // 60))
        except AccountLocked:
            reply.say("refused_account_locked", buttons=reply.offer(HANDOFF))
        except BackendUnavailable:
            reply.say("backend_down", buttons=reply.offer(HANDOFF))
        else:
            reply.say("reset_link_sent", email=masked, minutes=int(TOKEN_TTL.total_seconds() // 60))
        return []


class ActionLockAccount(Action):
    """Locks at once: a customer who fears fraud must not wait for a confirmation step."""

    def name(self) -> Text:
        return "action_lock_account"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        try:
            with backend() as session:
                lock_account(session, verified_customer(tracker), now(), reason="customer request in chat")
        except BackendUnavailable:
            reply.say("backend_down", buttons=reply.offer(HANDOFF))
        else:
            reply.say("account_locked_done", buttons=reply.offer(HANDOFF))
        return []


class ActionCheckStatus(Action):
    """The ticket named in the message, or the customer's open and recent tickets."""

    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        customer = verified_customer(tracker)
        asked = next(tracker.get_latest_entity_values("ticket_id"), None) or tracker.get_slot("ticket_id")
        try:
            with backend() as session:
                tickets = [get_ticket(session, customer, asked)] if asked else list_tickets(session, customer)
        except NotFound:
            reply.say("ticket_not_found", ticket_number=asked)
            return [SlotSet("ticket_id", None)]
        except BackendUnavailable:
            reply.say("backend_down", buttons=reply.offer(HANDOFF))
            return []
        if not tickets:
            reply.say("no_tickets")
        else:
            lines = "\n".join(_ticket_line(reply, t) for t in tickets[:MAX_LISTED_TICKETS])
            reply.say("ticket_list", tickets=lines)
        return [SlotSet("ticket_id", None)]


def _ticket_line(reply: Reply, ticket: TicketView) -> str:
    return reply.text(
        "ticket_line",
        ticket_number=ticket.ticket_number,
        kind=reply.text(f"kind_{ticket.kind}"),
        transaction_id=ticket.transaction_public_id,
        status=reply.text(f"status_{ticket.status}"),
        updated=ticket.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


class ActionCancelRequest(Action):
    """The customer stopped a request: nothing was written, every request slot is cleared."""

    def name(self) -> Text:
        return "action_cancel_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        Reply(dispatcher, tracker).say("request_cancelled")
        return reset_request() + [SlotSet("requested_slot", None), SlotSet("contact", None), SlotSet("otp_code", None)]
