"""Which web pages may talk to the bot (socket.io connections and history requests)."""
from __future__ import annotations

import re
from typing import Optional, Sequence

_LOCALHOST = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$")


def origin_allowed(origin: Optional[str], allowed: Sequence[str], production: bool, own_origin: Optional[str] = None) -> bool:
    """Our own origin and the allow-list always; any localhost page too, outside production.

    There is no wildcard: a production deployment lists its sites in
    KDPAY_WEB_ORIGINS. A request without an Origin header (not from a
    browser page) is not a cross-site request and is allowed.
    """
    if not origin:
        return True
    origin = origin.rstrip("/")
    if origin == own_origin or origin in allowed:
        return True
    return not production and bool(_LOCALHOST.match(origin))
