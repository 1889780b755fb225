"""The REST channel (`POST /webhooks/rest/webhook`) with input checks.

Same URL and JSON as Rasa's RestInput (`{"sender": ..., "message": ...,
"metadata": {...}}` in, a list of bot messages out), plus: malformed requests
get a 400 with a reason; everything else goes through the channels' common
screening (channels/gate.py) before Rasa sees it.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.gate import screen

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128


class KDPayRestInput(InputChannel):
    """Rasa's REST channel contract, checked."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("kdpay_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, problem = _parse_body(request)
            if problem:
                return response.json({"error": problem}, status=400)
            screened = await screen(request.app.ctx.agent, body["sender"], body["message"], body["metadata"])
            if screened.reply is not None:
                return response.json(screened.reply)
            collector = CollectingOutputChannel()
            await on_new_message(
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


def _parse_body(request: Request) -> "tuple[Dict[str, Any], Optional[str]]":
    """The request's sender, message and metadata, or why they are unusable."""
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage for malformed JSON
        return {}, "the body must be JSON"
    if not isinstance(body, dict):
        return {}, "the body must be a JSON object"
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
        return {}, f"'sender' must be a string of 1 to {MAX_SENDER_CHARS} characters"
    if message is not None and not isinstance(message, str):
        return {}, "'message' must be a string"
    if metadata is not None and not isinstance(metadata, dict):
        return {}, "'metadata' must be an object"
    return {"sender": sender, "message": message or "", "metadata": metadata or {}}, None
