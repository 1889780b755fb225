"""Simulated customers over the website channel (socket.io, websocket transport).

python-socketio's AsyncClient cannot open a websocket with aiohttp 3.9.5 (it
needs aiohttp.ClientWSTimeout, added in 3.10), so each customer is a thread
with the sync socketio.Client over websocket-client, as in
tests/test_web_channel.py. websocket-client sends the server's own origin
(http://127.0.0.1:<port>), which channels/web.py allows.

Protocol (channels/web.py): session_request -> session_confirm{session_id};
user_uttered{session_id, message, customer_token} -> bot_typing{true},
bot_uttered..., bot_typing{false}. A turn ends at bot_typing false; its
latency is from sending to the turn's last bot_uttered.
"""
from __future__ import annotations

import random
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import socketio

from bot.benchmark.customers import Budget, TurnRecord, customer_token, judge, scripts_for

CHANNEL = "socketio"


class WebCustomer:
    """One widget connection; `say` sends a message and waits for the end of the turn."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        # engine.io's 5 s default for the handshake is too short for a server busy with 200 customers.
        self.client = socketio.Client(reconnection=False, request_timeout=timeout)
        self._lock = threading.Lock()
        self._confirmed = threading.Event()
        self._turn_over = threading.Event()
        self._replies: List[Dict[str, Any]] = []
        self._last_reply_at: Optional[float] = None
        self.session_id: Optional[str] = None
        self.client.on("session_confirm", self._on_confirm)
        self.client.on("bot_uttered", self._on_reply)
        self.client.on("bot_typing", self._on_typing)

    def _on_confirm(self, data: Dict[str, Any]) -> None:
        self.session_id = data.get("session_id")
        self._confirmed.set()

    def _on_reply(self, data: Dict[str, Any]) -> None:
        with self._lock:
            self._replies.append(data)
            self._last_reply_at = time.monotonic()
            if data.get("notice"):  # screened or rate limited: no typing events follow
                self._turn_over.set()

    def _on_typing(self, data: Dict[str, Any]) -> None:
        if not data.get("typing"):
            self._turn_over.set()

    def connect(self, timeout: float = 30.0) -> None:
        self.client.connect(self.url, transports=["websocket"], wait_timeout=timeout)

    def new_session(self, token: Optional[str], timeout: float = 30.0) -> str:
        """A fresh conversation on this connection (the widget's first visit)."""
        self._confirmed.clear()
        self.client.emit("session_request", {"session_id": None, "customer_token": token})
        if not self._confirmed.wait(timeout) or not self.session_id:
            raise TimeoutError("no session_confirm")
        return self.session_id

    def say(self, record: TurnRecord, token: Optional[str], timeout: float) -> TurnRecord:
        with self._lock:
            self._replies, self._last_reply_at = [], None
            self._turn_over.clear()
        record.started = time.monotonic()
        self.client.emit("user_uttered", {"session_id": self.session_id, "message": record.text,
                                          "customer_token": token})
        finished = self._turn_over.wait(timeout)
        time.sleep(0)  # let a reply racing the typing event land
        with self._lock:
            replies, last = list(self._replies), self._last_reply_at
        record.replies = len(replies)
        record.texts = [reply.get("text") or "" for reply in replies]
        if not finished:
            record.error = "timeout"
        elif any(reply.get("notice") for reply in replies):
            record.error = "notice:" + str(replies[-1].get("notice"))
        elif last is not None:
            record.latency_s = last - record.started
        return record

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone: nothing to close
            pass


def _customer(number: int, url: str, budget: Budget, records: List[TurnRecord], lock: threading.Lock,
              run_id: str, token_secret: str, timeout: float, think_s: float, seed: int,
              everyone_connected: threading.Barrier) -> None:
    rng = random.Random(seed + 10_000 + number)
    web = WebCustomer(url, timeout)
    failure: Optional[Exception] = None
    try:
        web.connect(timeout)
    except Exception as exc:  # the server refused or is overloaded: one error, this customer stops
        failure = exc
    everyone_connected.wait()
    if failure is not None:
        if budget.take():
            with lock:
                records.append(TurnRecord(CHANNEL, number, f"{run_id}-web-{number}-connect", 0, "", "connect",
                                          time.monotonic(), error=f"connection:{type(failure).__name__}"))
        return
    try:
        for script in scripts_for(number, seed):
            token = customer_token(script.customer, token_secret) if script.customer else None
            session_id = None
            for index, turn in enumerate(script.turns):
                if not budget.take():
                    return
                if session_id is None:
                    try:
                        session_id = web.new_session(token, timeout)
                    except Exception as exc:
                        with lock:
                            records.append(TurnRecord(CHANNEL, number, f"{run_id}-web-{number}-session", index,
                                                      turn.text, turn.kind, time.monotonic(),
                                                      error=f"session:{type(exc).__name__}"))
                        return
                record = TurnRecord(CHANNEL, number, session_id, index, turn.text, turn.kind, time.monotonic())
                try:
                    web.say(record, token, timeout)
                except Exception as exc:
                    record.error = f"connection:{type(exc).__name__}"
                with lock:
                    records.append(judge(record, turn))
                if record.error and record.error.startswith("connection"):
                    return
                if think_s:
                    time.sleep(rng.uniform(0, 2 * think_s))
    finally:
        web.close()


def run_socketio(url: str, customers: int, budget: Budget, run_id: str, token_secret: str,
                 timeout: float = 30.0, think_s: float = 0.0, seed: int = 7) -> Tuple[List[TurnRecord], float]:
    """`customers` concurrent widget customers (threads): every turn's record, and the seconds of talking.

    All customers connect first (like visitors with the page already open);
    the clock starts when the last one has, so connecting is not counted as
    message latency or throughput. Failed connections are errors.
    """
    records: List[TurnRecord] = []
    lock = threading.Lock()
    everyone_connected = threading.Barrier(customers + 1)
    threads = [
        threading.Thread(target=_customer, name=f"web-customer-{number}", daemon=True,
                         args=(number, url, budget, records, lock, run_id, token_secret, timeout, think_s, seed,
                               everyone_connected))
        for number in range(customers)
    ]
    for thread in threads:
        thread.start()
    everyone_connected.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    return records, time.monotonic() - started
