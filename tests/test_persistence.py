"""Default profile (SQLite): a server killed mid-form and started again loses nothing.

The Rasa server keeps conversations in its SQL tracker store
(bot/tracker_store.py), the action server keeps nothing between calls, so
after either restarts the customer's half-filled form goes on with its slots.
"""
from __future__ import annotations

import re
import secrets
import signal
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.backend.customer_tokens import issue_customer_token
from conftest import PROJECT_DIR, RunningBot, TOKEN_SECRET, wait_until_up

API_TOKEN = secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def restartable_bot(model_path: Path, tmp_path_factory) -> Iterator[RunningBot]:
    """Its own servers (others' tests must not see them restart), API on with a token to read trackers."""
    running = RunningBot(tmp_path_factory.mktemp("persistence"),
                         rasa_args=["--enable-api", "--auth-token", API_TOKEN])
    yield running
    running.stop()


def kill_and_start_again(bot: RunningBot, index: int, health_url: str) -> None:
    """SIGKILL one of the bot's processes, then start the same command with the same environment."""
    old = bot.processes[index]
    environment = _environment_of(old.pid)
    old.send_signal(signal.SIGKILL)
    old.wait(timeout=10)
    log = (bot.logs / f"restarted-{index}.log").open("w")
    bot.processes[index] = subprocess.Popen(old.args, cwd=PROJECT_DIR, env=environment,
                                            stdout=log, stderr=subprocess.STDOUT)
    wait_until_up(health_url, bot.processes[index])


def _environment_of(pid: int) -> Dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


def tracker(bot: RunningBot, sender: str) -> Dict[str, Any]:
    reply = requests.get(f"{bot.url}/conversations/{sender}/tracker", params={"token": API_TOKEN}, timeout=30)
    reply.raise_for_status()
    return reply.json()


def texts(replies: List[Dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def payloads(replies: List[Dict]) -> List[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def signed_in(customer_id: str) -> Dict[str, Any]:
    return {"metadata": {"customer_token": issue_customer_token(customer_id, TOKEN_SECRET, datetime.now(timezone.utc))}}


def test_the_rasa_server_restarts_in_the_middle_of_a_refund_form(restartable_bot: RunningBot):
    bot, me, token = restartable_bot, f"persist-{uuid.uuid4().hex[:8]}", signed_in("C-1002")
    assert "T20261103-0101" in payloads(bot.say(me, "I'd like a refund for a payment", **token))
    assert '/inform{"refund_reason":"wrong_amount"}' in payloads(bot.say(me, "T20261103-0101", **token))
    before = tracker(bot, me)

    kill_and_start_again(bot, 1, f"{bot.url}/webhooks/rest/")

    after = tracker(bot, me)
    assert len(after["events"]) == len(before["events"])
    assert after["slots"]["transaction_id"] == "T20261103-0101"
    assert after["active_loop"]["name"] == "refund_form" and after["slots"]["requested_slot"] == "refund_reason"
    assert "Please confirm" in texts(bot.say(me, '/inform{"refund_reason":"wrong_amount"}', **token))
    assert re.search(r"RFD-\d{6}", texts(bot.say(me, "yes", **token)))


def test_the_action_server_restarts_in_the_middle_of_a_refund_form(restartable_bot: RunningBot):
    bot, me, token = restartable_bot, f"persist-{uuid.uuid4().hex[:8]}", signed_in("C-1001")
    assert "T20261028-0004" in payloads(bot.say(me, "I'd like a refund for a payment", **token))
    assert '/inform{"refund_reason":"wrong_amount"}' in payloads(bot.say(me, "T20261028-0004", **token))

    kill_and_start_again(bot, 0, f"http://127.0.0.1:{bot.actions_port}/health")

    # The form's validation and summary now run on the new action server.
    summary = texts(bot.say(me, '/inform{"refund_reason":"wrong_amount"}', **token))
    assert "Please confirm" in summary and "T20261028-0004" in summary
    assert tracker(bot, me)["slots"]["refund_reason"] == "wrong_amount"
    assert re.search(r"RFD-\d{6}", texts(bot.say(me, "yes", **token)))
