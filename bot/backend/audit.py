"""An append-only record of what happened to whose account, for support and security."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.customers import customer_row
from bot.backend.masking import mask_personal_data
from bot.backend.models import AuditEvent, Customer

MAX_DETAIL_CHARS = 500


@dataclass(frozen=True)
class AuditEventView:
    kind: str
    detail: Dict[str, Any]
    created_at: datetime


def record_event(
    session: Session, kind: str, now: datetime, customer: Optional[Customer] = None, **detail: Any
) -> None:
    """Add one event; text in `detail` is masked so the audit log holds no raw personal data."""
    session.add(
        AuditEvent(
            customer_id=customer.id if customer is not None else None,
            kind=kind,
            detail={key: _safe(value) for key, value in detail.items()},
            created_at=now,
        )
    )


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)[:MAX_DETAIL_CHARS]
    return value


def events_for(session: Session, customer_id: str) -> List[AuditEventView]:
    """One customer's events, oldest first."""
    customer = customer_row(session, customer_id)
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.customer_id == customer.id).order_by(AuditEvent.id)
    )
    return [AuditEventView(row.kind, dict(row.detail), row.created_at) for row in rows]
