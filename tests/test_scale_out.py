"""The production profile on this machine: two Rasa servers, one action server, shared state.

Both Rasa servers run the README's production command (endpoints.production.yml,
HTTP API on only with a token, KDPAY_ENV=production) against a fresh PostgreSQL
database (backend and conversations), a Redis lock store and a Redis socket.io
queue. A customer may reach either server, one may die, and nothing is lost.
Skipped, with the reason, when PostgreSQL or Redis is not reachable, and
unless KDPAY_SCALE_TEST=1 (`make scale-test` sets it): it takes minutes.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import sys
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import requests

from bot.backend.customer_tokens import issue_customer_token
from bot.local_servers import put_an_agent_on_duty
from conftest import TOKEN_SECRET, free_port, wait_until_up

from agent_helpers import api, handoff_for, new_agent, signed_in, texts
from test_web_channel import WebCustomer

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = PROJECT_DIR / "models" / "kdpay.tar.gz"
POSTGRES = os.environ.get("KDPAY_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
AGENT_COOKIE = "kdpay_agent_session"
ENDPOINTS = "endpoints.production.yml"


def _reachable_or_skip() -> None:
    import psycopg2
    import redis

    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3).close()
    except psycopg2.Error as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({type(error).__name__}: {error})".strip())
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=3).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_HOST}:{REDIS_PORT} is not reachable ({type(error).__name__}: {error})")


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


class RasaServer:
    """One `rasa run` process of the cluster; quacks like RunningBot for agent_helpers."""

    def __init__(self, name: str, cluster: "Cluster") -> None:
        self.name, self.cluster = name, cluster
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = cluster.database_url
        self.process = cluster.start(
            [str(BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(self.port),
             "--credentials", "credentials.yml", "--endpoints", ENDPOINTS,
             "--enable-api", "--auth-token", cluster.api_token],
            f"rasa-{name}.log",
        )

    def say(self, sender: str, message: str, **extra: Any) -> List[Dict]:
        reply = requests.post(f"{self.url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message, **extra}, timeout=60,
                              headers={"Authorization": f"Bearer {self.cluster.rest_token}"})
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str) -> Dict[str, Any]:
        reply = requests.get(f"{self.url}/conversations/{sender}/tracker",
                             params={"token": self.cluster.api_token}, timeout=30)
        reply.raise_for_status()
        return reply.json()


class Cluster:
    """PostgreSQL database + Redis namespace of one run, an action server and two Rasa servers."""

    def __init__(self, logs: Path) -> None:
        run = uuid.uuid4().hex[:10]
        self.logs = logs
        self.database = f"kdpay_scale_{run}"
        self.database_url = f"{POSTGRES}/{self.database}"
        self.lock_prefix = f"kdpayscale{run}"
        self.queue_channel = f"kdpay-scale-{run}"
        self.api_token = secrets.token_urlsafe(24)
        self.rest_token = secrets.token_urlsafe(24)  # production REST webhook: integrations only
        self.processes: List[subprocess.Popen] = []
        self.actions_port = free_port()
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "KDPAY_ENV": "production",
            "KDPAY_REST_API_TOKEN": self.rest_token,
            "KDPAY_DATABASE_URL": self.database_url,
            "KDPAY_ACTIONS_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "KDPAY_ACTIONS_PORT": str(self.actions_port),
            "KDPAY_REDIS_HOST": REDIS_HOST,
            "KDPAY_REDIS_PORT": str(REDIS_PORT),
            "KDPAY_REDIS_PASSWORD": "",
            "KDPAY_REDIS_LOCK_DB": "0",
            "KDPAY_REDIS_LOCK_PREFIX": self.lock_prefix,
            "KDPAY_SOCKETIO_QUEUE_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
            "KDPAY_SOCKETIO_QUEUE_CHANNEL": self.queue_channel,
            "KDPAY_CUSTOMER_TOKEN_SECRET": TOKEN_SECRET,
            "KDPAY_SUPPORT_HOURS": "mon-sun 00:00-24:00",
            "KDPAY_AGENT_PRESENCE_SECONDS": "86400",
        }
        self.env.pop("KDPAY_TRACKER_DATABASE_URL", None)  # conversations share the backend's database
        _admin(f"CREATE DATABASE {self.database}")
        try:
            self._start_servers()
        except BaseException:
            self.stop()  # a server that never came up still leaves nothing behind
            raise

    def _start_servers(self) -> None:
        subprocess.run([str(BIN / "python"), "-m", "bot.backend.demo_data"], cwd=PROJECT_DIR, env=self.env,
                       check=True, stdout=subprocess.DEVNULL)
        put_an_agent_on_duty(self.database_url)
        actions = self.start([str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                              "--port", str(self.actions_port)], "actions.log")
        self.a, self.b = RasaServer("a", self), RasaServer("b", self)  # both load the model at once
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", actions)
        for server in (self.a, self.b):  # two model loads on a busy 2-core machine: minutes
            wait_until_up(f"{server.url}/webhooks/rest/", server.process, timeout=600)

    def start(self, command: List[str], log: str) -> subprocess.Popen:
        handle = (self.logs / log).open("w")
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=self.env, stdout=handle, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        import redis

        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
        for key in client.scan_iter(f"*{self.lock_prefix}*"):
            client.delete(key)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    if os.environ.get("KDPAY_SCALE_TEST") != "1":
        pytest.skip("takes minutes (two servers load the model): run `make scale-test` (KDPAY_SCALE_TEST=1)")
    _reachable_or_skip()
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`.")
    running = Cluster(tmp_path_factory.mktemp("scale"))
    try:
        yield running
    finally:
        running.stop()


def token_for(customer_id: str) -> str:
    return issue_customer_token(customer_id, TOKEN_SECRET, datetime.now(timezone.utc))


def slots(tracker: Dict[str, Any]) -> Dict[str, Any]:
    return tracker["slots"]


def test_the_http_api_needs_the_token(cluster: Cluster):
    for server in (cluster.a, cluster.b):
        assert requests.get(f"{server.url}/conversations/anyone/tracker", timeout=10).status_code == 401
        assert requests.post(f"{server.url}/model/parse", json={"text": "hi"}, timeout=10).status_code == 401
        assert requests.get(f"{server.url}/conversations/anyone/tracker",
                            params={"token": "wrong"}, timeout=10).status_code == 401
        parsed = requests.post(f"{server.url}/model/parse", params={"token": cluster.api_token},
                               json={"text": "I want a refund"}, timeout=30)
        assert parsed.ok and parsed.json()["intent"]["name"] == "request_refund"


def test_an_agent_reply_sent_through_server_b_reaches_a_customer_connected_to_server_a(cluster: Cluster):
    customer = WebCustomer(cluster.a.url)
    try:
        session_id = customer.connect()
        assert "in the queue" in texts(customer.say("I want to talk to a human agent"))
        handoff = handoff_for(cluster.b, session_id)
        agent = new_agent(cluster.b, "Mei")
        console = signed_in(cluster.b, agent)
        # Production cookies are Secure; these servers speak plain http on localhost.
        console.cookies.set(AGENT_COOKIE, console.cookies.get(AGENT_COOKIE), path="/webhooks/agent")
        assert console.post(f"{api(cluster.b)}/handoffs/{handoff}/claim", json={}, timeout=10).ok
        before = len(customer.received)
        sent = console.post(f"{api(cluster.b)}/handoffs/{handoff}/reply",
                            json={"text": "Hello from server B, I'm Mei."}, timeout=10)
        assert sent.ok, sent.text
        _wait_for(lambda: any("server B" in m.get("text", "") for m in customer.received[before:]))
        reply = next(m for m in customer.received[before:] if "server B" in m.get("text", ""))
        assert reply["sender"] == "agent" and reply.get("agent_name") == "Mei"
    finally:
        customer.close()


def test_two_messages_at_once_on_two_servers_take_turns(cluster: Cluster):
    """The lock store: without a working one both servers extend the same tracker at once and a turn is lost."""
    me = f"scale-{uuid.uuid4().hex[:8]}"
    rounds = [("how do I reset my password?", "how long does a refund take?"),
              ("is my account safe?", "how do international transfers work?"),
              ("how do I open a dispute?", "how can I contact customer service?")]
    with ThreadPoolExecutor(2) as pool:
        for first, second in rounds:
            answers = list(pool.map(lambda pair: pair[0].say(me, pair[1]), [(cluster.a, first), (cluster.b, second)]))
            assert all(answers)
    events = cluster.b.tracker(me)["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(text for pair in rounds for text in pair)
    # Each turn ends (action_listen) before the next customer message is in the tracker.
    kinds = [e["event"] if e["event"] != "action" else e["name"] for e in events]
    turns = [i for i, kind in enumerate(kinds) if kind == "user"] + [len(kinds)]
    for start, end in zip(turns, turns[1:]):
        assert "action_listen" in kinds[start:end], kinds[start:end]


def test_a_form_alternates_between_servers_and_survives_one_being_killed(cluster: Cluster):
    me, signed = f"scale-{uuid.uuid4().hex[:8]}", {"metadata": {"customer_token": token_for("C-1002")}}
    replies = cluster.a.say(me, "I'd like a refund for a payment", **signed)
    assert "T20261103-0101" in [b["payload"] for r in replies for b in r.get("buttons", [])]
    replies = cluster.b.say(me, "T20261103-0101", **signed)
    assert '/inform{"refund_reason":"wrong_amount"}' in [b["payload"] for r in replies for b in r.get("buttons", [])]
    on_a = cluster.a.tracker(me)
    assert slots(on_a)["transaction_id"] == "T20261103-0101"
    assert on_a["active_loop"]["name"] == "refund_form" and slots(on_a)["requested_slot"] == "refund_reason"
    assert "Please confirm" in texts(cluster.a.say(me, '/inform{"refund_reason":"wrong_amount"}', **signed))

    events_before = len(cluster.b.tracker(me)["events"])
    cluster.a.process.send_signal(signal.SIGKILL)  # mid-form, waiting for the confirmation
    cluster.a.process.wait(timeout=10)

    on_b = cluster.b.tracker(me)
    assert len(on_b["events"]) == events_before
    assert slots(on_b)["refund_reason"] == "wrong_amount" and slots(on_b)["requested_slot"] == "confirmed"
    done = texts(cluster.b.say(me, "yes", **signed))
    assert re.search(r"RFD-\d{6}", done), done
    assert not (cluster.b.tracker(me).get("active_loop") or {}).get("name")  # the form is over


def _wait_for(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")
