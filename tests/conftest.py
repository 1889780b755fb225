"""Shared fixtures: the trained model, and real servers on free ports."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Dict, Iterator

import pytest

# The servers live in bot.local_servers (the benchmarks start them too); tests
# import these names from conftest.
from bot.local_servers import (  # noqa: F401
    BIN,
    MODEL_PATH,
    PROJECT_DIR,
    TELEGRAM_WEBHOOK_SECRET,
    TOKEN_SECRET,
    RunningBot,
    free_port,
    wait_until_up,
)


RASA_API_TOKEN = "e2e-rasa-api-token-0123456789"


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: run `make train` (make test does).")
    return MODEL_PATH


@pytest.fixture(scope="session")
def agent(model_path: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))


@pytest.fixture(scope="session")
def parse(agent):
    """Parse one text with the trained NLU model, as the server would."""
    loop = asyncio.new_event_loop()

    def _parse(text: str) -> Dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()


@pytest.fixture(scope="session")
def fake_telegram():
    """The fake Telegram Bot API the running bot's Telegram channel talks to."""
    from fake_telegram import FakeTelegram

    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bot(model_path: Path, tmp_path_factory, fake_telegram) -> Iterator[RunningBot]:
    from fake_telegram import TOKEN

    telegram = {
        "KDPAY_TELEGRAM_TOKEN": TOKEN,
        "KDPAY_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "KDPAY_TELEGRAM_API_URL": fake_telegram.url,
    }
    # The whole suite talks from 127.0.0.1, far faster than any customer or
    # agent: the per-sender and per-address limits are tested on their own
    # servers (tests/test_rate_limits_routes.py), not here.
    limits = {"KDPAY_REST_MESSAGES_PER_MINUTE_PER_SENDER": "600",
              "KDPAY_REST_MESSAGES_PER_MINUTE_PER_ADDRESS": "6000",
              "KDPAY_AGENT_SIGN_INS_PER_MINUTE_PER_ADDRESS": "600"}
    # Rasa's HTTP API (token-protected) lets tests read whole trackers, metadata included.
    api = ["--enable-api", "--auth-token", RASA_API_TOKEN]
    running = RunningBot(tmp_path_factory.mktemp("servers"), {**telegram, **limits}, rasa_args=api)
    yield running
    running.stop()
