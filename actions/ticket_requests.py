"""What dispute and refund forms share: choosing a transaction, confirming, submitting.

The two forms differ only in their reasons, their eligibility rule and the
backend call that opens the ticket; `TicketRequest` names those differences.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.backend import BackendUnavailable, backend, now
from actions.conversation import HANDOFF, Reply
from actions.identity import verified_customer
from bot.backend.config import backend_settings
from bot.backend.disputes import DISPUTE_REASONS, dispute_eligibility, open_dispute
from bot.backend.eligibility import Eligibility
from bot.backend.errors import AccountLocked, NotEligible, NotFound
from bot.backend.refunds import REFUND_REASONS, refund_eligibility, request_refund
from bot.backend.tickets import TicketView
from bot.backend.transaction_search import find_transactions
from bot.backend.transactions import TransactionView, get_transaction, recent_transactions
from bot.reasons import DISPUTE_REASON_ENTITY, REFUND_REASON_ENTITY, reason_from_text, reason_payload

ALREADY_OPEN = "already_open"
BACKEND_DOWN = "backend_unavailable"
ACCOUNT_LOCKED = "account_locked"
# Not `pending_request`: it shapes the dialogue rules (it is featurized), and
# changing it after a request would leave no rule to follow; the next request
# overwrites it.
REQUEST_SLOTS = ("transaction_id", "dispute_reason", "evidence", "refund_reason", "confirmed", "refusal")
MAX_EVIDENCE_CHARS = 1000
MIN_EVIDENCE_CHARS = 4
OFFERED_TRANSACTIONS = 5
TRANSACTION_ID = re.compile(r"T\d{8}-\d{4}")


@dataclass(frozen=True)
class TicketRequest:
    form: str
    reason_slot: str
    reasons: Sequence[str]
    eligibility: Callable[[Session, str, str, datetime], Eligibility]
    submit: Callable[[Session, str, str, str, str, datetime], TicketView]
    alternatives: Sequence[str]  # offered when the request is refused


DISPUTE = TicketRequest(
    form="dispute_form",
    reason_slot=DISPUTE_REASON_ENTITY,
    reasons=DISPUTE_REASONS,
    eligibility=lambda session, customer, txn, when: dispute_eligibility(session, customer, txn),
    submit=open_dispute,
    alternatives=(HANDOFF,),
)
REFUND = TicketRequest(
    form="refund_form",
    reason_slot=REFUND_REASON_ENTITY,
    reasons=REFUND_REASONS,
    eligibility=refund_eligibility,
    submit=request_refund,
    alternatives=("open_dispute", HANDOFF),
)
REQUESTS = {request.form: request for request in (DISPUTE, REFUND)}


def described_amount_and_day(tracker: Tracker) -> Tuple[Optional[Decimal], Optional[str], Optional[date]]:
    """The amount ("100 CNY") and date ("2026-11-24") the spaCy rules found in the message."""
    amount = currency = day = None
    found = next(tracker.get_latest_entity_values("amount"), None)
    if found:
        number, _, currency = str(found).partition(" ")
        amount = Decimal(number)
    when = next(tracker.get_latest_entity_values("date"), None)
    if when:
        day = date.fromisoformat(str(when))
    return amount, currency or None, day


def reset_request() -> List[Dict[Text, Any]]:
    """Clears every slot of a request, so the next one starts fresh."""
    return [SlotSet(slot, None) for slot in REQUEST_SLOTS]


def describe(transaction: TransactionView, reply: Reply) -> str:
    """One line a customer recognises: id, amount, counterparty, date."""
    return reply.text(
        "transaction_line",
        transaction_id=transaction.public_id,
        amount=f"{transaction.amount:,.2f}",
        currency=transaction.currency,
        counterparty=transaction.counterparty,
        date=transaction.created_at.date().isoformat(),
    )


class ValidateTicketForm(FormValidationAction, ABC):
    """Validation shared by the dispute and refund forms."""

    request: TicketRequest

    @abstractmethod
    def name(self) -> Text:
        """Each form names its own validation action."""

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # A refused request ends the form; the submit action explains why.
        return [] if tracker.get_slot("refusal") else domain_slots

    async def validate_transaction_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # cleared, not typed: nothing to check
            return {"transaction_id": None}
        reply = Reply(dispatcher, tracker)
        if not TRANSACTION_ID.fullmatch(str(value).strip().upper()):
            value = self._transaction_described(tracker, reply)
            if value is None:
                return {"transaction_id": None}
        try:
            with backend() as session:
                eligibility = self.request.eligibility(session, verified_customer(tracker), str(value), now())
        except NotFound:
            reply.say("transaction_not_found", transaction_id=value)
            return {"transaction_id": None}
        except AccountLocked:
            return {"transaction_id": value, "refusal": ACCOUNT_LOCKED}
        except BackendUnavailable:
            return {"transaction_id": value, "refusal": BACKEND_DOWN}
        if eligibility.open_ticket:
            return {"transaction_id": value, "refusal": ALREADY_OPEN}
        if not eligibility.ok:
            return {"transaction_id": value, "refusal": eligibility.reason_code}
        return {"transaction_id": value}

    def _transaction_described(self, tracker: Tracker, reply: Reply) -> Optional[str]:
        """The one transaction matching the amount/date in the message, or None (after saying why)."""
        amount, currency, day = described_amount_and_day(tracker)
        if amount is None and currency is None and day is None:
            reply.say("transaction_not_understood")
            return None
        try:
            with backend() as session:
                search = find_transactions(
                    session, verified_customer(tracker), now(), amount=amount, currency=currency, day=day
                )
        except BackendUnavailable:
            reply.say("backend_down", buttons=reply.offer(HANDOFF))
            return None
        if search.problem:
            reply.say(f"search_{search.problem}", currency=currency or "")
            return None
        if len(search.matches) > 1:
            buttons = [{"title": describe(t, reply), "payload": t.public_id} for t in search.matches[:OFFERED_TRANSACTIONS]]
            reply.say("search_several", buttons=buttons)
            return None
        return search.matches[0].public_id

    def _validate_reason(self, value: Any) -> Dict[Text, Any]:
        code = value if value in self.request.reasons else reason_from_text(str(value), self.request.reasons)
        return {self.request.reason_slot: code}


class ActionAskTransactionId(Action):
    """Offers the customer's recent transactions that this request can apply to."""

    def name(self) -> Text:
        return "action_ask_transaction_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        request = REQUESTS[tracker.active_loop.get("name", DISPUTE.form)]
        customer = verified_customer(tracker)
        try:
            with backend() as session:
                offered = [
                    t for t in recent_transactions(session, customer, limit=10)
                    if request.eligibility(session, customer, t.public_id, now()).ok
                ][:OFFERED_TRANSACTIONS]
        except (BackendUnavailable, AccountLocked):
            offered = []
        buttons = [{"title": describe(t, reply), "payload": t.public_id} for t in offered]
        reply.say("ask_transaction" if offered else "ask_transaction_none", buttons=buttons)
        return []


class AskReason(Action, ABC):
    """The reasons of one kind of request, as buttons (typed reasons work too)."""

    request: TicketRequest

    @abstractmethod
    def name(self) -> Text:
        """Rasa's name for this question: action_ask_<reason slot>."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        reply.say(f"ask_{self.request.reason_slot}", buttons=[
            {"title": reply.text(f"reason_{code}"), "payload": reason_payload(self.request.reason_slot, code)}
            for code in self.request.reasons
        ])
        return []


class ActionAskConfirmed(Action):
    """A summary of what is about to be submitted, with yes/no."""

    def name(self) -> Text:
        return "action_ask_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        request = REQUESTS[tracker.active_loop.get("name", DISPUTE.form)]
        try:
            with backend() as session:
                transaction = get_transaction(session, verified_customer(tracker), tracker.get_slot("transaction_id"))
            line = describe(transaction, reply)
        except (BackendUnavailable, NotFound):
            line = tracker.get_slot("transaction_id")
        reply.say(
            f"confirm_{request.form}",
            transaction=line,
            reason=reply.text(f"reason_{tracker.get_slot(request.reason_slot)}"),
            evidence=(tracker.get_slot("evidence") or "")[:200],
            buttons=[
                {"title": reply.text("yes_submit"), "payload": "/affirm"},
                {"title": reply.text("no_do_not_submit"), "payload": "/deny"},
            ],
        )
        return []


class SubmitTicketRequest(Action, ABC):
    """Writes the ticket (or explains the refusal) and clears the form."""

    request: TicketRequest

    @abstractmethod
    def name(self) -> Text:
        """Each request names its own submit action."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = Reply(dispatcher, tracker)
        refusal = tracker.get_slot("refusal")
        if refusal and refusal != ALREADY_OPEN:
            self._refuse(reply, refusal)
            return reset_request()
        if refusal is None and tracker.get_slot("confirmed") is not True:
            reply.say("not_submitted")
            return reset_request()
        try:
            with backend() as session:
                ticket = self.request.submit(
                    session, verified_customer(tracker), tracker.get_slot("transaction_id"),
                    tracker.get_slot(self.request.reason_slot) or "other",
                    tracker.get_slot("evidence") or "", now(),
                )
        except NotEligible as refused:
            self._refuse(reply, refused.reason_code)
        except AccountLocked:
            self._refuse(reply, ACCOUNT_LOCKED)
        except NotFound:
            reply.say("transaction_not_found", transaction_id=tracker.get_slot("transaction_id"))
        except BackendUnavailable:
            self._refuse(reply, BACKEND_DOWN)
        else:
            self._report(reply, ticket)
        return reset_request()

    def _report(self, reply: Reply, ticket: TicketView) -> None:
        if not ticket.created:
            reply.say(
                "ticket_already_open", ticket_number=ticket.ticket_number,
                status=reply.text(f"status_{ticket.status}"),
            )
            return
        reply.say(f"{self.request.form}_submitted", ticket_number=ticket.ticket_number)

    def _refuse(self, reply: Reply, reason_code: str) -> None:
        reply.say(
            f"refused_{reason_code}", buttons=reply.offer(*self.request.alternatives),
            days=backend_settings().refund_window_days,
        )
