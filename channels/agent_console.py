"""The agent console: a web page and a JSON API for human agents, in the Rasa server.

Routes (prefix /webhooks/agent): the page at `/` (static/agent.html,
agent.js, agent.css) and `/api/...`. Every API call but sign-in needs the
console session cookie: HttpOnly, SameSite=Strict, scoped to this prefix,
holding a token from bot/backend/agents.start_session. Customers never get
one, so no customer (token or web session) reaches this API. POSTs must be
JSON, which a cross-site form cannot send.

An agent's reply goes to the customer through channels/outbound.py on the
channel the handoff came from, and into the conversation's tracker as a
BotUttered whose metadata names the agent (the transcript and the widget's
history show it). Resolving resumes the conversation and asks for a 1-5
rating (answered in channels/handoff.py). A background task turns handoffs
nobody claimed in time into tickets, with an apology to the customer.

The page polls the queue and the open conversation every 2 seconds.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.backend import agents as agent_accounts
from bot.backend import handoffs
from bot.backend.db import transaction
from bot.backend.errors import AlreadyClaimed, HandoffClosed, NotFound, NotYourConversation, SignInLocked
from bot.backend.tickets import list_tickets
from bot.phrases import phrase
from bot.rate_limits import SLOW_DOWN, Rate, RateLimiter, client_address, limited_reply
from bot.settings import get_settings
from channels import outbound
from channels.conversations import append_events
from channels.history import visible_messages

logger = logging.getLogger(__name__)

COOKIE = "kdpay_agent_session"
PREFIX = "/webhooks/agent"
STATIC_DIR = Path(__file__).resolve().parent / "static"
CANNED_FILE = Path(__file__).resolve().parent.parent / "bot" / "canned_replies.yml"
STATIC_FILES = {
    "agent.js": "application/javascript; charset=utf-8",
    "agent.css": "text/css; charset=utf-8",
}
MAX_REPLY_CHARS = 2000
RATINGS = [str(n) for n in range(1, 6)]
# Context an agent may see: never codes, tokens or contact details.
# Not "language": that slot is a stored preference; the handoff carries the language in use.
CONTEXT_SLOTS = ("customer_verified", "pending_request", "transaction_id", "dispute_reason",
                 "refund_reason", "ticket_id", "refusal")
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


@lru_cache(maxsize=1)
def canned_replies() -> List[Dict[str, Any]]:
    with CANNED_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or []


def canned_for(language: str) -> List[Dict[str, str]]:
    lang = language if language in ("zh", "en") else "zh"
    return [{"id": c["id"], "label": c["label"][lang], "text": c[lang]} for c in canned_replies()]


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _db(function: Callable[..., Any], *arguments: Any) -> Any:
    """Run `function(session, *arguments)` in one transaction, off the event loop."""

    def run() -> Any:
        with transaction() as session:
            return function(session, *arguments)

    return await asyncio.to_thread(run)


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=SECURITY_HEADERS)


def _error(message: str, status: int) -> HTTPResponse:
    return _json({"error": message}, status)


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def handoff_json(view: handoffs.HandoffView, me: str) -> Dict[str, Any]:
    return {
        "handoff_id": view.handoff_id, "channel": view.channel, "language": view.language,
        "customer_id": view.customer_id, "reason": view.reason, "summary": view.summary,
        "status": view.status, "agent_id": view.agent_id, "agent_name": view.agent_display_name,
        "queued_at": _iso(view.queued_at), "claimed_at": _iso(view.claimed_at),
        "mine": view.agent_id == me,
    }


async def resume_with(agent: Any, channel: str, sender_id: str, message: Dict[str, Any]) -> bool:
    """Give the conversation back to the bot, record the bot's message and send it to the customer."""
    data = {"buttons": message["quick_replies"]} if message.get("quick_replies") else {}
    await append_events(agent, sender_id, [
        ConversationResumed(), ActionExecuted("action_listen"), BotUttered(message["text"], data=data),
    ])
    return await outbound.deliver(channel, sender_id, {"sender": "bot", **message})


async def expire_waiting(agent: Any) -> List[str]:
    """Handoffs no agent claimed in time become tickets; each customer gets an apology. Returns their ids."""
    expired = await _db(lambda session: handoffs.expire_unclaimed(session, _now()))
    for view in expired:
        text = phrase("handoff_expired", view.language, ticket=view.ticket_number or view.handoff_id)
        try:
            await resume_with(agent, view.channel, view.sender_id, {"text": text})
        except Exception as error:  # the ticket stays; the next handoff must still be handled
            logger.error("Could not tell the customer about expired handoff %s: %s", view.handoff_id,
                         type(error).__name__)
    return [view.handoff_id for view in expired]


class AgentConsole(InputChannel):
    """The agent console (not a customer channel: it never starts a Rasa turn)."""

    @classmethod
    def name(cls) -> Text:
        return "agent"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "AgentConsole":
        return cls(**(credentials or {}))

    def __init__(self, expiry_check_seconds: float = 30) -> None:
        self.expiry_check_seconds = float(expiry_check_seconds)
        settings = get_settings()
        # Per client address, on top of the per-login lock-out (bot/backend/agents.py).
        self.sign_ins_per_address = RateLimiter(Rate(settings.agent_sign_ins_per_minute_per_address, 60))
        self.api_per_address = RateLimiter(Rate(settings.agent_requests_per_minute_per_address, 60))
        self._expiry: Optional["asyncio.Task[None]"] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("kdpay_agent_console", __name__)

        @console.listener("after_server_start")
        async def start_expiry(app: Sanic, _loop: Any) -> None:
            self._expiry = asyncio.ensure_future(self._expire_forever(app))

        @console.listener("before_server_stop")
        async def stop_expiry(_app: Sanic, _loop: Any) -> None:
            if self._expiry is not None:
                self._expiry.cancel()

        @console.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page's relative URLs need the slash
                return response.redirect(f"{PREFIX}/")
            return await response.file(STATIC_DIR / "agent.html", mime_type="text/html; charset=utf-8",
                                       headers=SECURITY_HEADERS)

        @console.route("/<name:str>", methods=["GET"])
        async def static_file(request: Request, name: str) -> HTTPResponse:
            if name == "":
                return await page(request)
            if name not in STATIC_FILES:
                return _error("not found", 404)
            return await response.file(STATIC_DIR / name, mime_type=STATIC_FILES[name], headers=SECURITY_HEADERS)

        def api(methods: List[str], path: str, signed_in: bool = True) -> Callable:
            """An API route: JSON POSTs only, and (unless signing in) a signed-in agent."""

            def wrap(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable:
                async def route(request: Request, **params: Any) -> HTTPResponse:
                    limiter = self.api_per_address if signed_in else self.sign_ins_per_address
                    if not limiter.allow(client_address(request)):
                        return limited_reply(SLOW_DOWN, limiter.retry_after_seconds, SECURITY_HEADERS)
                    if request.method == "POST":
                        if not (request.headers.get("content-type") or "").startswith("application/json"):
                            return _error("send JSON", 415)
                        try:
                            body = request.json if request.body else {}
                        except Exception:
                            return _error("send JSON", 400)
                        if not isinstance(body, dict):
                            return _error("send a JSON object", 400)
                    else:
                        body = {}
                    if not signed_in:
                        return await handler(request, body, **params)
                    me = await self._signed_in_agent(request)
                    if me is None:
                        return _error("sign in first", 401)
                    try:
                        return await handler(request, body, me, **params)
                    except NotFound:
                        return _error("not found", 404)
                    except NotYourConversation:
                        return _error("this conversation is not yours", 403)
                    except AlreadyClaimed:
                        return _error("another agent has already claimed this conversation", 409)
                    except HandoffClosed:
                        return _error("this conversation is no longer open", 409)

                route.__name__ = handler.__name__
                console.add_route(route, f"/api{path}", methods=methods, name=handler.__name__)
                return route

            return wrap

        @api(["POST"], "/sign-in", signed_in=False)
        async def sign_in(request: Request, body: Dict[str, Any]) -> HTTPResponse:
            login, password = body.get("login"), body.get("password")
            if not isinstance(login, str) or not isinstance(password, str) or not login or not password:
                return _error("enter your login and password", 400)

            def check(session: Any) -> Optional[Any]:
                now = _now()
                found = agent_accounts.authenticate(session, login[:200], password, now)
                if found is None:
                    return None
                return found, agent_accounts.start_session(session, found.agent_id, now)

            try:
                signed = await _db(check)
            except SignInLocked as locked:
                until = locked.until if locked.until.tzinfo else locked.until.replace(tzinfo=timezone.utc)
                seconds = max(1, int((until - _now()).total_seconds()))
                minutes = (seconds + 59) // 60
                reply = _error(f"Too many failed sign-ins. This login is locked; try again in {minutes} minutes.", 429)
                reply.headers["Retry-After"] = str(seconds)
                return reply
            if signed is None:
                return _error("wrong login or password", 401)
            found, token = signed
            reply = _json({"agent_id": found.agent_id, "display_name": found.display_name})
            self._set_cookie(reply, token, int(agent_accounts.SESSION_TTL.total_seconds()))
            return reply

        @api(["POST"], "/sign-out")
        async def sign_out(request: Request, body: Dict[str, Any], me: Any) -> HTTPResponse:
            token = request.cookies.get(COOKIE)
            await _db(lambda session: agent_accounts.end_session(session, token, _now()))
            reply = _json({"signed_out": True})
            self._set_cookie(reply, "", 0)
            return reply

        @api(["GET"], "/me")
        async def whoami(request: Request, body: Dict[str, Any], me: Any) -> HTTPResponse:
            return _json({"agent_id": me.agent_id, "display_name": me.display_name})

        @api(["GET"], "/queue")
        async def queue(request: Request, body: Dict[str, Any], me: Any) -> HTTPResponse:
            views = await _db(handoffs.queue)
            shown = [v for v in views if v.status == "queued" or v.agent_id == me.agent_id]
            return _json({"handoffs": [handoff_json(v, me.agent_id) for v in shown]})

        @api(["GET"], "/agents")
        async def agents(request: Request, body: Dict[str, Any], me: Any) -> HTTPResponse:
            views = await _db(agent_accounts.list_agents)
            return _json({"agents": [
                {"agent_id": a.agent_id, "display_name": a.display_name, "me": a.agent_id == me.agent_id}
                for a in views if a.active
            ]})

        @api(["GET"], "/handoffs/<handoff_id:str>")
        async def detail(request: Request, body: Dict[str, Any], me: Any, handoff_id: str) -> HTTPResponse:
            def read(session: Any) -> Any:
                view = handoffs.get_handoff(session, handoff_id)
                if view.status != "queued" and view.agent_id != me.agent_id:
                    raise NotYourConversation(view.handoff_id)
                tickets = []
                if view.customer_id:
                    try:
                        tickets = [t for t in list_tickets(session, view.customer_id) if t.is_open]
                    except NotFound:
                        tickets = []
                return view, tickets

            view, tickets = await _db(read)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(view.sender_id)
            events = [event.as_dict() for event in tracker.events] if tracker is not None else []
            slots = {}
            if tracker is not None:
                slots = {name: tracker.get_slot(name) for name in CONTEXT_SLOTS
                         if tracker.slots.get(name) is not None and tracker.get_slot(name) not in (None, "")}
            return _json({
                "handoff": handoff_json(view, me.agent_id),
                "slots": slots,
                "tickets": [{"ticket_number": t.ticket_number, "kind": t.kind, "status": t.status,
                             "transaction_id": t.transaction_public_id, "reason": t.reason} for t in tickets],
                "transcript": visible_messages(events),
                "canned": canned_for(view.language),
            })

        @api(["POST"], "/handoffs/<handoff_id:str>/claim")
        async def claim(request: Request, body: Dict[str, Any], me: Any, handoff_id: str) -> HTTPResponse:
            view = await _db(lambda session: handoffs.claim(session, handoff_id, me.agent_id, _now()))
            return _json({"handoff": handoff_json(view, me.agent_id)})

        @api(["POST"], "/handoffs/<handoff_id:str>/reply")
        async def reply(request: Request, body: Dict[str, Any], me: Any, handoff_id: str) -> HTTPResponse:
            text = body.get("text")
            text = text.strip() if isinstance(text, str) else ""
            if not text or len(text) > MAX_REPLY_CHARS:
                return _error(f"a reply is 1-{MAX_REPLY_CHARS} characters", 400)
            view = await _db(lambda session: handoffs.assert_agent_owns(session, handoff_id, me.agent_id))
            await append_events(request.app.ctx.agent, view.sender_id,
                                [BotUttered(text, metadata={"agent_name": me.display_name})])
            delivered = await outbound.deliver(view.channel, view.sender_id,
                                               {"text": text, "sender": "agent", "agent_name": me.display_name})
            return _json({"delivered": delivered})

        @api(["POST"], "/handoffs/<handoff_id:str>/typing")
        async def typing(request: Request, body: Dict[str, Any], me: Any, handoff_id: str) -> HTTPResponse:
            view = await _db(lambda session: handoffs.assert_agent_owns(session, handoff_id, me.agent_id))
            shown = await outbound.typing(view.channel, view.sender_id, body.get("typing", True) is not False)
            return _json({"shown": shown})

        @api(["POST"], "/handoffs/<handoff_id:str>/transfer")
        async def transfer(request: Request, body: Dict[str, Any], me: Any, handoff_id: str) -> HTTPResponse:
            to_agent = body.get("agent_id")
            if not isinstance(to_agent, str) or not to_agent:
                return _error("choose an agent", 400)
            view = await _db(lambda session: handoffs.transfer(session, handoff_id, me.agent_id, to_agent, _now()))
            return _json({"handoff": handoff_json(view, me.agent_id)})

        @api(["POST"], "/handoffs/<handoff_id:str>/resolve")
        async def resolve(request: Request, body: Dict[str, Any], me: Any, handoff_id: str) -> HTTPResponse:
            def close(session: Any) -> Any:
                was_open = handoffs.get_handoff(session, handoff_id).status == "claimed"
                return handoffs.resolve(session, handoff_id, me.agent_id, _now()), was_open

            view, was_open = await _db(close)
            if was_open:  # not again on a repeated click
                question = {"text": phrase("rate_agent", view.language),
                            "quick_replies": [{"title": n, "payload": n} for n in RATINGS]}
                await resume_with(request.app.ctx.agent, view.channel, view.sender_id, question)
            return _json({"handoff": handoff_json(view, me.agent_id)})

        return console

    async def _signed_in_agent(self, request: Request) -> Optional[Any]:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        return await _db(lambda session: agent_accounts.agent_for_session(session, token, _now()))

    @staticmethod
    def _set_cookie(reply: HTTPResponse, token: str, max_age: int) -> None:
        reply.cookies[COOKIE] = token
        cookie = reply.cookies[COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = PREFIX
        cookie["max-age"] = max_age
        if get_settings().production:
            cookie["secure"] = True

    async def _expire_forever(self, app: Sanic) -> None:
        while True:
            await asyncio.sleep(self.expiry_check_seconds)
            try:
                expired = await expire_waiting(app.ctx.agent)
                if expired:
                    logger.info("Unclaimed handoffs left as tickets: %s", ", ".join(expired))
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.error("Handoff expiry failed: %s", type(error).__name__, exc_info=error)
