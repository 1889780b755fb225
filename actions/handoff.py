"""Handing the conversation to a human agent.

The conversation is queued in the backend with what the agent needs (channel,
language, customer, reason, a short summary) and paused in Rasa, so the bot
stays silent while a person answers. Out of support hours the customer gets
a follow-up ticket and the time they will hear back, and stays with the bot;
so do they when no agent has the console open.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import BackendUnavailable, backend, now
from actions.conversation import Reply
from actions.identity import verified_customer
from bot.backend.agents import agents_online
from bot.backend.business_hours import is_open, next_opening, support_schedule
from bot.backend.handoffs import leave_ticket, position_in_queue, request_handoff

# Slots an agent may see in the summary: never codes, tokens or contacts.
SUMMARY_SLOTS = ("pending_request", "transaction_id", "dispute_reason", "refund_reason", "ticket_id", "refusal")
# Why the customer asks for a person, from what the bot did just before.
REASON_AFTER_ACTION = {
    "action_lock_account": "account_locked",
    "action_request_refund": "refusal_contested",
    "action_open_dispute": "refusal_contested",
    "action_did_you_mean": "low_confidence",
}


def handoff_reason(tracker: Tracker) -> str:
    """The reason code for the handoff queue, from the bot's last action before this message."""
    for event in reversed(tracker.events[:-1]):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return REASON_AFTER_ACTION.get(event["name"], "customer_request")
    return "customer_request"


def conversation_summary(tracker: Tracker) -> str:
    """One line for the agent: the latest intents and the request's filled slots."""
    intents = [
        e.get("parse_data", {}).get("intent", {}).get("name")
        for e in tracker.events if e.get("event") == "user"
    ]
    recent = [i for i in intents if i][-4:]
    slots = {name: tracker.get_slot(name) for name in SUMMARY_SLOTS if tracker.get_slot(name)}
    parts = [f"intents: {' > '.join(recent) or '-'}"]
    if slots:
        parts.append("slots: " + ", ".join(f"{k}={v}" for k, v in slots.items()))
    return "; ".join(parts)


class ActionRequestHandoff(Action):
    def name(self) -> Text:
        return "action_request_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        moment = now()
        try:
            with backend() as session:
                handoff = request_handoff(
                    session, tracker.sender_id, tracker.get_latest_input_channel() or "rest", reply.language,
                    verified_customer(tracker), handoff_reason(tracker), conversation_summary(tracker), moment,
                )
                schedule = support_schedule()
                if not is_open(moment, schedule):
                    ticket = leave_ticket(session, handoff.handoff_id, moment)
                    opening = next_opening(moment, schedule).astimezone(schedule.zone)
                    reply.say("handoff_out_of_hours", ticket=ticket.ticket_number or ticket.handoff_id,
                              opening=opening.strftime("%Y-%m-%d %H:%M"), zone=schedule.zone.key)
                    return []
                if handoff.created and agents_online(session, moment) == 0:
                    ticket = leave_ticket(session, handoff.handoff_id, moment)
                    reply.say("handoff_no_agents", ticket=ticket.ticket_number or ticket.handoff_id)
                    return []
                position = position_in_queue(session, handoff.handoff_id)
        except BackendUnavailable:
            reply.say("handoff_unavailable", buttons=[{"title": reply.text("contact_support"), "payload": "/faq/contact_channels"}])
            return []
        reply.say("handoff_queued", position=position)
        return [ConversationPaused()]
