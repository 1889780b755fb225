"""Signed customer tokens: after verification the bot, widget or web hands one back
instead of re-asking for a code. HS256 JWTs with `sub` (public id), `iat`, `exp`.

The secret comes from KDPAY_CUSTOMER_TOKEN_SECRET (see config); the
committed default is for the local demo only.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta, timezone
from typing import List, Optional

import jwt

from bot.backend.config import customer_token_secret

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32  # RFC 7518: an HS256 key at least as long as the hash
DEFAULT_TTL = timedelta(hours=1)
CLOCK_SKEW_SECONDS = 60  # tolerate a server whose clock runs slightly ahead


def issue_customer_token(
    public_id: str, secret: str, now: datetime, ttl: timedelta = DEFAULT_TTL
) -> str:
    """A token naming `public_id`, valid from `now` for `ttl`."""
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ValueError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
    if not public_id:
        raise ValueError("a token must name a customer")
    issued = int(now.timestamp())
    claims = {"sub": public_id, "iat": issued, "exp": issued + int(ttl.total_seconds())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def customer_from_token(token: str, secret: str, now: datetime) -> Optional[str]:
    """The public id in a valid, unexpired token; None for anything else. Never raises.

    Expiry is checked against `now` (not the wall clock), so PyJWT's own
    time checks are off and done here.
    """
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM],
            options={"require": ["sub", "iat", "exp"], "verify_exp": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, TypeError, ValueError):
        return None
    subject, issued, expires = claims.get("sub"), claims.get("iat"), claims.get("exp")
    if not isinstance(subject, str) or not subject:
        return None
    if not all(isinstance(value, (int, float)) for value in (issued, expires)):
        return None
    moment = now.timestamp()
    return subject if issued - CLOCK_SKEW_SECONDS <= moment < expires else None


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m bot.backend.customer_tokens C-1001`: a token for trying account flows."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("customer_id", help="a customer's public id, e.g. C-1001")
    parser.add_argument("--minutes", type=int, default=60, help="how long the token is valid")
    args = parser.parse_args(argv)
    print(issue_customer_token(
        args.customer_id, customer_token_secret(), datetime.now(timezone.utc), timedelta(minutes=args.minutes)
    ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
