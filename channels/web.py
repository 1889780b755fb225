"""The website chat channel: socket.io in the Rasa server, plus the widget's files.

Our own channel rather than Rasa 3.6's `socketio`, whose `enter_room` is not
awaited with the python-socketio that resolves (RasaHQ/rasa#13027), so with
persistent sessions no reply arrives. Sessions are server-issued
(bot/web_sessions.py) and persist in the browser; a session is bound to the
customer it was verified as, and a token for another customer gets a new one.

Routes (prefix /webhooks/web): widget.js, widget.css, vendor/…, history.
The demo help-center page is served at / (and a demo token endpoint) outside
production.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.action_failures import run_turn
from bot.identity import VERIFIED_CUSTOMER_KEY, trusted_metadata
from bot.origins import origin_allowed
from bot.phrases import phrase
from bot.language import reply_language
from bot.rate_limits import SLOW_DOWN, Rate, RateLimiter, client_address, limited_reply
from bot.settings import get_settings
from bot.web_sessions import is_issued, new_session_id
from channels.demo import demo_routes
from channels.gate import screen
from channels import outbound
from channels.socketio_queue import client_manager
from channels.history import visible_messages

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "vendor/socket.io-4.8.4.min.js": "application/javascript; charset=utf-8",
}


class WebOutput(OutputChannel):
    """Sends the bot's messages to everyone in the session's room (all its tabs)."""

    @classmethod
    def name(cls) -> Text:
        return "web"

    def __init__(self, sio: AsyncServer) -> None:
        self.sio = sio

    async def _emit(self, room: str, message: Dict[str, Any]) -> None:
        await self.sio.emit("bot_uttered", {"sender": "bot", "timestamp": time.time(), **message}, room=room)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        quick_replies = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._emit(recipient_id, {"text": text, "quick_replies": quick_replies})


class WebChatInput(InputChannel):
    """socket.io chat for the website widget."""

    @classmethod
    def name(cls) -> Text:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls(**(credentials or {}))

    def __init__(self, socketio_path: Text = "/socket.io") -> None:
        self.socketio_path = socketio_path
        settings = get_settings()
        self.per_session = RateLimiter(Rate(settings.web_messages_per_minute_per_session, 60))
        self.per_address = RateLimiter(Rate(settings.web_messages_per_minute_per_address, 60))
        self.history_per_address = RateLimiter(Rate(settings.web_history_requests_per_minute_per_address, 60))

    def _origin_allowed(self, origin: Optional[str], environ: Optional[Dict[str, Any]] = None) -> bool:
        settings = get_settings()
        own = None
        if environ and environ.get("HTTP_HOST"):
            own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ['HTTP_HOST']}"
        return origin_allowed(origin, settings.allowed_web_origins, settings.production, own)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self._origin_allowed,
                          client_manager=client_manager())  # Redis queue when several processes
        webhook = _WebBlueprint(sio, self.socketio_path, "kdpay_web", __name__)
        output = WebOutput(sio)

        async def deliver(session_id: str, message: Dict[str, Any]) -> None:
            await output._emit(session_id, message)

        async def typing(session_id: str, on: bool) -> None:
            await sio.emit("bot_typing", {"typing": on}, room=session_id)

        outbound.register(self.name(), deliver, typing)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/<name:path>", methods=["GET"])
        async def static_file(request: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return response.json({"error": "not found"}, status=404)
            return await response.file(STATIC_DIR / name, mime_type=STATIC_FILES[name],
                                       headers={"Cache-Control": "public, max-age=300"})

        @webhook.route("/history", methods=["GET", "OPTIONS"])
        async def history(request: Request) -> HTTPResponse:
            origin = request.headers.get("origin")
            if not self._origin_allowed(origin, {"HTTP_HOST": request.host, "wsgi.url_scheme": request.scheme}):
                return response.json({"error": "origin not allowed"}, status=403)
            cors = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}
            if request.method == "OPTIONS":
                return response.empty(headers=cors)
            if not self.history_per_address.allow(client_address(request)):
                return limited_reply(SLOW_DOWN, self.history_per_address.retry_after_seconds, cors)
            session_id = request.args.get("session_id")
            if not is_issued(session_id):
                return response.json({"error": "unknown session"}, status=404, headers=cors)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(session_id)
            events = [e.as_dict() for e in tracker.events] if tracker else []
            return response.json({"messages": visible_messages(events)}, headers=cors)

        @sio.on("session_request")
        async def session_request(sid: Text, data: Optional[Dict[str, Any]] = None) -> None:
            data = data if isinstance(data, dict) else {}
            metadata = trusted_metadata({"customer_token": data.get("customer_token")})
            session_id = await self._session_for(_agent(sio, sid), data.get("session_id"), metadata.get(VERIFIED_CUSTOMER_KEY))
            await sio.save_session(sid, {"session_id": session_id})
            await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", {"session_id": session_id}, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: Text, data: Optional[Dict[str, Any]] = None) -> None:
            data = data if isinstance(data, dict) else {}
            session = await sio.get_session(sid)
            session_id = session.get("session_id")
            if not session_id or data.get("session_id") != session_id:
                await sio.emit("session_invalid", {}, room=sid)
                return
            text = data.get("message") if isinstance(data.get("message"), str) else ""
            address = _client_address(sio, sid)
            if not (self.per_session.allow(session_id) and self.per_address.allow(address)):
                language = reply_language([text[:200]])
                await output._emit(session_id, {"text": phrase("slow_down", language), "notice": "rate_limited"})
                return
            screened = await screen(_agent(sio, sid), session_id, text, {"customer_token": data.get("customer_token")})
            if screened.reply is not None:
                for message in screened.reply:
                    await output._emit(session_id, message)
                return
            await sio.emit("bot_typing", {"typing": True}, room=session_id)
            try:
                await run_turn(_agent(sio, sid), on_new_message, UserMessage(  # apology on action faults
                    screened.text, output, session_id, input_channel=self.name(), metadata=screened.metadata
                ))
            finally:
                await sio.emit("bot_typing", {"typing": False}, room=session_id)

        return webhook

    async def _session_for(self, agent: Any, requested: Any, customer: Optional[str]) -> str:
        """The requested session if we issued it and it is not someone else's; else a new one."""
        if not is_issued(requested):
            return new_session_id()
        if customer is not None:
            tracker = await agent.tracker_store.retrieve(requested)
            bound = tracker.get_slot("customer_id") if tracker else None
            if bound is not None and bound != customer:
                logger.info("A customer token for another customer asked for a bound session: new session issued.")
                return new_session_id()
        return requested


def _agent(sio: AsyncServer, sid: str) -> Any:
    """The Rasa agent, reached through the connection's Sanic request."""
    request = (sio.get_environ(sid) or {}).get("sanic.request")
    return request.app.ctx.agent


def _client_address(sio: AsyncServer, sid: str) -> str:
    environ = sio.get_environ(sid) or {}
    return str(environ.get("REMOTE_ADDR") or environ.get("HTTP_X_FORWARDED_FOR", "unknown"))


class _WebBlueprint(SocketBlueprint):
    """Attaches socket.io and, outside production, the demo page at the site root."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        if not get_settings().production:
            demo_routes(app)
