"""Backend settings, read from the environment (KDPAY_* variables).

Read on every call rather than cached, so a changed environment takes effect
without a restart (tests change it; so may an operator).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

from pydantic import BaseSettings, Field

log = logging.getLogger(__name__)

# Demo defaults: fine on a laptop, never in production (see README).
DEV_SECRET_PEPPER = "kdpay-dev-pepper-change-me-in-production-0001"
DEV_CUSTOMER_TOKEN_SECRET = "kdpay-dev-customer-token-secret-change-me-0001"

_warned_about_dev_pepper = False


class BackendSettings(BaseSettings):
    """Every setting has a default that works for a local demo."""

    database_url: Optional[str] = Field(
        None, description="SQLAlchemy URL; default sqlite:///<project>/var/kdpay.db"
    )
    secret_pepper: str = Field(
        DEV_SECRET_PEPPER, description="HMAC key for stored codes and reset tokens"
    )
    customer_token_secret: str = Field(
        DEV_CUSTOMER_TOKEN_SECRET, description="HS256 key of customer tokens (>= 32 bytes)"
    )
    refund_window_days: int = Field(
        30, ge=0, description="Refunds allowed this many days after completion"
    )
    web_base_url: str = Field(
        "www.kdpay.example", description="Host (or https:// URL) of KDPay's website"
    )
    support_hours: str = Field(
        "mon-sun 09:00-21:00",
        description='When agents answer, e.g. "mon-fri 09:00-18:00; sat 10:00-16:00"',
    )
    support_timezone: str = Field(
        "Asia/Shanghai", description="IANA time zone of support_hours"
    )
    handoff_max_wait_minutes: int = Field(
        10, ge=1, description="A queued handoff no agent claims within this long becomes a ticket"
    )
    agent_presence_seconds: int = Field(
        60, ge=5, description="An agent whose console called in this recently counts as online"
    )

    class Config:
        env_prefix = "KDPAY_"


def backend_settings() -> BackendSettings:
    return BackendSettings()


def secret_pepper() -> str:
    """The hashing pepper; warns once when the committed dev default is in use."""
    global _warned_about_dev_pepper
    pepper = backend_settings().secret_pepper
    if pepper == DEV_SECRET_PEPPER and not _warned_about_dev_pepper:
        _warned_about_dev_pepper = True
        log.warning("KDPAY_SECRET_PEPPER is not set: using the demo pepper (not for production)")
    return pepper


def customer_token_secret() -> str:
    return backend_settings().customer_token_secret


def web_base_url() -> str:
    """KDPay's website as an https URL without a trailing slash."""
    base = backend_settings().web_base_url.strip().rstrip("/")
    return base if base.startswith(("https://", "http://")) else f"https://{base}"


def handoff_max_wait() -> timedelta:
    return timedelta(minutes=backend_settings().handoff_max_wait_minutes)


def agent_presence_window() -> timedelta:
    return timedelta(seconds=backend_settings().agent_presence_seconds)
