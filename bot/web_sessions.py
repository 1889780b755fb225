"""Web chat session ids: issued by the server, unguessable, checkable without a store.

A session id is the conversation's sender id and the key to its history, so
a client can only continue a session the server gave it: the id carries an
HMAC of its random part, and any other id gets a fresh session instead.
"""
from __future__ import annotations

import secrets
from typing import Optional

from bot.backend.hashing import hashes_match, keyed_hash

_PURPOSE = "web-session"
_SIGNATURE_CHARS = 24


def new_session_id() -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{keyed_hash(_PURPOSE, nonce)[:_SIGNATURE_CHARS]}"


def is_issued(session_id: Optional[str]) -> bool:
    """Was this id issued by us (with the current secret)?"""
    if not isinstance(session_id, str) or len(session_id) > 100:
        return False
    nonce, dot, signature = session_id.partition(".")
    if not dot or not nonce:
        return False
    return hashes_match(keyed_hash(_PURPOSE, nonce)[:_SIGNATURE_CHARS], signature)
