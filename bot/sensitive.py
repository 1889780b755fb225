"""Secrets a customer should never type into a chat.

A card number, a password or a one-time code (when the bot did not ask for
one) is never passed to the bot or stored: the channel answers with a warning
instead, and never echoes the secret back.
"""
from __future__ import annotations

import enum
import re
from typing import List, Optional, Tuple

from bot.backend.masking import passes_luhn

# A run of digit groups with single spaces or dashes between them; a card
# number (13-19 digits, Luhn-valid) is any stretch of whole groups in a run,
# so "call 13800138000 4111 1111 1111 1111" still shows its card.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ \-]\d+)*(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+")
CARD_DIGITS = range(13, 20)
_PASSWORD = re.compile(
    r"(密码|密碼|口令|password|passwd|pwd|pin)\s*(是|为|為|:|：|=|is)\s*\S+", re.IGNORECASE
)
# A bare 6-digit code, or one named as a code ("my code is 123456", "验证码 123456").
_CODE = re.compile(
    r"^(?:.{0,12}(验证码|驗證碼|校验码|动态码|code|otp)\D{0,8})?\d{6}\W{0,3}$", re.IGNORECASE
)


# What the channels pass on instead of a one-time code the verify form asked
# for: an intent payload (NLU cannot misroute it), and the code's keyed digest.
CODE_PLACEHOLDER = "/inform"
CODE_DIGEST_KEY = "otp_digest"
_SIX_DIGITS = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class Secret(enum.Enum):
    CARD_NUMBER = "card_number"
    PASSWORD = "password"
    ONE_TIME_CODE = "one_time_code"


def six_digits(text: str) -> Optional[str]:
    """The first stand-alone six-digit number in `text` (a one-time code's shape), if any."""
    match = _SIX_DIGITS.search(text)
    return match.group(1) if match else None


def looks_like_code(text: str) -> bool:
    return bool(_CODE.match(text.strip()))


def card_spans(text: str) -> List[Tuple[int, int]]:
    """Where Luhn-valid 13-19 digit card numbers are in `text` (start, end), left to right."""
    spans: List[Tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = list(_GROUP.finditer(text, run.start(), run.end()))
        first = 0
        while first < len(groups):
            found, digits = None, ""
            for last in range(first, len(groups)):
                digits += groups[last].group()
                if len(digits) > CARD_DIGITS[-1]:
                    break
                if len(digits) in CARD_DIGITS and passes_luhn(digits):
                    found = last  # keep looking: the longest card from this group wins
            if found is None:
                first += 1
            else:
                spans.append((groups[first].start(), groups[found].end()))
                first = found + 1
    return spans


def find_secret(text: str, expecting_code: bool) -> Optional[Secret]:
    """The kind of secret in `text`, if any. Codes count only when not asked for."""
    if card_spans(text):
        return Secret.CARD_NUMBER
    if _PASSWORD.search(text):
        return Secret.PASSWORD
    if not expecting_code and looks_like_code(text):
        return Secret.ONE_TIME_CODE
    return None
