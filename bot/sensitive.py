"""Secrets a customer should never type into a chat.

A card number, a password or a one-time code (when the bot did not ask for
one) is never passed to the bot or stored: the channel answers with a warning
instead, and never echoes the secret back.
"""
from __future__ import annotations

import enum
import re
from typing import Optional

from bot.backend.masking import passes_luhn

# 13-19 digits, single spaces or dashes allowed between them.
_CARD = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){12,18}(?![0-9A-Za-z])")
_PASSWORD = re.compile(
    r"(密码|密碼|口令|password|passwd|pwd|pin)\s*(是|为|為|:|：|=|is)\s*\S+", re.IGNORECASE
)
# A bare 6-digit code, or one named as a code ("my code is 123456", "验证码 123456").
_CODE = re.compile(
    r"^(?:.{0,12}(验证码|驗證碼|校验码|动态码|code|otp)\D{0,8})?\d{6}\W{0,3}$", re.IGNORECASE
)


class Secret(enum.Enum):
    CARD_NUMBER = "card_number"
    PASSWORD = "password"
    ONE_TIME_CODE = "one_time_code"


def looks_like_code(text: str) -> bool:
    return bool(_CODE.match(text.strip()))


def find_secret(text: str, expecting_code: bool) -> Optional[Secret]:
    """The kind of secret in `text`, if any. Codes count only when not asked for."""
    for match in _CARD.finditer(text):
        if passes_luhn(re.sub(r"\D", "", match.group())):
            return Secret.CARD_NUMBER
    if _PASSWORD.search(text):
        return Secret.PASSWORD
    if not expecting_code and looks_like_code(text):
        return Secret.ONE_TIME_CODE
    return None
