"""A fake Telegram Bot API server on loopback, for the Telegram channel's tests.

It answers like api.telegram.org (`{"ok": true, "result": ...}`), records
every call, serves queued updates to getUpdates, and can inject faults into
the next sendMessage calls: 429 "retry after N", 5xx errors, or a slow answer
(the message is delivered, as Telegram would, but the answer comes late, so
the client times out). Runs in a background thread.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

TOKEN = "123456:TEST-token-never-in-logs"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "KDPay Assist", "username": "kdpay_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
_TEXT_FIELDS = {"text", "url", "secret_token", "callback_query_id", "parse_mode", "action"}


@dataclass
class Call:
    token: str
    method: str
    params: Dict[str, Any]
    refused: bool = False
    at: float = 0.0  # time.monotonic() when the call arrived


@dataclass
class Fault:
    """What the fake does to one sendMessage call instead of answering at once."""

    status: int = 429  # 429 or 5xx: refused, not delivered; 200: delivered, answered after `delay`
    retry_after: int = 1
    delay: float = 0.0


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: List[Call] = []
        self.updates: List[Dict[str, Any]] = []
        self.faults: List[Fault] = []
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeTelegram":
        threading.Thread(target=self._serve, daemon=True).start()
        assert self._started.wait(10), "the fake Telegram server did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {key: _decode(key, value) for key, value in (await request.post()).items()}
        with self._lock:
            call = Call(request.match_info["token"], method, params, at=time.monotonic())
            self.calls.append(call)
            fault = self.faults.pop(0) if method == "sendMessage" and self.faults else None
            if fault is not None and fault.status == 429:
                call.refused = True
                return web.json_response(
                    {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {fault.retry_after}",
                     "parameters": {"retry_after": fault.retry_after}}, status=429)
            if fault is not None and fault.status >= 500:
                call.refused = True
                return web.json_response(
                    {"ok": False, "error_code": fault.status, "description": "Internal Server Error"},
                    status=fault.status)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)  # delivered already; only the answer is late
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            offset = params.get("offset") or 0
            with self._lock:
                return [u for u in self.updates if u["update_id"] >= offset]
        if method in ("sendMessage", "editMessageReplyMarkup"):
            message = {"message_id": next(self._message_ids), "date": int(time.time()),
                       "chat": {"id": params.get("chat_id"), "type": "private"}, "text": params.get("text", "")}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    # What the tests use ----------------------------------------------------

    def fail_next_sends(self, count: int, status: int = 429, retry_after: int = 1) -> None:
        """Refuse the next `count` sendMessage calls with 429 (retry_after) or a 5xx status."""
        with self._lock:
            self.faults = [Fault(status=status, retry_after=retry_after) for _ in range(count)]

    def delay_next_sends(self, count: int, seconds: float) -> None:
        """Deliver the next `count` sendMessage calls but answer only after `seconds`."""
        with self._lock:
            self.faults = [Fault(status=200, delay=seconds) for _ in range(count)]

    def queue_update(self, update: Dict[str, Any]) -> None:
        with self._lock:
            self.updates.append(update)

    def calls_to(self, method: str, chat_id: Optional[int] = None) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method
                    and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def sent(self, chat_id: int) -> List[Dict[str, Any]]:
        """Messages delivered to a chat (429 answers excluded), oldest first."""
        with self._lock:
            calls = [c for c in self.calls if c.method == "sendMessage" and c.params.get("chat_id") == chat_id]
        return [c.params for c in calls if not c.refused]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError("timed out waiting for the fake Telegram server")


def _decode(key: str, value: str) -> Any:
    """PTB sends form fields, JSON-encoded except plain strings."""
    if key in _TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


# Real update JSON, as Telegram posts it -----------------------------------

_update_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def _user(user_id: int, language: str) -> Dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": language}


def message_update(user_id: int, text: Optional[str] = None, language: str = "en",
                   chat_type: str = "private", update_id: Optional[int] = None,
                   edited: bool = False, **content: Any) -> Dict[str, Any]:
    chat = {"id": user_id if chat_type == "private" else -1000 - user_id, "type": chat_type}
    message: Dict[str, Any] = {"message_id": 1, "date": int(time.time()), "chat": chat,
                               "from": _user(user_id, language), **content}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if edited:
        message["edit_date"] = int(time.time())
    return {"update_id": update_id or next(_update_ids), "edited_message" if edited else "message": message}


def callback_update(user_id: int, data: str, language: str = "en") -> Dict[str, Any]:
    return {"update_id": next(_update_ids), "callback_query": {
        "id": f"cb-{next(_update_ids)}", "from": _user(user_id, language), "chat_instance": "ci", "data": data,
        "message": {"message_id": 5, "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
                    "from": BOT_USER, "text": "menu"},
    }}
