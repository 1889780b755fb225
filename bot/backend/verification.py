"""Prove a customer owns an e-mail address or phone number with a one-time code.

Nothing here reveals whether a contact is registered: unknown contacts get
the same result, the same hashing work and the same lockout as known ones;
they just never receive a code. Five wrong codes lock the contact (not the
customer) for 15 minutes, so a lock also outlives any new code.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.backend.audit import record_event
from bot.backend.customers import customer_by_contact, is_email, normalise_contact
from bot.backend.errors import VerificationLocked
from bot.backend.hashing import hashes_match, keyed_hash
from bot.backend.masking import mask_email, mask_phone
from bot.backend.models import Customer, VerificationCode, VerificationThrottle
from bot.backend.notices import verification_code_notice
from bot.backend.rows import locked_row
from bot.backend.outbox import EMAIL, SMS, DatabaseOutbox, OutboxGateway

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_WRONG_CODES = 5
LOCK_DURATION = timedelta(minutes=15)


def start_verification(
    session: Session, contact: str, now: datetime, gateway: Optional[OutboxGateway] = None
) -> None:
    """Send a fresh code if `contact` is registered and not locked; otherwise do nothing visible."""
    normalised = normalise_contact(contact) or ""
    contact_hash = _contact_hash(normalised)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    code_hash = _code_hash(contact_hash, code)
    customer = customer_by_contact(session, normalised) if normalised else None
    locked = _active_lock(session, contact_hash, now) is not None
    if customer is None or locked:
        return
    session.add(
        VerificationCode(
            contact_hash=contact_hash, customer_id=customer.id, code_hash=code_hash,
            expires_at=now + CODE_TTL, created_at=now,
        )
    )
    subject, body = verification_code_notice(
        customer.preferred_language, code, int(CODE_TTL.total_seconds() // 60)
    )
    (gateway or DatabaseOutbox(session, now)).send(
        EMAIL if is_email(normalised) else SMS, normalised, subject, body
    )


def code_digest(contact: str, code: str) -> str:
    """The keyed hash a channel passes on instead of a typed code (check it with check_code_digest)."""
    return _code_hash(_contact_hash(normalise_contact(contact) or ""), (code or "").strip())


def check_code(session: Session, contact: str, code: str, now: datetime) -> Optional[str]:
    """`check_code_digest` for a code as typed."""
    return check_code_digest(session, contact, code_digest(contact, code), now)


def check_code_digest(session: Session, contact: str, given_hash: str, now: datetime) -> Optional[str]:
    """The customer's public id if `given_hash` is the digest of the newest unexpired unused code, else None.

    The fifth wrong code in a row returns None and locks the contact; from
    then until the lock ends every attempt raises VerificationLocked, even
    with the right code. (Raising on the fifth itself would roll back the
    caller's transaction, and with it the lock.)
    """
    normalised = normalise_contact(contact) or ""
    contact_hash = _contact_hash(normalised)
    throttle = _throttle(session, contact_hash, now)
    if throttle.locked_until is not None and now < throttle.locked_until:
        raise VerificationLocked(throttle.locked_until)
    latest = _newest_code(session, contact_hash)
    usable = latest is not None and latest.used_at is None and now < latest.expires_at
    matches = hashes_match(latest.code_hash if latest is not None else "0" * 64, str(given_hash or ""))
    if usable and matches:
        latest.used_at = now
        _reset(throttle, now)
        return session.get(Customer, latest.customer_id).public_id
    _count_wrong_code(session, throttle, normalised, now)
    return None


def _contact_hash(normalised_contact: str) -> str:
    return keyed_hash("verification-contact", normalised_contact)


def _code_hash(contact_hash: str, code: str) -> str:
    return keyed_hash("verification-code", f"{contact_hash}:{code}")


def _active_lock(session: Session, contact_hash: str, now: datetime) -> Optional[datetime]:
    locked_until = session.scalars(
        select(VerificationThrottle.locked_until).where(VerificationThrottle.contact_hash == contact_hash)
    ).first()
    return locked_until if locked_until is not None and now < locked_until else None


def _throttle(session: Session, contact_hash: str, now: datetime) -> VerificationThrottle:
    """This contact's counter, row-locked on PostgreSQL so parallel guesses count one by one."""
    return locked_row(
        session, VerificationThrottle, VerificationThrottle.contact_hash, contact_hash, failed_attempts=0, updated_at=now
    )


def _newest_code(session: Session, contact_hash: str) -> Optional[VerificationCode]:
    return session.scalars(
        select(VerificationCode)
        .where(VerificationCode.contact_hash == contact_hash)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
    ).first()


def _reset(throttle: VerificationThrottle, now: datetime) -> None:
    throttle.failed_attempts = 0
    throttle.locked_until = None
    throttle.updated_at = now


def _count_wrong_code(session: Session, throttle: VerificationThrottle, normalised: str, now: datetime) -> None:
    if throttle.locked_until is not None:  # an earlier lock has run out: start counting afresh
        _reset(throttle, now)
    throttle.failed_attempts += 1
    throttle.updated_at = now
    if throttle.failed_attempts >= MAX_WRONG_CODES:
        throttle.locked_until = now + LOCK_DURATION
        masked = mask_email(normalised) if is_email(normalised) else mask_phone(normalised)
        record_event(
            session, "verification_locked", now, customer_by_contact(session, normalised) if normalised else None,
            contact=masked, until=throttle.locked_until.isoformat(),
        )
