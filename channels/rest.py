"""The REST channel (`POST /webhooks/rest/webhook`) with input checks.

Same URL and JSON as Rasa's RestInput (`{"sender": ..., "message": ...,
"metadata": {...}}` in, a list of bot messages out), plus: each client
address and each sender id is rate limited (429 with a bot-style "slow down"
message in the customer's language), malformed requests get a 400 with a
reason, and everything else goes through the channels' common screening
(channels/gate.py) before Rasa sees it.
"""
from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import log_masking
from bot.action_failures import run_turn
from bot.language import reply_language
from bot.phrases import phrase
from bot.rate_limits import Rate, RateLimiter, client_address
from bot.settings import get_settings
from channels.gate import screen

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128
RATE_LIMITED = "rate_limited"


class KDPayRestInput(InputChannel):
    """Rasa's REST channel contract, checked and rate limited."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        settings = get_settings()
        self.per_sender = RateLimiter(Rate(settings.rest_messages_per_minute_per_sender, 60))
        self.per_address = RateLimiter(Rate(settings.rest_messages_per_minute_per_address, 60))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("kdpay_rest_webhook", __name__)

        @webhook.listener("before_server_start")
        async def mask_logs(*_: Any) -> None:
            log_masking.install()  # again: Sanic adds its own log handlers when the app is built

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = _integration_key_refusal(request)
            if refusal is not None:
                return refusal
            body, problem = _parse_body(request)
            if not self.per_address.allow(client_address(request)):
                return self._slow_down(request, body, self.per_address)
            if problem:
                return response.json({"error": problem}, status=400)
            if not self.per_sender.allow(body["sender"]):
                return self._slow_down(request, body, self.per_sender)
            screened = await screen(request.app.ctx.agent, body["sender"], body["message"], body["metadata"])
            if screened.reply is not None:
                return response.json(screened.reply)
            collector = CollectingOutputChannel()
            await run_turn(  # apologises if the action server fails (bot/action_failures.py)
                request.app.ctx.agent,
                on_new_message,
                UserMessage(
                    screened.text,
                    collector,
                    body["sender"],
                    input_channel=self.name(),
                    metadata=screened.metadata,
                )
            )
            return response.json(collector.messages)

        return webhook

    @staticmethod
    def _slow_down(request: Request, body: Dict[str, Any], limiter: RateLimiter) -> HTTPResponse:
        """A 429 shaped like the bot's own answer, so chat clients just show it."""
        language = reply_language([str(body.get("message") or "")[:200]])
        message: Dict[str, Any] = {"text": phrase("slow_down", language), "notice": RATE_LIMITED}
        if body.get("sender"):
            message["recipient_id"] = body["sender"]
        replies: List[Dict[str, Any]] = [message]
        return response.json(replies, status=429, headers={"Retry-After": str(limiter.retry_after_seconds)})


def _integration_key_refusal(request: Request) -> Optional[HTTPResponse]:
    """The REST webhook is for server-side integrations, which vouch for their sender ids.

    Whoever knows a sender id continues that conversation (its verified customer
    included), so in production only a caller with KDPAY_REST_API_TOKEN may post;
    customers use the widget or Telegram. Without the setting, development stays open.
    """
    settings = get_settings()
    expected = settings.rest_api_token.get_secret_value()
    if not expected:
        if settings.production:
            return response.json({"error": "the REST channel needs KDPAY_REST_API_TOKEN in production"}, status=503)
        return None
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return response.json({"error": "missing or wrong Authorization: Bearer token"}, status=401)
    return None


def _parse_body(request: Request) -> "tuple[Dict[str, Any], Optional[str]]":
    """The request's sender, message and metadata, or why they are unusable."""
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage for malformed JSON
        return {}, "the body must be JSON"
    if not isinstance(body, dict):
        return {}, "the body must be a JSON object"
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS or not _is_utf8(sender):
        return {}, f"'sender' must be a string of 1 to {MAX_SENDER_CHARS} characters"
    if message is not None and not isinstance(message, str):
        return {}, "'message' must be a string"
    if metadata is not None and not isinstance(metadata, dict):
        return {}, "'metadata' must be an object"
    return {"sender": sender, "message": message or "", "metadata": metadata or {}}, None


def _is_utf8(text: str) -> bool:
    """False for strings with lone surrogates (JSON allows "\\ud800"): unusable as a conversation key."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
