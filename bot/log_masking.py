"""No log line of ours or of a library holds a full e-mail, phone, card number or code.

Rasa at DEBUG prints what customers type (structlog's `processor.message.parse`
and tracker dumps), and its structlog output ends as a string handed to a
stdlib logger. So masking is done where every stdlib log record is born:
`install()` wraps the process's LogRecord factory, which formats the record
once (message, arguments, traceback) and masks the result before any handler,
formatter or structlog renderer sees it. A handler filter does the same for
records created with `extra=` fields (Sanic's access log) and for anything
logged before the factory was installed. Installed by the channels package
(Rasa server) and the actions package (action server), so both processes mask
however they are started; `install()` is idempotent.

Masks: e-mail, phone and Luhn-valid card numbers as in bot/backend/masking.py
(l***@example.com, 13*****8000, ************1111), and six-digit codes as ******.
"""
from __future__ import annotations

import logging
import re
from typing import Any, List

from bot.backend.masking import mask_personal_data
from bot.sensitive import card_spans

CODE_MASK = "******"
# A six-digit code standing alone: not part of an id (DSP-000123), a version
# or a longer number. Chinese text before it counts as a boundary.
_CODE = re.compile(r"(?<![0-9A-Za-z_\-./])\d{6}(?![0-9A-Za-z_\-])")
# Kept as they are and treated as boundaries: JSON's \uXXXX escapes (structlog
# renders Chinese that way, and "\u673a13800138000" must still mask the phone)
# and epoch timestamps with fractions, which would otherwise look like phones.
_LEAVE_ALONE = re.compile(r"(\\u[0-9a-fA-F]{4}|(?<![\d.])\d{9,10}\.\d+)")
# LogRecord attributes that are formatted into a line but are not the message.
_EXTRA_FIELDS = ("request", "host")
_MASKED = "_kdpay_masked"


def mask_text(text: str) -> str:
    """`text` with every e-mail, phone, card number and six-digit code masked."""
    parts: List[str] = _LEAVE_ALONE.split(text)
    for index in range(0, len(parts), 2):  # even parts: ordinary text between escapes
        parts[index] = _CODE.sub(CODE_MASK, mask_personal_data(_mask_cards(parts[index])))
    return "".join(parts)


def _mask_cards(text: str) -> str:
    """Card numbers (as the channels' screening finds them) keep only their last four digits."""
    for start, end in reversed(card_spans(text)):
        found = text[start:end]
        total = sum(char.isdigit() for char in found)
        seen, masked = 0, []
        for char in found:
            if char.isdigit():
                seen += 1
                masked.append(char if seen > total - 4 else "*")
            else:
                masked.append(char)
        text = text[:start] + "".join(masked) + text[end:]
    return text


def mask_record(record: logging.LogRecord) -> None:
    """Format the record's message (and traceback) now, masked; later formatting reuses it."""
    if getattr(record, _MASKED, False):
        _mask_extras(record)
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it for logging's own error report
        return
    record.msg, record.args = mask_text(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    _mask_extras(record)
    setattr(record, _MASKED, True)


def _mask_extras(record: logging.LogRecord) -> None:
    for name in _EXTRA_FIELDS:
        value = record.__dict__.get(name)
        if isinstance(value, str):
            record.__dict__[name] = mask_text(value)


class MaskingFilter(logging.Filter):
    """Masks records on their way through a handler; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_FILTER = MaskingFilter()


def _masking_factory(previous: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    make.kdpay_masking = True  # type: ignore[attr-defined]
    return make


def install() -> None:
    """Mask every log record this process creates from now on, and every handler's output."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "kdpay_masking", False):
        logging.setLogRecordFactory(_masking_factory(factory))
    loggers = [logging.getLogger()] + [
        logger for logger in list(logging.Logger.manager.loggerDict.values()) if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
