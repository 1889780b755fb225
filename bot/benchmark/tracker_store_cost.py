"""What keeping conversations in SQL costs per message (prints numbers; not a test).

Two measurements:

* `store`: in one process, what the Rasa server does to the tracker store for
  each message (retrieve the conversation, add a turn's events, save), for
  Rasa's in-memory store and bot.tracker_store.KDPayTrackerStore on SQLite
  and, if reachable, PostgreSQL.
* `load`: real servers (bot.local_servers.RunningBot) answering concurrent
  REST customers (bot.benchmark's scripted customers) with the tracker store
  in memory, in SQLite next to the backend's file (the default), and in the
  backend's own SQLite file (where the action server's BEGIN IMMEDIATE
  transactions and the tracker's inserts share one write lock).

    .venv/bin/python -m bot.benchmark.tracker_store_cost store
    .venv/bin/python -m bot.benchmark.tracker_store_cost load --customers 50 --messages 400
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PROJECT_DIR = Path(__file__).resolve().parents[2]

POSTGRES_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3)


def _turn_events(number: int) -> List["Event"]:
    """The events one customer message typically adds (as in our trackers: ~7)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    parse = {"intent": {"name": "faq", "confidence": 0.97}, "entities": [], "text": f"message {number}",
             "intent_ranking": [{"name": "faq", "confidence": 0.97}] * 10,
             "response_selector": {"faq": {"response": {"responses": [{"text": "x" * 200}]}, "ranking": []}}}
    return [
        UserUttered(f"message {number}", parse_data=parse),
        SlotSet("language", "en"),
        ActionExecuted("utter_faq"),
        BotUttered("An answer of a typical length. " * 6, {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
        ActionExecuted("action_suggest"),
        BotUttered("Anything else?"),
        ActionExecuted("action_listen"),
    ]


async def _per_message_ms(store: "TrackerStore", conversations: int, messages: int) -> List[float]:
    from rasa.shared.core.trackers import DialogueStateTracker

    timings: List[float] = []
    senders = [f"cost-{uuid.uuid4().hex[:8]}" for _ in range(conversations)]
    for number in range(messages):
        for sender in senders:  # interleaved, as concurrent customers are
            started = time.perf_counter()
            tracker = await store.retrieve(sender) or DialogueStateTracker(sender, store.domain.slots)
            for event in _turn_events(number):
                tracker.update(event)
            await store.save(tracker)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _summary(timings: List[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"mean {statistics.mean(timings):6.2f} ms   p50 {statistics.median(timings):6.2f} ms   p95 {p95:6.2f} ms"


def measure_store(conversations: int, messages: int) -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import KDPayTrackerStore

    domain = Domain.load(str(PROJECT_DIR / "domain.yml"))
    with tempfile.TemporaryDirectory() as tmp:
        stores: List[Tuple[str, "TrackerStore"]] = [
            ("in-memory", InMemoryTrackerStore(domain)),
            ("SQLite (WAL)", KDPayTrackerStore(domain, host=f"sqlite:///{tmp}/tracker.db")),
        ]
        database = _postgres_database()
        if database:
            stores.append(("PostgreSQL", KDPayTrackerStore(domain, host=f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}")))
        print(f"retrieve + 7 events + save, {conversations} conversations x {messages} messages each:")
        try:
            for name, store in stores:
                timings = asyncio.run(_per_message_ms(store, conversations, messages))
                print(f"  {name:14s} {_summary(timings)}")
                if hasattr(store, "engine"):
                    store.engine.dispose()
        finally:
            if database:
                _postgres_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _postgres_database() -> Optional[str]:
    name = f"kdpay_cost_{uuid.uuid4().hex[:8]}"
    try:
        _postgres_admin(f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - no PostgreSQL here: measure the rest
        print(f"  (PostgreSQL not measured: {type(error).__name__})")
        return None
    return name


def _postgres_admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(**POSTGRES_ADMIN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def measure_load(customers: int, messages: int) -> None:
    from bot.benchmark.customers import Budget
    from bot.benchmark.rest_load import run_rest
    from bot.benchmark.servers import RAISED_LIMITS
    from bot.local_servers import TOKEN_SECRET, RunningBot

    print(f"{customers} concurrent REST customers, {messages} messages, real servers:")
    for name in ("in-memory", "SQLite, own file", "SQLite, backend's file"):
        with tempfile.TemporaryDirectory() as tmp:
            logs = Path(tmp)
            extra: Dict[str, str] = dict(RAISED_LIMITS)  # one client address, many customers
            rasa_args: List[str] = []
            if name == "in-memory":
                endpoints = logs / "endpoints.memory.yml"
                endpoints.write_text(_without_tracker_store((PROJECT_DIR / "endpoints.yml").read_text()))
                rasa_args = ["--endpoints", str(endpoints)]  # argparse: the last --endpoints wins
            elif name == "SQLite, backend's file":
                extra["KDPAY_TRACKER_DATABASE_URL"] = f"sqlite:///{logs / 'kdpay.db'}"
            bot = RunningBot(logs, extra, rasa_args=rasa_args)
            try:
                started = time.monotonic()
                records = asyncio.run(run_rest(bot.url, customers, Budget(messages=messages),
                                               uuid.uuid4().hex[:6], TOKEN_SECRET, timeout=60))
                elapsed = time.monotonic() - started
            finally:
                bot.stop()
            latencies = [r.latency_s * 1000 for r in records if r.latency_s is not None]
            failed = [r for r in records if r.status != 200]
            locked = sum((logs / log).read_text(errors="replace").count("database is locked")
                         for log in ("rasa.log", "actions.log"))
            print(f"  {name:24s} {_summary(latencies)}   {len(records) / elapsed:5.1f} msg/s   "
                  f"HTTP errors {len(failed)}   'database is locked' in logs {locked}")


def _without_tracker_store(text: str) -> str:
    lines, skipping = [], False
    for line in text.splitlines():
        if line.startswith("tracker_store:"):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or not line.strip()):
            continue
        skipping = False
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["store", "load"])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--per-conversation", type=int, default=10, help="store: messages per conversation")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=400, help="load: messages in all")
    arguments = parser.parse_args(argv)
    if arguments.what == "store":
        measure_store(arguments.conversations, arguments.per_conversation)
    else:
        measure_load(arguments.customers, arguments.messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
