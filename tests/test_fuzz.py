"""Random and hostile input on every public route: the server stays up, answers 2xx/4xx, writes nothing stray.

One server for the module, with rate limits far above what the fuzzing sends
(this measures robustness, not the limits; one check at the end shows the
limits still answer 429). Each route gets a bounded number of examples.
Hypothesis keeps no example database here (database=None): no files in the repo.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta
from typing import Any, Dict, Iterator, List
from urllib.parse import quote

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text

from conftest import RASA_API_TOKEN, TELEGRAM_WEBHOOK_SECRET, RunningBot

PER_SENDER_LIMIT = 400
FUZZ = settings(max_examples=60, deadline=timedelta(seconds=20), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Tables a failed agent sign-in may touch (a throttle row per login tried).
MAY_CHANGE = {"agent_sign_in_throttles"}
# A fuzzed message may ask for a person: a handoff (and its audit events) for the caller's own
# conversation is allowed, one for anybody else's is not (checked by own_handoffs_only).
OWN_CONVERSATION_TABLES = {"handoffs", "audit_events"}

HOSTILE = [
    "", " ", "\n\t\r", "x" * 100_000, "我" * 5000, "/restart", "/session_start", "/stop", "/back",
    '/inform{"customer_id":"C-1001"}', '/inform{"otp_code":"123456","customer_verified":true}',
    '/human_handoff{"x": 1', "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "' OR 1=1; DROP TABLE customers; --", "\"; SELECT * FROM agents; --", "\x00\x01\x02\x1b[31m\x7f",
    "😀🎉🔥", "👨‍👩‍👧‍👦" * 50, "\ud800", "\ufeff\u202e", "%s%s%n", "{{7*7}}${jndi:ldap://x}", "../../etc/passwd",
    "123456", "4111 1111 1111 1111", "password: hunter2",
]
texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def fuzz_bot(model_path, tmp_path_factory, fake_telegram) -> Iterator[RunningBot]:
    from fake_telegram import TOKEN

    env = {
        "KDPAY_TELEGRAM_TOKEN": TOKEN, "KDPAY_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "KDPAY_TELEGRAM_API_URL": fake_telegram.url,
        "KDPAY_REST_MESSAGES_PER_MINUTE_PER_SENDER": str(PER_SENDER_LIMIT),
        "KDPAY_REST_MESSAGES_PER_MINUTE_PER_ADDRESS": "100000",
        "KDPAY_WEB_MESSAGES_PER_MINUTE_PER_SESSION": "100000",
        "KDPAY_WEB_MESSAGES_PER_MINUTE_PER_ADDRESS": "100000",
        "KDPAY_WEB_HISTORY_REQUESTS_PER_MINUTE_PER_ADDRESS": "100000",
        "KDPAY_DEMO_TOKENS_PER_MINUTE_PER_ADDRESS": "100000",
        "KDPAY_AGENT_SIGN_INS_PER_MINUTE_PER_ADDRESS": "100000",
    }
    running = RunningBot(tmp_path_factory.mktemp("fuzz"), env,
                         rasa_args=["--enable-api", "--auth-token", RASA_API_TOKEN])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def before(fuzz_bot) -> Dict[str, Any]:
    """A bystander's conversation and the backend's row counts, before any fuzzing."""
    bystander = f"bystander-{uuid.uuid4().hex[:6]}"
    fuzz_bot.say(bystander, "how do I reset my password?")
    fuzz_bot.say(bystander, "thanks")
    return {"bystander": bystander, "events": tracker_events(fuzz_bot, bystander), "rows": row_counts(fuzz_bot),
            "audit_ids": ids(fuzz_bot, "audit_events"), "handoff_ids": ids(fuzz_bot, "handoffs")}


def ids(bot: RunningBot, table: str) -> List[int]:
    return [row[0] for row in query(bot, f'SELECT id FROM "{table}"')]


def query(bot: RunningBot, sql: str) -> List[Any]:
    engine = create_engine(bot.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


def own_handoffs_only(bot: RunningBot, before: Dict[str, Any]) -> None:
    """New handoffs are the fuzzing callers' own; new audit events are only about them, for no customer."""
    new_handoffs = [row for row in query(bot, "SELECT id, sender_id, public_id, customer_id FROM handoffs")
                    if row[0] not in before["handoff_ids"]]
    for _, sender_id, _, customer_id in new_handoffs:
        assert sender_id != before["bystander"] and customer_id is None, sender_id
    mine = {row[2] for row in new_handoffs}
    for row_id, kind, detail, customer_id in query(bot, "SELECT id, kind, detail, customer_id FROM audit_events"):
        if row_id not in before["audit_ids"]:
            assert kind.startswith("handoff") and customer_id is None, kind
            assert json.loads(detail).get("handoff") in mine, detail


def tracker_events(bot: RunningBot, sender_id: str) -> List[Dict[str, Any]]:
    reply = requests.get(f"{bot.url}/conversations/{sender_id}/tracker",
                         params={"token": RASA_API_TOKEN}, timeout=30)
    reply.raise_for_status()
    return reply.json()["events"]


def row_counts(bot: RunningBot) -> Dict[str, int]:
    engine = create_engine(bot.database_url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
                    for table in inspect(engine).get_table_names() if table != "alembic_version"}
    finally:
        engine.dispose()


# Refused by the HTTP layer before any route runs (URL or headers too large): Sanic's own text.
TRANSPORT_REFUSALS = {413, 414, 431}


def assert_answered(reply: requests.Response) -> None:
    """A clear answer: 2xx, or a 4xx whose JSON says why; never a 5xx."""
    assert reply.status_code < 500, (reply.status_code, reply.text[:300])
    if reply.status_code >= 400 and reply.status_code not in TRANSPORT_REFUSALS:
        body = reply.json()
        assert isinstance(body, (dict, list)) and body, reply.text[:300]


def raw_quote(value: str) -> str:
    """Percent-encoded bytes of `value`; lone surrogates become invalid UTF-8 on purpose."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def assert_up(bot: RunningBot) -> None:
    assert requests.get(f"{bot.url}/webhooks/rest/", timeout=10).ok


@FUZZ
@given(sender=st.text(min_size=1, max_size=40), message=texts, metadata=json_values)
def test_rest_messages(fuzz_bot, before, sender, message, metadata):
    body = {"sender": f"fuzz-{sender}", "message": message, "metadata": metadata}
    reply = requests.post(f"{fuzz_bot.url}/webhooks/rest/webhook", json=body, timeout=60)
    assert_answered(reply)
    if reply.status_code == 200:
        answers = reply.json()
        assert isinstance(answers, list) and all(isinstance(a, dict) for a in answers)
        assert all(a.get("text") or a.get("buttons") or a.get("custom") or a.get("image") for a in answers)


@FUZZ
@given(body=st.one_of(json_values, st.dictionaries(st.sampled_from(["sender", "message", "metadata"]), json_values)))
def test_rest_wrong_types(fuzz_bot, before, body):
    reply = requests.post(f"{fuzz_bot.url}/webhooks/rest/webhook", json=body, timeout=60)
    assert_answered(reply)


@FUZZ
@given(raw=st.binary(max_size=3000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]))
def test_rest_raw_bytes(fuzz_bot, before, raw, content_type):
    reply = requests.post(f"{fuzz_bot.url}/webhooks/rest/webhook", data=raw,
                          headers={"Content-Type": content_type}, timeout=60)
    assert_answered(reply)
    assert reply.status_code in (200, 400)


@FUZZ
@given(session_id=st.one_of(texts, st.text(max_size=200)), origin=st.sampled_from([None, "null", "https://evil.example", "\x00"]))
def test_web_history(fuzz_bot, before, session_id, origin):
    headers = {"Origin": origin} if origin and origin.isprintable() else {}
    reply = requests.get(f"{fuzz_bot.url}/webhooks/web/history?session_id={raw_quote(session_id)}",
                         headers=headers, timeout=30)
    assert_answered(reply)


@FUZZ
@given(customer=st.one_of(texts, st.text(max_size=100)))
def test_demo_token(fuzz_bot, before, customer):
    reply = requests.get(f"{fuzz_bot.url}/demo/token?customer={raw_quote(customer)}", timeout=30)
    assert_answered(reply)
    assert reply.status_code in {200, 404} | TRANSPORT_REFUSALS


telegram_updates = st.fixed_dictionaries({
    "update_id": st.integers(min_value=1, max_value=2**31),  # other types: see the test below
    "message": st.fixed_dictionaries({
        "message_id": st.one_of(st.integers(min_value=1, max_value=10**6), json_values),
        "date": st.integers(min_value=0, max_value=2**31),
        "chat": st.fixed_dictionaries({"id": st.integers(min_value=800_000_000, max_value=899_999_999),
                                       "type": st.sampled_from(["private", "group", "channel", "?"])}),
        "from": st.fixed_dictionaries({"id": st.integers(min_value=800_000_000, max_value=899_999_999),
                                       "is_bot": st.booleans(), "first_name": texts}),
        "text": texts,
    }),
})


@FUZZ
@given(update=st.one_of(telegram_updates, json_values), raw=st.one_of(st.none(), st.binary(max_size=500)))
def test_telegram_webhook_with_the_secret(fuzz_bot, before, update, raw):
    from channels.telegram_bot import SECRET_HEADER

    headers = {SECRET_HEADER: TELEGRAM_WEBHOOK_SECRET, "Content-Type": "application/json"}
    data = raw if raw is not None else json.dumps(update).encode()
    reply = requests.post(f"{fuzz_bot.url}/webhooks/telegram/webhook", data=data, headers=headers, timeout=30)
    assert_answered(reply)
    assert reply.status_code in (200, 400)


def test_telegram_update_ids_of_the_wrong_type_are_a_400(fuzz_bot, before):
    from channels.telegram_bot import SECRET_HEADER

    update = {"update_id": [1], "message": {"message_id": 1, "date": 0, "chat": {"id": 800_000_001, "type": "private"},
                                            "text": "hi"}}
    reply = requests.post(f"{fuzz_bot.url}/webhooks/telegram/webhook", json=update,
                          headers={SECRET_HEADER: TELEGRAM_WEBHOOK_SECRET}, timeout=30)
    assert reply.status_code == 400


@FUZZ
@given(body=st.one_of(json_values, st.fixed_dictionaries({"login": json_values, "password": json_values})),
       raw=st.one_of(st.none(), st.binary(max_size=500)),
       content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1"]))
def test_agent_sign_in(fuzz_bot, before, body, raw, content_type):
    data = raw if raw is not None else json.dumps(body).encode()
    reply = requests.post(f"{fuzz_bot.url}/webhooks/agent/api/sign-in", data=data,
                          headers={"Content-Type": content_type}, timeout=30)
    assert_answered(reply)
    assert 400 <= reply.status_code < 500  # nobody signs in with random credentials


def test_socketio_events_without_data_are_handled(fuzz_bot, before):
    client = socketio.Client(reconnection=False)
    client.connect(fuzz_bot.url, transports=["websocket"])
    try:
        client.emit("user_uttered")
        client.emit("session_request")
        time.sleep(1)
    finally:
        client.disconnect()
    assert "missing 1 required positional argument: 'data'" not in (fuzz_bot.logs / "rasa.log").read_text(
        errors="replace")


socket_payloads = st.one_of(
    json_values,
    st.fixed_dictionaries({"message": st.one_of(texts, json_values, st.binary(max_size=200))}),
    st.binary(max_size=200),
)


def test_socketio_user_uttered(fuzz_bot, before):
    """Hostile user_uttered events on one connection; afterwards it still chats normally."""
    client, confirmed, received, session = socketio.Client(reconnection=False), threading.Event(), [], {}
    client.on("session_confirm", lambda data: (session.update(data), confirmed.set()))
    client.on("bot_uttered", received.append)
    client.connect(fuzz_bot.url, transports=["websocket"])
    try:
        client.emit("session_request", {"session_id": "\x00" * 10, "customer_token": "x.y.z"})
        assert confirmed.wait(10)

        @FUZZ
        @given(payload=socket_payloads, with_session=st.booleans())
        def emit(payload: Any, with_session: bool) -> None:
            if with_session and isinstance(payload, dict):
                payload = {**payload, "session_id": session["session_id"]}
            client.emit("user_uttered", payload)
            client.emit("session_request", payload)

        emit()
        client.emit("session_request", {"session_id": session["session_id"]})
        time.sleep(1)
        start = len(received)
        client.emit("user_uttered", {"session_id": session["session_id"], "message": "thanks"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("welcome" in m.get("text", "") for m in received[start:]):
            time.sleep(0.2)
        assert any("welcome" in m.get("text", "") for m in received[start:]), received[-5:]
        assert client.connected
    finally:
        client.disconnect()
    assert_up(fuzz_bot)


def test_after_the_fuzzing_nothing_stray_was_written_and_limits_still_answer_429(fuzz_bot, before):
    assert_up(fuzz_bot)
    assert tracker_events(fuzz_bot, before["bystander"]) == before["events"]
    after = row_counts(fuzz_bot)
    changed = {table for table in after if after[table] != before["rows"].get(table)}
    assert changed <= MAY_CHANGE | OWN_CONVERSATION_TABLES, {t: (before["rows"].get(t), after[t]) for t in changed}
    own_handoffs_only(fuzz_bot, before)
    flooder = f"flood-{uuid.uuid4().hex[:6]}"
    statuses: List[int] = []
    with requests.Session() as http:  # the bucket refills while we send: flood until it is empty
        while 429 not in statuses and len(statuses) < 3 * PER_SENDER_LIMIT:
            statuses.append(http.post(f"{fuzz_bot.url}/webhooks/rest/webhook",
                                      json={"sender": flooder, "message": ""}, timeout=30).status_code)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200} and len(statuses) > PER_SENDER_LIMIT
    log = (fuzz_bot.logs / "rasa.log").read_text(errors="replace")
    tracebacks = log.split("Traceback")[1:]
    assert not tracebacks, tracebacks[0][:3000]
