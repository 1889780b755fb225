"""Who our customers are, and how a contact (e-mail or phone) finds one.

Elsewhere in the backend a customer is named by public id ("C-1001"); the
integer row id never leaves the database layer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.errors import NotFound
from bot.backend.models import Customer

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"\+?\d{6,15}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class CustomerView:
    public_id: str
    name: str
    email: str
    phone: str
    preferred_language: str
    locked: bool
    locked_at: Optional[datetime]
    two_step_enabled: bool


def normalise_contact(contact: str) -> Optional[str]:
    """Lower-case e-mail, or phone as digits with an optional leading "+"; None if neither."""
    cleaned = (contact or "").strip()
    if "@" in cleaned:
        email = cleaned.lower()
        return email if _EMAIL.fullmatch(email) else None
    phone = _PHONE_SEPARATORS.sub("", cleaned)
    return phone if _PHONE.fullmatch(phone) else None


def is_email(normalised_contact: str) -> bool:
    return "@" in normalised_contact


def customer_row(session: Session, customer_id: str, for_update: bool = False) -> Customer:
    """The ORM row behind a public id, for the backend's own modules; NotFound if unknown."""
    statement = select(Customer).where(Customer.public_id == customer_id)
    if for_update:
        statement = statement.with_for_update()
    customer = session.scalars(statement).first()
    if customer is None:
        raise NotFound(customer_id)
    return customer


def customer_by_contact(session: Session, normalised_contact: str) -> Optional[Customer]:
    """The customer registered with this normalised e-mail or phone, if any."""
    column = Customer.email if is_email(normalised_contact) else Customer.phone
    return session.scalars(select(Customer).where(column == normalised_contact)).first()


def get_customer(session: Session, customer_id: str) -> CustomerView:
    return customer_view(customer_row(session, customer_id))


def customer_view(customer: Customer) -> CustomerView:
    return CustomerView(
        public_id=customer.public_id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        preferred_language=customer.preferred_language,
        locked=customer.locked,
        locked_at=customer.locked_at,
        two_step_enabled=customer.two_step_enabled,
    )
