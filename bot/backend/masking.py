"""Hide personal data in what customers see echoed back and in log lines.

Masks keep just enough to recognise one's own data ("l***@example.com",
"+86*******8000", "**** **** **** 1111").
"""
from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# 13-19 digits, single spaces or dashes allowed between them.
_CARD = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){12,18}(?![0-9A-Za-z])")
# International numbers with "+", or bare runs of 10-15 digits (a Chinese
# mobile number has 11). Ids like T20261102-0001 are not touched: a Latin
# letter or dash right before the digits excludes them (Chinese text does not).
_PHONE = re.compile(r"(?<![0-9A-Za-z\-+])(?:\+\d(?:[ \-]?\d){6,14}|\d{10,15})(?![0-9A-Za-z\-])")
_MASK = "*"


def mask_email(email: str) -> str:
    """lin.wei@example.com -> l***@example.com (the domain stays readable)."""
    local, at, domain = email.strip().partition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(phone: str) -> str:
    """+8613800138000 -> +86*******8000: country prefix and last four digits stay."""
    stripped = phone.strip()
    plus = "+" if stripped.startswith("+") else ""
    digits = re.sub(r"\D", "", stripped)
    if len(digits) < 7:
        return plus + _MASK * max(len(digits) - 2, 0) + digits[-2:]
    return plus + digits[:2] + _MASK * (len(digits) - 6) + digits[-4:]


def passes_luhn(digits: str) -> bool:
    """The check digit every payment card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    """Replace every Luhn-valid 13-19 digit card number, keeping its last four digits."""
    return _CARD.sub(_mask_card_match, text)


def _mask_card_match(match: "re.Match[str]") -> str:
    found = match.group(0)
    digits = re.sub(r"\D", "", found)
    if not passes_luhn(digits):
        return found
    keep_from = len(digits) - 4
    masked, seen = [], 0
    for char in found:
        if char.isdigit():
            masked.append(char if seen >= keep_from else _MASK)
            seen += 1
        else:
            masked.append(char)
    return "".join(masked)


def mask_personal_data(text: str) -> str:
    """Mask e-mail addresses, card numbers and phone numbers in a log line."""
    text = _EMAIL.sub(lambda match: mask_email(match.group(0)), text)
    text = mask_card_numbers(text)
    return _PHONE.sub(lambda match: mask_phone(match.group(0)), text)
