"""Splitting a reply into Telegram messages (at most 4096 characters each).

Telegram counts UTF-16 code units, so an emoji counts twice; we measure the
same way. Text is cut at paragraph breaks, else line breaks, else spaces,
and only as a last resort inside a word (never inside a surrogate pair).
"""
from __future__ import annotations

from typing import List

MAX_MESSAGE_UNITS = 4096
_SEPARATORS = ("\n\n", "\n", " ")


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> List[str]:
    """`text` as messages of at most `limit` units, cut at the coarsest boundary that fits."""
    text = (text or "").strip()
    if not text:
        return []
    if units(text) <= limit:
        return [text]
    for separator in _SEPARATORS:
        parts = text.split(separator)
        if len(parts) > 1:
            return _pack(parts, separator, limit)
    return _hard_split(text, limit)


def _pack(parts: List[str], separator: str, limit: int) -> List[str]:
    """Join consecutive parts while they fit; parts too long alone are split finer."""
    chunks: List[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if units(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            chunks.append(current.strip())
        if units(part) <= limit:
            current = part
        else:
            chunks.extend(split_text(part, limit))
            current = ""
    if current.strip():
        chunks.append(current.strip())
    return chunks


def _hard_split(text: str, limit: int) -> List[str]:
    chunks, current, size = [], [], 0
    for character in text:
        width = units(character)
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(character)
        size += width
    if current:
        chunks.append("".join(current))
    return chunks
