"""Operator settings, read once from the environment (KDPAY_* variables)."""
from __future__ import annotations

from functools import lru_cache
from typing import List

from pydantic import BaseSettings, Field, SecretStr

PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting has a safe default for a local demo."""

    env: str = Field("development", description="'production' turns off demo conveniences")
    rasa_port: int = Field(5005, description="Rasa server (channels) port")
    actions_port: int = Field(5055, description="rasa_sdk action server port")
    max_message_chars: int = Field(
        1000, description="Longer customer messages are refused politely"
    )
    nlu_cache_size: int = Field(
        10_000, ge=0, description="NLU results kept for repeated messages per server process (0: off)"
    )
    web_origins: str = Field(
        "", description="Comma-separated origins allowed to embed the web widget"
    )
    web_messages_per_minute_per_session: int = Field(20, description="Web chat rate limit per session")
    web_messages_per_minute_per_address: int = Field(60, description="Web chat rate limit per client address")
    rest_messages_per_minute_per_sender: int = Field(20, description="REST webhook rate limit per sender id")
    rest_messages_per_minute_per_address: int = Field(60, description="REST webhook rate limit per client address")
    web_history_requests_per_minute_per_address: int = Field(
        60, description="Widget history requests per client address"
    )
    demo_tokens_per_minute_per_address: int = Field(10, description="Demo sign-in tokens per client address")
    agent_sign_ins_per_minute_per_address: int = Field(
        10, description="Agent console sign-in attempts per client address (each login also locks out)"
    )
    agent_requests_per_minute_per_address: int = Field(
        600, description="Agent console API calls per client address (a console polls about 60 a minute)"
    )
    rest_api_token: SecretStr = Field(
        SecretStr(""), description="Bearer token server-side integrations send to the REST webhook; required in production"
    )
    telegram_token: SecretStr = Field(SecretStr(""), description="Telegram bot token; unset: no Telegram channel")
    telegram_webhook_secret: SecretStr = Field(
        SecretStr(""), description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token"
    )
    telegram_api_url: str = Field("https://api.telegram.org", description="Telegram Bot API server (tests: a fake)")

    class Config:
        env_prefix = "KDPAY_"

    @property
    def production(self) -> bool:
        return self.env.strip().lower() == PRODUCTION

    @property
    def allowed_web_origins(self) -> List[str]:
        return [o.strip().rstrip("/") for o in self.web_origins.split(",") if o.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
