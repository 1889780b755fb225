"""Every public route is rate limited per client address (and REST also per sender).

One server with low limits. Each test talks from its own loopback address
(127.0.0.2, 127.0.0.3, ...), so the per-address buckets of one test never
touch another's, and the tests also show one address's flood leaves others alone.
"""
from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
import socketio

from conftest import RunningBot

LIMITS = {
    "KDPAY_REST_MESSAGES_PER_MINUTE_PER_SENDER": "3",
    "KDPAY_REST_MESSAGES_PER_MINUTE_PER_ADDRESS": "6",
    "KDPAY_WEB_HISTORY_REQUESTS_PER_MINUTE_PER_ADDRESS": "3",
    "KDPAY_DEMO_TOKENS_PER_MINUTE_PER_ADDRESS": "3",
    "KDPAY_AGENT_SIGN_INS_PER_MINUTE_PER_ADDRESS": "3",
    "KDPAY_AGENT_REQUESTS_PER_MINUTE_PER_ADDRESS": "4",
    "KDPAY_WEB_MESSAGES_PER_MINUTE_PER_SESSION": "100",
    "KDPAY_WEB_MESSAGES_PER_MINUTE_PER_ADDRESS": "4",
}
_addresses = (f"127.0.0.{n}" for n in itertools.count(2))


@pytest.fixture(scope="module")
def limited(model_path, tmp_path_factory) -> Iterator[RunningBot]:
    running = RunningBot(tmp_path_factory.mktemp("limited"), LIMITS)
    yield running
    running.stop()


class Client:
    """HTTP from one loopback address of our choosing (a distinct client to the server)."""

    def __init__(self, bot: RunningBot, address: Optional[str] = None) -> None:
        self.port = bot.rasa_port
        self.address = address or next(_addresses)

    def request(self, method: str, path: str, body: Any = None) -> Tuple[int, Dict[str, str], Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                source_address=(self.address, 0))
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            connection.request(method, path, body=data, headers=headers)
            reply = connection.getresponse()
            raw = reply.read()
            return reply.status, {k.lower(): v for k, v in reply.getheaders()}, json.loads(raw or b"null")
        finally:
            connection.close()

    def say(self, sender: str, message: str) -> Tuple[int, Dict[str, str], Any]:
        return self.request("POST", "/webhooks/rest/webhook", {"sender": sender, "message": message})


def test_rest_limits_each_sender_and_answers_like_the_bot_in_the_customers_language(limited):
    client = Client(limited)
    statuses = [client.say("rl-sender-a", "")[0] for _ in range(3)]  # empty: the gate answers, cheap
    assert statuses == [200, 200, 200]
    status, headers, body = client.say("rl-sender-a", "你好")
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert body[0]["recipient_id"] == "rl-sender-a" and "太快" in body[0]["text"]
    status, _, body = client.say("rl-sender-a", "hello")
    assert status == 429 and "quickly" in body[0]["text"]
    assert client.say("rl-sender-b", "")[0] == 200  # another sender is not slowed down


def test_rest_limits_each_address_whatever_the_sender_or_body(limited):
    client = Client(limited)
    statuses = [client.say(f"rl-many-{n}", "")[0] for n in range(4)]
    statuses.append(client.request("POST", "/webhooks/rest/webhook", {"message": "no sender"})[0])
    statuses.append(client.request("POST", "/webhooks/rest/webhook", ["not", "an", "object"])[0])
    assert statuses == [200, 200, 200, 200, 400, 400]
    status, _, body = client.say("rl-fresh-sender", "hi")
    assert status == 429 and "quickly" in body[0]["text"]
    assert Client(limited).say("rl-fresh-sender", "")[0] == 200  # another address is served


def test_web_history_is_limited_per_address(limited):
    client = Client(limited)
    statuses = [client.request("GET", "/webhooks/web/history?session_id=nobody")[0] for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert "wait" in client.request("GET", "/webhooks/web/history?session_id=nobody")[2]["error"]


def test_demo_tokens_are_limited_per_address(limited):
    client = Client(limited)
    statuses = [client.request("GET", "/demo/token?customer=C-1001")[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert Client(limited).request("GET", "/demo/token?customer=C-1001")[0] == 200


def test_agent_sign_in_and_api_are_limited_per_address(limited):
    client = Client(limited)
    wrong = {"login": "nobody", "password": "wrong password"}
    statuses = [client.request("POST", "/webhooks/agent/api/sign-in", wrong)[0] for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    api = Client(limited)
    statuses = [api.request("GET", "/webhooks/agent/api/queue")[0] for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    status, headers, body = api.request("GET", "/webhooks/agent/api/me")
    assert status == 429 and "wait" in body["error"] and headers["x-frame-options"] == "DENY"


def test_socketio_messages_are_limited_per_address_across_sessions(limited):
    """All test socket.io clients connect from 127.0.0.1: two sessions share its 4 messages a minute."""
    received: Dict[str, list] = {}

    def session() -> Tuple[socketio.Client, str]:
        client, confirmed, box = socketio.Client(reconnection=False), threading.Event(), {}
        client.on("session_confirm", lambda data: (box.update(data), confirmed.set()))
        client.on("bot_uttered", lambda data: received.setdefault(box["session_id"], []).append(data))
        client.connect(limited.url, transports=["websocket"])
        client.emit("session_request", {})
        assert confirmed.wait(10)
        return client, box["session_id"]

    (first, first_id), (second, second_id) = session(), session()
    try:
        for client, session_id in [(first, first_id)] * 3 + [(second, second_id)] * 3:
            client.emit("user_uttered", {"session_id": session_id, "message": "thanks"})
            time.sleep(0.3)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(
            m.get("notice") == "rate_limited" for m in received.get(second_id, [])
        ):
            time.sleep(0.2)
    finally:
        first.disconnect()
        second.disconnect()
    assert not any(m.get("notice") == "rate_limited" for m in received.get(first_id, []))
    assert any(m.get("notice") == "rate_limited" for m in received.get(second_id, []))
