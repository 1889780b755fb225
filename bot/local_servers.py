"""A real action server and Rasa server on free local ports, with a fresh demo database.

Shared by the end-to-end tests (tests/conftest.py) and the benchmarks
(bot/benchmark/), so both exercise exactly the processes `make run` starts.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
MODEL_PATH = PROJECT_DIR / "models" / "kdpay.tar.gz"
BIN = Path(sys.executable).parent

# Fixed secrets for local test and benchmark servers only (never production).
TOKEN_SECRET = "e2e-customer-token-secret-0123456789abcdef"
TELEGRAM_WEBHOOK_SECRET = "e2e-telegram-webhook-secret_0123456789"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    """Poll `url` until it answers 2xx; fail fast if `process` dies meanwhile."""
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


def put_an_agent_on_duty(database_url: str) -> None:
    """Handoffs queue only while an agent has the console open: one has, for the whole run."""
    from bot.backend.agents import agent_for_session, create_agent, start_session
    from bot.backend.db import make_engine, session_scope

    now = datetime.now(timezone.utc)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        agent = create_agent(session, "on-duty", "On Duty", "a long password for the tests", now)
        agent_for_session(session, start_session(session, agent.agent_id, now), now)
    engine.dispose()


class RunningBot:
    """A real action server and Rasa server with a fresh demo database.

    `logs` is a directory for the database and the servers' logs.
    `rasa_args` are added to `rasa run` (e.g. `--enable-api --auth-token ...`).
    """

    def __init__(
        self,
        logs: Path,
        extra_env: Optional[Dict[str, str]] = None,
        *,
        model: Path = MODEL_PATH,
        rasa_args: Sequence[str] = (),
    ) -> None:
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.database_url = f"sqlite:///{logs / 'kdpay.db'}"
        self.model = Path(model)
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
        self.logs = logs
        self.processes: List[subprocess.Popen] = []
        self.started_at = time.monotonic()  # cold start is measured from here
        try:
            self._start(
                [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                 "--port", str(self.actions_port)], env, "actions.log",
            )
            wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.processes[-1])
            self._start(
                [str(BIN / "rasa"), "run", "--model", str(self.model),
                 "--port", str(self.rasa_port), "--credentials", "credentials.yml",
                 "--endpoints", "endpoints.yml", *rasa_args], env, "rasa.log",
            )
            wait_until_up(f"{self.url}/webhooks/rest/", self.processes[-1])
        except BaseException:
            self.stop()
            raise

    def _put_an_agent_on_duty(self) -> None:
        put_an_agent_on_duty(self.database_url)

    def _start(self, command: List[str], env: Dict[str, str], log: str) -> None:
        handle = (self.logs / log).open("w")
        self.processes.append(
            subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT)
        )

    @property
    def pids(self) -> List[int]:
        """Process ids of the servers still running (action server first)."""
        return [process.pid for process in self.processes if process.poll() is None]

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
