"""Keyed hashes for everything we must check but never store: codes, tokens, contacts.

HMAC-SHA256 with a server-side pepper: a copy of the database alone is not
enough to brute-force six-digit codes or link a contact to its rows.
"""
from __future__ import annotations

import hashlib
import hmac

from bot.backend.config import secret_pepper


def keyed_hash(purpose: str, value: str) -> str:
    """Hex HMAC of `value`; `purpose` keeps hashes of different things apart."""
    message = f"{purpose}\x00{value}".encode("utf-8")
    return hmac.new(secret_pepper().encode("utf-8"), message, hashlib.sha256).hexdigest()


def hashes_match(expected: str, given: str) -> bool:
    """Constant-time comparison, so timing does not leak how much matched."""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii"))
