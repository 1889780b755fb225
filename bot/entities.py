"""Rule-based entity extraction with spaCy (no downloaded model).

A blank spaCy pipeline with a tokenizer for mixed Chinese/English text and
Matcher patterns finds the things a KDPay customer types: transaction ids
(T20261102-0001), ticket numbers (DSP-000123), amounts with a currency
(¥100, 100元, $50, 50 USD), e-mail addresses, phone numbers and dates. Each
entity comes with a normalised value, so actions never parse text again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Callable, Dict, List, Optional, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.util import filter_spans

TRANSACTION_ID = "transaction_id"
TICKET_ID = "ticket_id"
AMOUNT = "amount"
EMAIL = "email"
PHONE = "phone"
DATE = "date"
ENTITY_TYPES = (TRANSACTION_ID, TICKET_ID, AMOUNT, EMAIL, PHONE, DATE)

# One token: an e-mail address, a number with thousands separators, a run of
# ASCII letters/digits joined by . - / : _ (ids, dates, +86, 50USD), or any
# other single non-space character (each Chinese character, ¥, $, ...).
_TOKEN = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\+?[A-Za-z0-9]+(?:[.\-/:_][A-Za-z0-9]+)*"
    r"|\S"
)

CURRENCY_WORDS: Dict[str, str] = {
    "¥": "CNY", "￥": "CNY", "元": "CNY", "块": "CNY", "块钱": "CNY", "人民币": "CNY",
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY",
    "$": "USD", "usd": "USD", "美元": "USD", "美金": "USD", "dollar": "USD",
    "dollars": "USD", "us$": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR",
    "£": "GBP", "gbp": "GBP", "英镑": "GBP",
    "hkd": "HKD", "港币": "HKD", "港元": "HKD",
    "jpy": "JPY", "日元": "JPY",
}
_SYMBOLS = [word for word in CURRENCY_WORDS if not word.isalnum()]
_NUMBER = r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$"
_RELATIVE_DAYS = {
    "今天": 0, "今日": 0, "today": 0,
    "昨天": -1, "昨日": -1, "yesterday": -1,
    "前天": -2,
}


def _chars(word: str) -> List[dict]:
    """Token patterns for a word: Chinese words are one token per character."""
    if word.isascii():
        return [{"LOWER": word}]
    return [{"ORTH": char} for char in word]


def _patterns() -> Dict[str, List[List[dict]]]:
    number = {"TEXT": {"REGEX": _NUMBER}}
    amount: List[List[dict]] = [
        [{"LOWER": {"REGEX": r"^\d+(\.\d+)?(usd|cny|rmb|eur|gbp|hkd|jpy)$"}}]
    ]
    for word in CURRENCY_WORDS:
        if word in _SYMBOLS:
            amount.append([{"ORTH": word}, number])
        else:
            amount.append([number, *_chars(word)])
    amount.append([{"LOWER": "us"}, {"ORTH": "$"}, number])
    day = {"TEXT": {"REGEX": r"^\d{1,2}$"}}
    return {
        TRANSACTION_ID: [[{"LOWER": {"REGEX": r"^t\d{8}-\d{4}$"}}]],
        TICKET_ID: [[{"LOWER": {"REGEX": r"^[a-z]{3}-\d{6}$"}}]],
        EMAIL: [[{"LIKE_EMAIL": True}]],
        PHONE: [
            [{"TEXT": {"REGEX": r"^(\+\d{1,3})?1[3-9]\d{9}$"}}],
            [{"TEXT": {"REGEX": r"^\+\d{8,15}$"}}],
            [{"TEXT": {"REGEX": r"^(\+\d{1,3}-)?\d{2,4}(-\d{3,4}){1,3}$"}}],
            [
                {"TEXT": {"REGEX": r"^\+\d{1,3}$"}, "OP": "?"},
                {"TEXT": {"REGEX": r"^\d{2,4}$"}},
                {"TEXT": {"REGEX": r"^\d{3,4}$"}},
                {"TEXT": {"REGEX": r"^\d{4}$"}},
            ],
        ],
        AMOUNT: amount,
        DATE: [
            [{"TEXT": {"REGEX": r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"}}],
            [{"TEXT": {"REGEX": r"^\d{4}$"}}, {"ORTH": "年"}, day, {"ORTH": "月"}, day,
             {"ORTH": {"IN": ["日", "号"]}}],
            [day, {"ORTH": "月"}, day, {"ORTH": {"IN": ["日", "号"]}}],
            *[_chars(word) for word in _RELATIVE_DAYS],
        ],
    }


@dataclass(frozen=True)
class Entity:
    """One entity found in a message, with character offsets into the text."""

    type: str
    value: str
    start: int
    end: int
    text: str

    def as_rasa_dict(self) -> Dict[str, object]:
        return {
            "entity": self.type,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence_entity": 1.0,
        }


class EntityRules:
    """The spaCy pipeline and its patterns; build once, call for every message."""

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self._nlp = spacy.blank("xx")
        self._matcher = Matcher(self._nlp.vocab)
        for label, patterns in _patterns().items():
            self._matcher.add(label, patterns)
        self._today = today

    def _tokenize(self, text: str) -> Tuple[Doc, List[Tuple[int, int]]]:
        found = list(_TOKEN.finditer(text))
        words = [match.group() for match in found] or [""]
        offsets = [match.span() for match in found] or [(0, 0)]
        return Doc(self._nlp.vocab, words=words, spaces=[True] * len(words)), offsets

    def extract(self, text: str) -> List[Entity]:
        if not text or not text.strip():
            return []
        doc, offsets = self._tokenize(text)
        labels: Dict[Tuple[int, int], str] = {}
        for match_id, start, end in self._matcher(doc):
            labels.setdefault((start, end), self._nlp.vocab.strings[match_id])
        entities: List[Entity] = []
        for span in filter_spans([doc[start:end] for start, end in labels]):
            label = labels[(span.start, span.end)]
            start, end = offsets[span.start][0], offsets[span.end - 1][1]
            raw = text[start:end]
            value = self._normalise(label, raw, [t.text for t in span])
            if value is not None:
                entities.append(Entity(label, value, start, end, raw))
        return sorted(entities, key=lambda entity: entity.start)

    def _normalise(self, label: str, raw: str, tokens: List[str]) -> Optional[str]:
        if label in (TRANSACTION_ID, TICKET_ID):
            return raw.upper()
        if label == EMAIL:
            return raw.lower()
        if label == PHONE:
            digits = re.sub(r"\D", "", raw)
            if not 7 <= len(digits) <= 15:
                return None
            return ("+" if raw.startswith("+") else "") + digits
        if label == AMOUNT:
            return _normalise_amount(tokens)
        if label == DATE:
            return self._normalise_date(raw, tokens)
        return raw

    def _normalise_date(self, raw: str, tokens: List[str]) -> Optional[str]:
        key = raw.lower()
        if key in _RELATIVE_DAYS:
            return (self._today() + timedelta(days=_RELATIVE_DAYS[key])).isoformat()
        numbers = [int(n) for n in re.findall(r"\d+", raw)]
        if len(numbers) == 2:
            numbers.insert(0, self._today().year)
        try:
            return date(*numbers).isoformat()
        except (TypeError, ValueError):
            return None


def _normalise_amount(tokens: List[str]) -> Optional[str]:
    joined = "".join(tokens).lower().replace(",", "")
    match = re.search(r"\d+(\.\d+)?", joined)
    if not match:
        return None
    currency_word = (joined[: match.start()] + joined[match.end():]).strip()
    currency = CURRENCY_WORDS.get(currency_word)
    try:
        value = Decimal(match.group())
    except InvalidOperation:
        return None
    if currency is None:
        return None
    return f"{value} {currency}"
