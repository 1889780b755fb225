"""Account actions with rasa_sdk's Tracker and CollectingDispatcher, against a real database."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend as actions_backend
from bot.backend.db import default_engine
from actions.account import ActionCheckStatus, ActionLockAccount, ActionSendResetLink
from actions.disputes import ActionOpenDispute, ValidateDisputeForm
from actions.identity import ActionIdentifyCustomer, ValidateVerifyForm
from actions.refunds import ActionRequestRefund, ValidateRefundForm
from actions.ticket_requests import ActionAskTransactionId
from bot.backend.audit import events_for
from bot.backend.customers import get_customer
from bot.backend.db import make_engine, migrate, session_scope
from bot.backend.demo_data import seed
from bot.backend.outbox import messages_for
from bot.backend.tickets import list_tickets

LIN, ALEX = "C-1001", "C-1002"


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'kdpay.db'}"
    monkeypatch.setenv("KDPAY_DATABASE_URL", url)
    default_engine.cache_clear()
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed(session, actions_backend.now())
    yield engine
    engine.dispose()
    default_engine.cache_clear()


def tracker(text: str = "", slots: Optional[Dict[str, Any]] = None, intent: str = "inform",
            entities: Optional[List[Dict[str, Any]]] = None, metadata: Optional[Dict[str, Any]] = None,
            active_loop: Optional[str] = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0},
               "entities": entities or [], "metadata": metadata or {}}
    events = [{"event": "user", "text": text, "parse_data": message, "metadata": metadata or {}}]
    slots = {"language": "en", **(slots or {})}  # for messages that tell no language (ids, codes)
    return Tracker("test", slots, message, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def verified(**slots: Any) -> Dict[str, Any]:
    return {"customer_verified": True, "customer_id": LIN, **slots}


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


def validate(form, slot: str, value: Any, t: Tracker):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(getattr(form, f"validate_{slot}")(value, dispatcher, t, {}))
    return result, dispatcher.messages


def said(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# Who is asking -------------------------------------------------------------

def test_a_channel_verified_customer_goes_straight_on(database):
    events, messages = run(ActionIdentifyCustomer(), tracker("refund", intent="request_refund", metadata={"customer_id": LIN}))
    assert slot_events(events) == {"pending_request": "request_refund", "customer_verified": True, "customer_id": LIN}
    assert messages == []


def test_an_anonymous_customer_is_asked_to_verify_and_never_for_a_password(database):
    events, messages = run(ActionIdentifyCustomer(), tracker("I want a refund", intent="request_refund"))
    assert slot_events(events)["customer_verified"] is False
    assert "never ask for your password" in said(messages)


def email(value: str) -> List[Dict[str, Any]]:
    return [{"entity": "email", "value": value}]


def latest_code(engine, address: str) -> str:
    with session_scope(engine) as session:
        body = messages_for(session, address)[-1].body
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_one_time_code_verification(database):
    form = ValidateVerifyForm()
    result, messages = validate(form, "contact", "my email is lin@example.com", tracker("my email is lin@example.com", entities=email("lin@example.com")))
    assert result == {"contact": "lin@example.com"}
    code = latest_code(database, "lin@example.com")
    wrong = "000000" if code != "000000" else "111111"
    result, messages = validate(form, "otp_code", wrong, tracker(wrong, slots={"contact": "lin@example.com"}))
    assert result == {"otp_code": None} and "wrong" in said(messages)
    result, messages = validate(form, "otp_code", code, tracker(code, slots={"contact": "lin@example.com"}))
    assert result == {"otp_code": "accepted", "customer_verified": True, "customer_id": LIN}
    assert code not in str(result)


def test_an_unregistered_contact_gets_the_same_reply(database):
    form = ValidateVerifyForm()
    _, registered = validate(form, "contact", "x", tracker("lin@example.com", entities=email("lin@example.com")))
    _, unknown = validate(form, "contact", "x", tracker("nobody@example.com", entities=email("nobody@example.com")))
    assert said(registered) == said(unknown)
    with session_scope(database) as session:
        assert messages_for(session, "nobody@example.com") == []


def test_five_wrong_codes_lock_verification(database):
    form = ValidateVerifyForm()
    validate(form, "contact", "x", tracker("lin@example.com", entities=email("lin@example.com")))
    code = latest_code(database, "lin@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        validate(form, "otp_code", wrong, tracker(wrong, slots={"contact": "lin@example.com"}))
    result, messages = validate(form, "otp_code", code, tracker(code, slots={"contact": "lin@example.com"}))
    assert result["customer_verified"] is False and "locked" in said(messages)


def test_a_contact_that_is_not_one_is_asked_again(database):
    result, messages = validate(ValidateVerifyForm(), "contact", "hello", tracker("hello"))
    assert result == {"contact": None} and "e-mail" in said(messages)


# Disputes and refunds --------------------------------------------------------

def test_someone_elses_transaction_is_not_found(database):
    result, messages = validate(ValidateDisputeForm(), "transaction_id", "T20261103-0101", tracker("T20261103-0101", slots=verified()))
    assert result == {"transaction_id": None}
    assert "can't find transaction T20261103-0101" in said(messages)


def test_transaction_choices_are_the_customers_eligible_ones(database):
    _, messages = run(ActionAskTransactionId(), tracker("refund please", slots=verified(), active_loop="refund_form"))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert "T20261102-0001" in payloads and "T20261028-0004" in payloads
    assert "T20260903-0002" not in payloads  # outside the refund window
    assert "T20261105-0003" not in payloads  # pending


def test_a_pending_transaction_ends_the_dispute_form_with_a_reason(database):
    result, _ = validate(ValidateDisputeForm(), "transaction_id", "T20261105-0003", tracker("T20261105-0003", slots=verified()))
    assert result == {"transaction_id": "T20261105-0003", "refusal": "pending"}
    _, messages = run(ActionOpenDispute(), tracker("", slots=verified(transaction_id="T20261105-0003", refusal="pending")))
    assert "still pending" in said(messages)


def test_a_confirmed_dispute_opens_a_ticket_once(database):
    slots = verified(transaction_id="T20261102-0001", dispute_reason="not_received",
                     evidence="<b>seller</b> never shipped'; DROP TABLE disputes; --", confirmed=True)
    events, messages = run(ActionOpenDispute(), tracker("是的", slots=slots, intent="affirm"))
    number = re.search(r"DSP-\d{6}", said(messages)).group(0)
    assert "已提交争议" in said(messages) and "短信或邮件" in said(messages)
    assert slot_events(events)["transaction_id"] is None
    _, again = run(ActionOpenDispute(), tracker("yes", slots=slots, intent="affirm"))
    assert number in said(again) and "already has an open ticket" in said(again)
    with session_scope(database) as session:
        tickets = [t for t in list_tickets(session, LIN) if t.ticket_number == number]
        assert tickets[0].description.startswith("<b>seller</b>")
        assert any(m.subject for m in messages_for(session, "lin@example.com"))


def test_a_declined_summary_writes_nothing(database):
    slots = verified(transaction_id="T20261102-0001", refund_reason="wrong_amount", confirmed=False)
    _, messages = run(ActionRequestRefund(), tracker("no", slots=slots, intent="deny"))
    assert "nothing was submitted" in said(messages)
    with session_scope(database) as session:
        assert [t for t in list_tickets(session, LIN) if t.kind == "refund"] == []


def test_a_refund_outside_the_window_is_refused_with_alternatives(database):
    result, _ = validate(ValidateRefundForm(), "transaction_id", "T20260903-0002", tracker("T20260903-0002", slots=verified()))
    assert result["refusal"] == "outside_refund_window"
    _, messages = run(ActionRequestRefund(), tracker("", slots=verified(transaction_id="T20260903-0002", refusal="outside_refund_window")))
    assert "30 days" in said(messages)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/open_dispute", "/human_handoff"]


def test_a_granted_refund_gets_a_ticket(database):
    slots = verified(transaction_id="T20261102-0001", refund_reason="cancelled_order", confirmed=True)
    _, messages = run(ActionRequestRefund(), tracker("确认", slots=slots, intent="affirm"))
    assert re.search(r"RFD-\d{6}", said(messages))


# Password reset, lock, status -------------------------------------------------

def test_reset_link_goes_to_the_registered_email_at_most_three_times_an_hour(database):
    for _ in range(3):
        _, messages = run(ActionSendResetLink(), tracker("reset my password", slots=verified()))
        assert "l***@example.com" in said(messages)
    _, messages = run(ActionSendResetLink(), tracker("reset my password", slots=verified()))
    assert "Too many reset links" in said(messages)
    with session_scope(database) as session:
        assert sum("reset?token=" in m.body for m in messages_for(session, "lin@example.com")) == 3


def test_lock_account_locks_at_once_and_offers_an_agent(database):
    _, messages = run(ActionLockAccount(), tracker("lock my account", slots=verified()))
    assert "locked" in said(messages) and messages[0]["buttons"][0]["payload"] == "/human_handoff"
    with session_scope(database) as session:
        assert get_customer(session, LIN).locked
        assert "account_locked" in [e.kind for e in events_for(session, LIN)]


def test_status_lists_own_tickets_and_hides_others(database):
    _, messages = run(ActionCheckStatus(), tracker("my tickets", slots=verified(customer_id=ALEX)))
    assert "DSP-" in said(messages) or "RFD-" in said(messages)
    with session_scope(database) as session:
        alex_ticket = list_tickets(session, ALEX)[0].ticket_number
    _, messages = run(ActionCheckStatus(), tracker(alex_ticket, slots=verified(), entities=[{"entity": "ticket_id", "value": alex_ticket}]))
    assert f"can't find ticket {alex_ticket}" in said(messages)


def test_a_transaction_described_by_amount_and_day_is_found(database):
    with session_scope(database) as session:
        from bot.backend.transactions import get_transaction
        wanted = get_transaction(session, LIN, "T20261102-0001")
    text = f"the {wanted.amount} {wanted.currency} one"
    entities = [{"entity": "amount", "value": f"{wanted.amount} {wanted.currency}"},
                {"entity": "date", "value": wanted.created_at.date().isoformat()}]
    result, _ = validate(ValidateRefundForm(), "transaction_id", text, tracker(text, slots=verified(), entities=entities))
    assert result == {"transaction_id": "T20261102-0001"}


@pytest.mark.parametrize(
    "entities, expected",
    [
        ([{"entity": "amount", "value": "100 JPY"}], "None of your recent transactions was in JPY"),
        ([{"entity": "date", "value": "2099-01-01"}], "That date is in the future"),
        ([{"entity": "amount", "value": "0.01 CNY"}], "couldn't find a transaction with that amount"),
        ([], "couldn't tell which transaction"),
    ],
)
def test_a_description_that_cannot_match_gets_a_clear_reply(database, entities, expected):
    result, messages = validate(ValidateDisputeForm(), "transaction_id", "that one", tracker("that one", slots=verified(), entities=entities))
    assert result == {"transaction_id": None}
    assert expected in said(messages)


def test_cleared_slots_are_not_validated_as_answers(database):
    """Slots set to None by an action (not typed) must not trigger "that's not valid" replies."""
    for form, slot in ((ValidateVerifyForm(), "contact"), (ValidateVerifyForm(), "otp_code"), (ValidateDisputeForm(), "transaction_id")):
        result, messages = validate(form, slot, None, tracker("I want a refund please", slots=verified()))
        assert result == {slot: None} and messages == []


@pytest.fixture
def database_down(monkeypatch):
    """A database URL nothing listens on: every backend call fails to connect."""
    monkeypatch.setenv("KDPAY_DATABASE_URL", "postgresql://kdpay@127.0.0.1:9/kdpay?connect_timeout=2")
    default_engine.cache_clear()
    yield
    default_engine.cache_clear()


def test_an_unreachable_database_gets_an_apology_and_an_agent_offer(database_down):
    _, messages = run(ActionSendResetLink(), tracker("reset my password", slots=verified()))
    assert "can't reach our systems" in said(messages) and "nothing was changed" in said(messages)
    assert messages[0]["buttons"][0]["payload"] == "/human_handoff"
    result, _ = validate(ValidateRefundForm(), "transaction_id", "T20261102-0001", tracker("T20261102-0001", slots=verified()))
    assert result == {"transaction_id": "T20261102-0001", "refusal": "backend_unavailable"}
    _, messages = run(ActionRequestRefund(), tracker("", slots=verified(transaction_id="T20261102-0001", refusal="backend_unavailable")))
    assert "can't reach our systems" in said(messages)
    _, messages = run(ActionLockAccount(), tracker("lock my account", slots=verified()))
    assert "can't reach our systems" in said(messages)
