"""Turning a channel message's metadata into a trusted customer identity.

A host page (or any client) may pass `metadata.customer_token`, an HS256 JWT
signed with KDPAY_CUSTOMER_TOKEN_SECRET. Every channel of ours runs the
metadata through `trusted_metadata` before Rasa sees it: the token is
checked and removed (it is never stored in the conversation), and only then
is `customer_id` set. A client cannot set `customer_id` itself.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from bot.backend.config import customer_token_secret
from bot.backend.customer_tokens import customer_from_token

logger = logging.getLogger(__name__)

TOKEN_KEY = "customer_token"
VERIFIED_CUSTOMER_KEY = "customer_id"


def trusted_metadata(
    metadata: Optional[Dict[str, Any]], now: Optional[datetime] = None
) -> Dict[str, Any]:
    """The metadata without the token and client-set identity, plus the verified customer."""
    cleaned = dict(metadata or {})
    token = cleaned.pop(TOKEN_KEY, None)
    cleaned.pop(VERIFIED_CUSTOMER_KEY, None)
    if token is None:
        return cleaned
    customer = None
    if isinstance(token, str):
        customer = customer_from_token(token, customer_token_secret(), now or datetime.now(timezone.utc))
    if customer is None:
        logger.info("Ignored an invalid or expired customer token.")
    else:
        cleaned[VERIFIED_CUSTOMER_KEY] = customer
    return cleaned
