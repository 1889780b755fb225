"""How long a customer waits for the apology when the action server fails (prints numbers; not a test).

Starts real servers (bot.local_servers.RunningBot), then times REST turns
that need a custom action ("lock my account now", signed in):

* `up`: the action server running (the normal answer, for comparison);
* `down`: the action server stopped (connection refused);
* `slow`: a server on the action port that answers after 30 s;
* `back`: the real action server started again.

    .venv/bin/python -m bot.benchmark.action_fault_timings [--turns 5]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

PROJECT_DIR = Path(__file__).resolve().parents[2]

SLOW_SECONDS = 30


class SlowActionServer:
    """A raw HTTP server on `port` that answers every request after SLOW_SECONDS."""

    def __init__(self, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.server: "asyncio.base_events.Server | None" = None
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", port, reuse_address=True))
            started.set()
            self.loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        started.wait(10)

    @staticmethod
    async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(SLOW_SECONDS)
        body = b'{"events": [], "responses": []}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    def stop(self) -> None:
        """Close the listening socket (the port is free again) and the waiting connections."""

        async def close() -> None:
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=5, help="timed turns per situation")
    arguments = parser.parse_args()

    from bot.backend.customer_tokens import issue_customer_token
    from bot.local_servers import BIN, TOKEN_SECRET, RunningBot, wait_until_up

    token = issue_customer_token("C-1001", TOKEN_SECRET, datetime.now(timezone.utc))
    results: Dict[str, List[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bot = RunningBot(Path(tmp))
        try:
            def measure(situation: str) -> None:
                seconds = []
                for turn in range(arguments.turns):
                    started = time.monotonic()
                    replies = bot.say(f"{situation}-{turn}", "lock my account now", metadata={"customer_token": token})
                    seconds.append(time.monotonic() - started)
                    assert replies, f"{situation}: no reply"
                results[situation] = seconds

            measure("up")
            bot.processes[0].terminate()
            bot.processes[0].wait(20)
            measure("down")
            slow = SlowActionServer(bot.actions_port)
            measure("slow")
            slow.stop()
            env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "KDPAY_DATABASE_URL": bot.database_url,
                   "KDPAY_CUSTOMER_TOKEN_SECRET": TOKEN_SECRET}
            log = (Path(tmp) / "actions-back.log").open("w")
            bot.processes[0] = subprocess.Popen(
                [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(bot.actions_port)],
                cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
            wait_until_up(f"http://127.0.0.1:{bot.actions_port}/health", bot.processes[0])
            measure("back")
        finally:
            bot.stop()
    print(f"{'situation':<10} {'turns':>5} {'median s':>9} {'max s':>7}")
    for situation, seconds in results.items():
        print(f"{situation:<10} {len(seconds):>5} {statistics.median(seconds):>9.2f} {max(seconds):>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
