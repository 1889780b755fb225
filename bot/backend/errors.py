"""What can go wrong in a backend call, as exceptions the bot can word for customers."""
from __future__ import annotations

from datetime import datetime

PENDING = "pending"
NOT_COMPLETED = "not_completed"
OUTSIDE_REFUND_WINDOW = "outside_refund_window"
ALREADY_REFUNDED = "already_refunded"
ALREADY_DISPUTED = "already_disputed"
REFUND_OPEN = "refund_open"
FAILED = "failed"
REASON_CODES = (
    PENDING, NOT_COMPLETED, OUTSIDE_REFUND_WINDOW, ALREADY_REFUNDED,
    ALREADY_DISPUTED, REFUND_OPEN, FAILED,
)


class BackendError(Exception):
    """Base of every error the backend raises on purpose."""


class NotFound(BackendError):
    """Unknown, or someone else's: the same error, so ownership is never revealed."""


class NotEligible(BackendError):
    """The request is understood but the rules refuse it; `reason_code` says why."""

    def __init__(self, reason_code: str) -> None:
        if reason_code not in REASON_CODES:
            raise ValueError(f"unknown reason code {reason_code!r}")
        super().__init__(reason_code)
        self.reason_code = reason_code


class RateLimited(BackendError):
    """Too many requests; the customer may try again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class VerificationLocked(BackendError):
    """Too many wrong codes for this contact; no code is checked before `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class AccountLocked(BackendError):
    """The customer locked the account; support unlocks it after verifying identity."""


class SignInLocked(BackendError):
    """Too many failed agent sign-ins for this login; none is checked before `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"sign-in locked until {until.isoformat()}")
        self.until = until


class WeakPassword(BackendError, ValueError):
    """An agent password that does not meet the rules; the message says which."""


class LoginTaken(BackendError):
    """Another agent already has this login."""


class AlreadyClaimed(BackendError):
    """Another agent claimed the handoff first."""


class NotYourConversation(BackendError):
    """The handoff is not claimed by this agent (claimed by another, or no longer open)."""


class HandoffClosed(BackendError):
    """The handoff is resolved, expired or abandoned: nothing more can be done with it."""


class RatingNotAccepted(BackendError):
    """A rating is taken once, and only after the agent resolved the handoff."""


class InvalidSchedule(BackendError, ValueError):
    """KDPAY_SUPPORT_HOURS or KDPAY_SUPPORT_TIMEZONE cannot be understood."""
