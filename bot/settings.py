"""Operator settings, read once from the environment (KDPAY_* variables)."""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseSettings, Field


class Settings(BaseSettings):
    """Every setting has a safe default for a local demo."""

    rasa_port: int = Field(5005, description="Rasa server (channels) port")
    actions_port: int = Field(5055, description="rasa_sdk action server port")
    max_message_chars: int = Field(
        1000, description="Longer customer messages are refused politely"
    )

    class Config:
        env_prefix = "KDPAY_"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
