"""Personal data is masked in every log line of both servers, Rasa's own DEBUG output included."""
from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bot.log_masking import mask_text
from conftest import BIN, PROJECT_DIR, RunningBot

EMAIL, PHONE, CARD, CODE = "lin.wei@example.com", "13800138000", "4111 1111 1111 1111", "493817"


def test_mask_text_masks_each_kind_and_keeps_ids_and_timestamps():
    line = (f"{EMAIL} {PHONE} {CARD} 4111111111111111 code {CODE} DSP-000123 T20261102-0001 "
            f"at 1764079655.123456 on 2026-11-02")
    masked = mask_text(line)
    for secret in (EMAIL, PHONE, CARD, "4111111111111111", CODE):
        assert secret not in masked
    assert "l***@example.com" in masked and "13*****8000" in masked and "************1111" in masked
    assert "code ******" in masked
    for kept in ("DSP-000123", "T20261102-0001", "1764079655.123456", "2026-11-02"):
        assert kept in masked


def test_mask_text_sees_through_json_escaped_chinese():
    r"""structlog's JSON renders Chinese as \uXXXX: '手机13800138000' must still be masked."""
    masked = mask_text(r'{"text": "\u624b\u673a13800138000 \u7801493817"}')
    assert PHONE not in masked and CODE not in masked and "\\u673a13*****8000" in masked


def test_a_card_number_that_fails_luhn_is_not_a_card():
    assert "4111 1111 1111 1112" in mask_text("ref 4111 1111 1111 1112")


_STRUCTLOG_LIKE_RASA = f"""
import logging, structlog
import channels  # what the Rasa server imports for credentials.yml: installs the masking
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.DEBUG)
structlog.get_logger().debug("processor.message.parse", parse_data_text="my card {CARD} mail {EMAIL}",
                             parse_data_entities=[{{"entity": "phone", "value": "+86 138 0013 8000"}}])
logging.getLogger("rasa.core.processor").debug("Received user message '%s'", "验证码{CODE} 手机{PHONE}")
try:
    raise ValueError("{EMAIL}")
except ValueError:
    logging.getLogger("sanic.error").exception("failed for %s", "{PHONE}")
"""


def test_rasa_structlog_and_stdlib_lines_are_masked_in_a_fresh_process():
    """The same logging setup as `rasa run --debug`: structlog's JSON and stdlib records, with a traceback."""
    result = subprocess.run([str(BIN / "python"), "-c", _STRUCTLOG_LIKE_RASA], cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "processor.message.parse" in output and "ValueError" in output
    for secret in (EMAIL, PHONE, CARD, "138 0013 8000", CODE):
        assert secret not in output, secret
    assert "l***@example.com" in output and "**** **** **** 1111" in output and "******" in output


class DebugBot(RunningBot):
    """The test servers with `--debug` on both command lines."""

    def _start(self, command: List[str], env: Dict[str, str], log: str) -> None:
        super()._start([*command, "--debug"] if "--debug" not in command else command, env, log)


@pytest.fixture(scope="module")
def debug_bot(model_path, tmp_path_factory) -> Iterator[RunningBot]:
    running = DebugBot(tmp_path_factory.mktemp("debug"), rasa_args=["--debug"])
    yield running
    running.stop()


def test_servers_at_debug_level_log_no_personal_data_in_full(debug_bot):
    me = f"log-{uuid.uuid4().hex[:8]}"
    debug_bot.say(me, "I want to lock my account")
    debug_bot.say(me, f"my email is {EMAIL}")  # a contact: the verify form takes it, a code is "sent"
    # Another conversation (this one waits for a code, so the gate would redact it): Rasa parses and logs it.
    debug_bot.say(f"log-{uuid.uuid4().hex[:8]}", f"order {CODE} and call me on {PHONE}")
    debug_bot.say(f"log-{uuid.uuid4().hex[:8]}", f"my card is {CARD}")
    logs = {path.name: path.read_text(errors="replace") for path in Path(debug_bot.logs).glob("*.log")}
    assert set(logs) == {"rasa.log", "actions.log"}
    rasa_log, actions_log = logs["rasa.log"], logs["actions.log"]
    assert "processor.message.parse" in rasa_log  # Rasa really printed the parsed messages
    assert re.search(r"DEBUG", actions_log)  # and the action server really logged at DEBUG
    for name, text in logs.items():
        for secret in (EMAIL, PHONE, CARD, CARD.replace(" ", ""), CODE):
            assert secret not in text, f"{secret} in {name}"
    assert "l***@example.com" in rasa_log and "13*****8000" in rasa_log and "******" in rasa_log
