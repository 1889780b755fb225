"""The demo "KDPay help center" page at / and its sign-in helper (never in production).

The page embeds the widget with one script tag; its demo sign-in asks
/demo/token for a signed customer token of a demo customer, which is what a
real KDPay site would hand the widget after its own login. Tokens are rate
limited per client address.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.backend.config import customer_token_secret
from bot.backend.customer_tokens import issue_customer_token
from bot.backend.demo_data import DEMO_CUSTOMERS
from bot.rate_limits import SLOW_DOWN, Rate, RateLimiter, client_address, limited_reply
from bot.settings import get_settings

DEMO_PAGE = Path(__file__).resolve().parent / "static" / "demo.html"
DEMO_CUSTOMER_IDS = {customer.public_id for customer in DEMO_CUSTOMERS}


def demo_routes(app: Sanic) -> None:
    """Serve the demo page at / (Rasa's own "/" hello route answers otherwise)."""
    limiter = RateLimiter(Rate(get_settings().demo_tokens_per_minute_per_address, 60))

    @app.middleware("request")
    async def demo_pages(request: Request) -> "HTTPResponse | None":
        if request.method != "GET":
            return None
        if request.path == "/":
            return await response.file(DEMO_PAGE, mime_type="text/html; charset=utf-8")
        if request.path == "/demo/token":
            if not limiter.allow(client_address(request)):
                return limited_reply(SLOW_DOWN, limiter.retry_after_seconds)
            customer = request.args.get("customer")
            if customer not in DEMO_CUSTOMER_IDS:
                return response.json({"error": "not a demo customer"}, status=404)
            token = issue_customer_token(customer, customer_token_secret(), datetime.now(timezone.utc))
            return response.json({"token": token})
        return None
