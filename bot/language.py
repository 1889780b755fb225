"""Which language to answer in.

The bot answers in the language of the customer's latest message. Messages
that say nothing about language (a transaction id, a code, an emoji) keep the
language of the conversation so far; a new conversation starts in Chinese.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

ZH = "zh"
EN = "en"
SUPPORTED_LANGUAGES = (ZH, EN)
DEFAULT_LANGUAGE = ZH

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Ids, codes, e-mail addresses, links and our brand name carry no language.
_NEUTRAL = re.compile(r"https?://\S+|\S+@\S+|[A-Za-z]*\d[\w\-]*|kdpay", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: Optional[str]) -> Optional[str]:
    """The language of one message, or None when the message does not tell.

    Mixed messages such as "我的KDPay password忘了" count as Chinese: a
    customer who writes Chinese words at all reads Chinese, unless the
    English words clearly dominate.
    """
    if not text or text.lstrip().startswith("/"):
        return None
    han = len(_HAN.findall(text))
    latin_words = len(_LATIN_WORD.findall(_NEUTRAL.sub(" ", text)))
    if han == 0 and latin_words == 0:
        return None
    return ZH if han >= 2 * latin_words else EN


def reply_language(
    user_texts_newest_first: Iterable[Optional[str]], preferred: Optional[str] = None
) -> str:
    """The language of the newest message that tells, else the preference, else zh."""
    for text in user_texts_newest_first:
        language = detect_language(text)
        if language:
            return language
    return preferred if preferred in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def normalise_language(value: Optional[str]) -> Optional[str]:
    """Map a client's language hint ("zh-CN", "en_US", "auto") to zh, en or None."""
    if not value:
        return None
    prefix = value.strip().lower()[:2]
    return prefix if prefix in SUPPORTED_LANGUAGES else None
