"""Shared fixtures: the trained model, and real servers on free ports."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL_PATH = PROJECT_DIR / "models" / "kdpay.tar.gz"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout} s")


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


TOKEN_SECRET = "e2e-customer-token-secret-0123456789abcdef"
TELEGRAM_WEBHOOK_SECRET = "e2e-telegram-webhook-secret_0123456789"


class RunningBot:
    """A real action server and Rasa server with a fresh demo database, started for the tests."""

    def __init__(self, tmp: Path, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.database_url = f"sqlite:///{tmp / 'kdpay.db'}"
        env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "KDPAY_RASA_PORT": str(self.rasa_port),
            "KDPAY_ACTIONS_PORT": str(self.actions_port),
            "KDPAY_DATABASE_URL": self.database_url,
            "KDPAY_CUSTOMER_TOKEN_SECRET": TOKEN_SECRET,
            "KDPAY_SUPPORT_HOURS": "mon-sun 00:00-24:00",  # agents always on duty in tests
            "KDPAY_AGENT_PRESENCE_SECONDS": "86400",  # the on-duty agent below stays "online"
            **(extra_env or {}),
        }
        subprocess.run([str(BIN / "python"), "-m", "bot.backend.demo_data"], cwd=PROJECT_DIR, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        self._put_an_agent_on_duty()
        self.logs = tmp
        self.processes: List[subprocess.Popen] = []
        self._start(
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
             "--port", str(self.actions_port)], env, "actions.log",
        )
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.processes[-1])
        self._start(
            [str(BIN / "rasa"), "run", "--model", str(MODEL_PATH),
             "--port", str(self.rasa_port), "--credentials", "credentials.yml",
             "--endpoints", "endpoints.yml"], env, "rasa.log",
        )
        wait_until_up(f"{self.url}/webhooks/rest/", self.processes[-1])

    def _put_an_agent_on_duty(self) -> None:
        """Handoffs queue only while an agent has the console open: one has, for the whole run."""
        from bot.backend.agents import agent_for_session, create_agent, start_session
        from bot.backend.db import make_engine, session_scope

        now = datetime.now(timezone.utc)
        engine = make_engine(self.database_url)
        with session_scope(engine) as session:
            agent = create_agent(session, "on-duty", "On Duty", "a long password for the tests", now)
            agent_for_session(session, start_session(session, agent.agent_id, now), now)
        engine.dispose()

    def _start(self, command: List[str], env: Dict[str, str], log: str) -> None:
        handle = (self.logs / log).open("w")
        self.processes.append(
            subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT)
        )

    def say(self, sender: str, message: str, **extra) -> List[Dict]:
        reply = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message, **extra},
            timeout=30,
        )
        reply.raise_for_status()
        return reply.json()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


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
    running = RunningBot(tmp_path_factory.mktemp("servers"), telegram)
    yield running
    running.stop()
