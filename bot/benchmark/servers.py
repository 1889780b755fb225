"""The servers under load: bot.local_servers.RunningBot with the HTTP API on, limits raised, memory read from /proc."""
from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import requests

from bot.local_servers import MODEL_PATH, RunningBot

UNLIMITED = "1000000"
# Rate limits would turn load into "slow down" replies; a bench measures the bot, so they are raised.
RAISED_LIMITS = {
    "KDPAY_WEB_MESSAGES_PER_MINUTE_PER_SESSION": UNLIMITED,
    "KDPAY_WEB_MESSAGES_PER_MINUTE_PER_ADDRESS": UNLIMITED,
    "KDPAY_REST_MESSAGES_PER_MINUTE_PER_SENDER": UNLIMITED,
    "KDPAY_REST_MESSAGES_PER_MINUTE_PER_ADDRESS": UNLIMITED,
}


class BenchServers:
    """A RunningBot with `--enable-api --auth-token <random>` (for /model/parse and trackers)."""

    def __init__(self, logs: Path, model: Path = MODEL_PATH, extra_env: Optional[Dict[str, str]] = None,
                 nlu_cache_size: Optional[int] = None) -> None:
        self.api_token = secrets.token_hex(24)  # never starts with '-' (argparse would take it for an option)
        logs.mkdir(parents=True, exist_ok=True)
        if nlu_cache_size is not None:  # the scripts repeat texts: 0 measures every turn's NLU
            extra_env = {**(extra_env or {}), "KDPAY_NLU_CACHE_SIZE": str(nlu_cache_size)}
        self.bot = RunningBot(logs, {**RAISED_LIMITS, **(extra_env or {})}, model=model,
                              rasa_args=["--enable-api", "--auth-token", self.api_token])
        self.url = self.bot.url

    def first_answer(self, text: str = "你好", timeout: float = 120) -> Tuple[float, List[Dict]]:
        """Seconds from starting the processes to the first answered message, and that answer."""
        response = requests.post(f"{self.url}/webhooks/rest/webhook",
                                 json={"sender": f"cold-start-{secrets.token_hex(4)}", "message": text},
                                 timeout=timeout)
        response.raise_for_status()
        return time.monotonic() - self.bot.started_at, response.json()

    def rss_mb(self) -> Dict[str, float]:
        """Resident memory (MB) of the action server, the Rasa server (with any children) and both."""
        pids = self.bot.pids
        names = ["actions", "rasa"][: len(pids)]
        sizes = {name: round(tree_rss_kb(pid) / 1024, 1) for name, pid in zip(names, pids)}
        sizes["total"] = round(sum(sizes.values()), 1)
        return sizes

    def stop(self) -> None:
        self.bot.stop()


def rss_kb(pid: int) -> int:
    """VmRSS of one process in kB (0 if it is gone); psutil is not installed, /proc is enough."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def children(pid: int) -> List[int]:
    found: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_rss_kb(pid: int) -> int:
    """VmRSS of a process and all its descendants (shared pages counted in each, as `ps` does)."""
    return rss_kb(pid) + sum(tree_rss_kb(child) for child in children(pid))


class RssSampler:
    """Samples the servers' RSS every `every` seconds in a background thread."""

    def __init__(self, servers: BenchServers, every: float) -> None:
        self.servers, self.every = servers, every
        self.samples: List[Dict[str, float]] = []  # {"t": seconds since start, "actions", "rasa", "total"}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._started = time.monotonic()

    def _run(self) -> None:
        while True:
            self.samples.append({"t": round(time.monotonic() - self._started, 1), **self.servers.rss_mb()})
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> "RssSampler":
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append({"t": round(time.monotonic() - self._started, 1), **self.servers.rss_mb()})

    def max_total(self) -> float:
        return max((sample["total"] for sample in self.samples), default=0.0)
