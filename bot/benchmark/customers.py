"""Simulated customers: a fixed mix of multi-turn conversations, and what a turn's replies must say.

The scripts are the bot's everyday traffic: greetings, FAQ questions in
Chinese and English, thanks and goodbyes, and a read-only account flow (ticket
status) for demo customers signed in with a customer token. Read-only, so
every run and every concurrent customer sees the same replies.

Each turn names the kind of reply it expects by phrases, one of which must
appear in the turn's replies; anything else counts as an error ("unexpected").
"""
from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

GREET = "greet"
FAQ = "faq"
THANKS = "thanks"
GOODBYE = "goodbye"
ACCOUNT = "account"

_EXPECTED: Dict[Tuple[str, str], Tuple[str, ...]] = {
    (GREET, "zh"): ("KDPay智能客服",),
    (GREET, "en"): ("I'm KDPay Assist",),
    (THANKS, "zh"): ("不客气",),
    (THANKS, "en"): ("You're welcome",),
    (GOODBYE, "zh"): ("再见",),
    (GOODBYE, "en"): ("Goodbye",),
    (ACCOUNT, "zh"): ("工单",),
    (ACCOUNT, "en"): ("ticket",),
}


@dataclass(frozen=True)
class Turn:
    """One customer message and the phrases (any one) its replies must contain."""

    text: str
    kind: str
    language: str
    expect: Tuple[str, ...] = ()

    def expected_phrases(self) -> Tuple[str, ...]:
        return self.expect or _EXPECTED[(self.kind, self.language)]


@dataclass(frozen=True)
class Script:
    """A conversation; `customer` is the demo customer it is signed in as (None: anonymous)."""

    name: str
    turns: Tuple[Turn, ...]
    customer: Optional[str] = None


def _faq(text: str, language: str, *expect: str) -> Turn:
    return Turn(text, FAQ, language, tuple(expect))


SCRIPTS: Tuple[Script, ...] = (
    Script("zh_faq", (
        Turn("你好", GREET, "zh"),
        _faq("我忘记密码了怎么办", "zh", "重置"),
        _faq("国际转账要多久", "zh", "国际转账"),
        Turn("谢谢", THANKS, "zh"),
        Turn("再见", GOODBYE, "zh"),
    )),
    Script("en_faq", (
        Turn("hello", GREET, "en"),
        _faq("how can I reset my password?", "en", "Forgot your password"),
        _faq("how does a transaction dispute work", "en", "dispute"),
        _faq("what is the refund policy", "en", "Refund"),
        Turn("thanks", THANKS, "en"),
        Turn("bye", GOODBYE, "en"),
    )),
    Script("mixed_faq", (
        Turn("hi", GREET, "en"),
        _faq("how do I keep my account secure", "en", "account safe"),
        _faq("how can I contact customer service", "en", "KDPay support"),
        _faq("退款政策是什么", "zh", "退款"),
        Turn("谢谢", THANKS, "zh"),
    )),
    Script("zh_faq_2", (
        Turn("你好", GREET, "zh"),
        _faq("客服电话是多少", "zh", "联系KDPay客服"),
        _faq("我的账户安全吗", "zh", "账户安全"),
        _faq("交易有争议怎么办", "zh", "争议"),
        Turn("谢谢", THANKS, "zh"),
    )),
    Script("zh_ticket_status", (
        Turn("你好", GREET, "zh"),
        Turn("我要查询工单进度", ACCOUNT, "zh"),
        _faq("交易有争议怎么办", "zh", "争议"),
        Turn("谢谢", THANKS, "zh"),
    ), customer="C-1001"),
    Script("en_ticket_status", (
        Turn("hi", GREET, "en"),
        Turn("what's the status of my tickets", ACCOUNT, "en"),
        Turn("thanks", THANKS, "en"),
        Turn("goodbye", GOODBYE, "en"),
    ), customer="C-1002"),
)


def reply_matches(turn: Turn, texts: Sequence[str]) -> bool:
    """Whether the turn's replies (their texts) say what this kind of turn should."""
    joined = "\n".join(texts)
    return any(phrase in joined for phrase in turn.expected_phrases())


def scripts_for(customer: int, seed: int = 7) -> Iterator[Script]:
    """An endless, reproducible sequence of scripts for one customer (each customer starts elsewhere)."""
    rng = random.Random(seed * 100_003 + customer)
    while True:
        yield rng.choice(SCRIPTS)


def customer_token(customer: str, secret: str) -> str:
    """A signed customer token, as a signed-in web page passes it."""
    from bot.backend.customer_tokens import issue_customer_token

    return issue_customer_token(customer, secret, datetime.now(timezone.utc))


class Budget:
    """Hands out permission to send: a fixed number of messages, or until a deadline (thread-safe)."""

    def __init__(self, messages: Optional[int] = None, deadline: Optional[float] = None,
                 clock: Any = None) -> None:
        import time

        self._left = messages
        self._deadline = deadline
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._deadline is not None and self._clock() >= self._deadline:
                return False
            if self._left is None:
                return True
            if self._left <= 0:
                return False
            self._left -= 1
            return True


@dataclass
class TurnRecord:
    """What one client saw for one message: when, how long, how many replies, and any error."""

    channel: str
    customer: int
    conversation: str
    index: int  # position of this message in its conversation
    text: str
    kind: str
    started: float  # monotonic seconds
    latency_s: Optional[float] = None  # send to the last reply of the turn
    replies: int = 0
    error: Optional[str] = None  # "http_500", "timeout", "empty", "unexpected", "connection", ...
    status: Optional[int] = None  # HTTP status (REST)
    texts: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data.pop("texts")
        return data


def judge(record: TurnRecord, turn: Turn) -> TurnRecord:
    """Sets `error` from the replies when the transport itself succeeded."""
    if record.error is None:
        if record.replies == 0:
            record.error = "empty"
        elif not reply_matches(turn, record.texts):
            record.error = "unexpected"
    return record
