"""The website channel over a real socket.io connection to the running server."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import pytest
import requests
import socketio

from bot.backend.customer_tokens import issue_customer_token
from conftest import TOKEN_SECRET


class WebCustomer:
    """A socket.io client speaking the widget's protocol (websocket transport, like browsers)."""

    def __init__(self, url: str, origin: Optional[str] = None) -> None:
        self.url = url
        self.origin = origin  # None: the websocket client sends the page's own origin
        self.client = socketio.Client(reconnection=False)
        self.received: List[Dict[str, Any]] = []
        self.typing: List[bool] = []
        self.session_id: Optional[str] = None
        self._confirmed = threading.Event()
        self.client.on("bot_uttered", self.received.append)
        self.client.on("bot_typing", lambda data: self.typing.append(data["typing"]))
        self.client.on("session_confirm", self._on_confirm)

    def _on_confirm(self, data: Dict[str, Any]) -> None:
        self.session_id = data["session_id"]
        self._confirmed.set()

    def connect(self, session_id: Optional[str] = None, token: Optional[str] = None) -> str:
        if self.origin:  # a foreign page: polling, where the Origin header is ours to set
            self.client.connect(self.url, headers={"Origin": self.origin}, transports=["polling"])
        else:
            self.client.connect(self.url, transports=["websocket"])
        self.client.emit("session_request", {"session_id": session_id, "customer_token": token})
        assert self._confirmed.wait(10), "no session_confirm"
        return self.session_id

    def send(self, message: str, token: Optional[str] = None) -> None:
        self.client.emit("user_uttered", {"session_id": self.session_id, "message": message, "customer_token": token})

    def say(self, message: str, token: Optional[str] = None, timeout: float = 20) -> List[Dict[str, Any]]:
        """Send and wait for the turn to end (typing off), then return its replies."""
        start, typing_events = len(self.received), len(self.typing)
        self.send(message, token)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = False in self.typing[typing_events:]
            if done or (len(self.received) > start and not self.typing[typing_events:]):
                break
            time.sleep(0.05)
        time.sleep(0.2)
        return self.received[start:]

    def close(self) -> None:
        self.client.disconnect()


def texts(messages):
    return "\n".join(m.get("text", "") for m in messages)


def test_a_session_persists_across_reconnects_and_history_shows_it(bot):
    def scenario():
        first = WebCustomer(bot.url)
        session_id = first.connect()
        replies = first.say("how do I reset my password?")
        assert "Forgot password?" in texts(replies)
        assert replies[0]["quick_replies"][0]["payload"] == "/reset_password"
        assert first.typing[:1] == [True] and first.typing[-1] is False
        first.close()
        again = WebCustomer(bot.url)
        assert again.connect(session_id) == session_id
        replies = again.say("thanks")
        assert "welcome" in texts(replies)
        again.close()
        return session_id

    session_id = scenario()
    history = requests.get(f"{bot.url}/webhooks/web/history", params={"session_id": session_id}, timeout=10).json()
    senders = [m["sender"] for m in history["messages"]]
    assert senders[:2] == ["user", "bot"] and history["messages"][0]["text"] == "how do I reset my password?"
    assert history["messages"][-2]["text"] == "thanks"


def test_made_up_session_ids_get_a_new_session_and_no_history(bot):
    def scenario():
        customer = WebCustomer(bot.url)
        confirmed = customer.connect("someone-elses-session")
        customer.close()
        return confirmed

    assert scenario() != "someone-elses-session"
    response = requests.get(f"{bot.url}/webhooks/web/history", params={"session_id": "someone-elses-session"}, timeout=10)
    assert response.status_code == 404


def test_origins_outside_the_allow_list_are_refused(bot):
    def scenario():
        stranger = WebCustomer(bot.url, origin="https://evil.example")
        with pytest.raises(socketio.exceptions.ConnectionError):
            stranger.connect()

    scenario()
    response = requests.get(f"{bot.url}/webhooks/web/history", params={"session_id": "x"},
                            headers={"Origin": "https://evil.example"}, timeout=10)
    assert response.status_code == 403


def test_a_session_bound_to_one_customer_never_attaches_to_another(bot):
    token_a = issue_customer_token("C-1001", TOKEN_SECRET, datetime.now(timezone.utc))
    token_b = issue_customer_token("C-1002", TOKEN_SECRET, datetime.now(timezone.utc))

    def scenario():
        a = WebCustomer(bot.url)
        session_a = a.connect(token=token_a)
        replies = a.say("我要查询工单进度", token=token_a)
        assert "没有争议或退款工单" in texts(replies), texts(replies)
        a.close()
        b = WebCustomer(bot.url)
        session_b = b.connect(session_a, token=token_b)
        b.close()
        same = WebCustomer(bot.url)
        session_again = same.connect(session_a, token=token_a)
        same.close()
        return session_a, session_b, session_again

    session_a, session_b, session_again = scenario()
    assert session_b != session_a and session_again == session_a


def test_a_flood_is_told_to_slow_down_and_html_is_just_text(bot):
    def scenario():
        customer = WebCustomer(bot.url)
        customer.connect()
        replies = customer.say("<img src=x onerror=alert(1)>")
        assert replies and all(r.get("text") for r in replies)
        notices = []
        for _ in range(25):
            customer.send("hi")
        time.sleep(3)
        notices = [m for m in customer.received if m.get("notice") == "rate_limited"]
        customer.close()
        return notices

    notices = scenario()
    assert notices and "quickly" in notices[0]["text"]


def test_widget_assets_are_served_by_us(bot):
    for path, kind in [("widget.js", "javascript"), ("widget.css", "css"), ("vendor/socket.io-4.8.4.min.js", "javascript")]:
        response = requests.get(f"{bot.url}/webhooks/web/{path}", timeout=10)
        assert response.status_code == 200 and kind in response.headers["content-type"]
    assert requests.get(f"{bot.url}/webhooks/web/../../domain.yml", timeout=10).status_code == 404
    page = requests.get(f"{bot.url}/", timeout=10)
    assert "widget.js" in page.text
    assert "token" in requests.get(f"{bot.url}/demo/token", params={"customer": "C-1001"}, timeout=10).json()
    assert requests.get(f"{bot.url}/demo/token", params={"customer": "C-9999"}, timeout=10).status_code == 404
