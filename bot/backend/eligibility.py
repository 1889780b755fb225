"""The answer to "may I open this dispute / request this refund?" before asking."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Eligibility:
    """ok with `open_ticket` set means: already requested, asking again returns that ticket."""

    ok: bool
    reason_code: Optional[str] = None
    open_ticket: Optional[str] = None


ELIGIBLE = Eligibility(ok=True)


def refused(reason_code: str) -> Eligibility:
    return Eligibility(ok=False, reason_code=reason_code)


def already_open(ticket_number: str) -> Eligibility:
    return Eligibility(ok=True, open_ticket=ticket_number)
