"""`make soak` / `make soak-smoke`: sustained load on loopback, then every conversation reconciled.

Half the customers talk over REST, half over socket.io, with think time,
until the deadline. Then every conversation's tracker is fetched through the
HTTP API (any tracker store) and compared with what its client saw
(bot/benchmark/reconcile.py). Passes only with no client errors, no 5xx,
nothing lost or duplicated, every turn's reply count matching, and memory
growth after warm-up under the limit.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

import aiohttp

from bot.benchmark import report as reporting
from bot.benchmark.bench import RESULTS, keep_logs, warm_up
from bot.benchmark.customers import Budget, TurnRecord
from bot.benchmark.reconcile import ClientTurn, reconcile, summarise
from bot.benchmark.rest_load import run_rest
from bot.benchmark.servers import BenchServers, RssSampler
from bot.benchmark.socketio_load import run_socketio
from bot.local_servers import MODEL_PATH, TOKEN_SECRET


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true", help="CI size: 20 customers for 20 seconds")
    parser.add_argument("--customers", type=int, help="concurrent customers, half per channel (200)")
    parser.add_argument("--minutes", type=float, help="how long the load lasts (3)")
    # 200 customers thinking 3 s offer ~65 msg/s: sustained load below the 100 msg/s target, not saturation.
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds a customer waits between messages")
    parser.add_argument("--sample-every", type=float, help="seconds between RSS samples (10; smoke 2)")
    parser.add_argument("--max-growth-mb", type=float, default=100.0,
                        help="allowed RSS growth from the end of warm-up to the end")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a turn counts as timed out")
    parser.add_argument("--nlu-cache-size", type=int, help="KDPAY_NLU_CACHE_SIZE for the server (default: the bot's)")
    parser.add_argument("--out", type=Path, default=RESULTS)


def client_conversations(records: Sequence[TurnRecord]) -> Dict[str, List[ClientTurn]]:
    """Each conversation's turns in sending order; a turn without a complete answer has replies None."""
    conversations: Dict[str, List[Tuple[int, ClientTurn]]] = defaultdict(list)
    for record in records:
        if record.kind == "connect" or (record.error or "").startswith("session:"):
            continue  # no conversation was opened
        complete = record.error in (None, "unexpected", "empty")
        conversations[record.conversation].append((record.index, ClientTurn(record.text,
                                                                            record.replies if complete else None)))
    return {cid: [turn for _, turn in sorted(turns, key=lambda pair: pair[0])]
            for cid, turns in conversations.items()}


async def fetch_trackers(url: str, api_token: str, conversation_ids: Sequence[str],
                         concurrency: int = 8) -> Tuple[Dict[str, List[Dict[str, Any]]], Dict[str, int]]:
    """Every conversation's events (all of them), and the HTTP statuses other than 200 seen."""
    semaphore = asyncio.Semaphore(concurrency)
    events: Dict[str, List[Dict[str, Any]]] = {}
    failures: Dict[str, int] = defaultdict(int)

    async def one(session: aiohttp.ClientSession, cid: str) -> None:
        async with semaphore:
            async with session.get(f"{url}/conversations/{quote(cid, safe='')}/tracker",
                                   params={"token": api_token, "include_events": "ALL"},
                                   timeout=aiohttp.ClientTimeout(total=120)) as response:
                if response.status != 200:
                    failures[str(response.status)] += 1
                    await response.read()
                    return
                events[cid] = (await response.json()).get("events") or []

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session, cid) for cid in conversation_ids))
    return events, dict(failures)


def memory_summary(samples: Sequence[Dict[str, float]], warmup_s: float) -> Dict[str, Any]:
    """First, last and max total RSS, and the growth from the first sample after warm-up to the last."""
    if not samples:
        return {"samples": 0}
    settled = [s for s in samples if s["t"] >= warmup_s] or list(samples)
    return {
        "samples": len(samples),
        "first_mb": samples[0]["total"],
        "after_warmup_mb": settled[0]["total"],
        "last_mb": samples[-1]["total"],
        "max_mb": max(s["total"] for s in samples),
        "growth_after_warmup_mb": round(samples[-1]["total"] - settled[0]["total"], 1),
        "warmup_s": warmup_s,
        "series": [{"t": s["t"], "total": s["total"]} for s in samples],
    }


async def _drive(servers: BenchServers, customers: int, deadline: float, run_id: str, think: float,
                 timeout: float) -> List[TurnRecord]:
    budget = Budget(deadline=deadline)
    rest_customers = customers // 2
    rest, (web, _) = await asyncio.gather(
        run_rest(servers.url, rest_customers, budget, run_id, TOKEN_SECRET, timeout, think),
        asyncio.to_thread(run_socketio, servers.url, customers - rest_customers, budget, run_id, TOKEN_SECRET,
                          timeout, think),
    )
    return rest + web


def main(args: argparse.Namespace) -> int:
    customers = args.customers or (20 if args.smoke else 200)
    minutes = args.minutes or (20 / 60 if args.smoke else 3.0)
    sample_every = args.sample_every or (2.0 if args.smoke else 10.0)
    warmup_s = min(30.0, minutes * 60 / 3)
    run_id = f"soak-{int(time.time())}"
    work = Path(tempfile.mkdtemp(prefix="kdpay-soak-"))
    print(f"soak: {customers} customers (half REST, half socket.io) for {minutes:g} min, think ~{args.think:g} s",
          flush=True)
    servers = BenchServers(work / "servers", MODEL_PATH, nlu_cache_size=args.nlu_cache_size)
    try:
        warm_up(servers, run_id, args.timeout)
        with RssSampler(servers, every=sample_every) as rss:
            started = time.monotonic()
            records = asyncio.run(_drive(servers, customers, started + minutes * 60, run_id, args.think,
                                         args.timeout))
            wall = time.monotonic() - started
        conversations = client_conversations(records)
        print(f"load done: {len(records)} messages in {wall:.0f} s; fetching {len(conversations)} trackers",
              flush=True)
        events, tracker_failures = asyncio.run(fetch_trackers(servers.url, servers.api_token, list(conversations)))
    finally:
        servers.stop()
        keep_logs(work, args.out / "soak-logs")
        shutil.rmtree(work, ignore_errors=True)

    results = [reconcile(cid, turns, events.get(cid, [])) for cid, turns in conversations.items()
               if cid in events]
    summary = summarise(results)
    levels = [reporting.summarise_level([r for r in records if r.channel == channel], wall, "ours", channel,
                                        len({r.customer for r in records if r.channel == channel}), rss.max_total())
              for channel in ("rest", "socketio")]
    client_errors = sum(level["errors"] for level in levels)
    server_5xx = sum(1 for r in records if r.status is not None and r.status >= 500) + sum(
        count for status, count in tracker_failures.items() if status.startswith("5"))
    memory = memory_summary(rss.samples, warmup_s)
    checks = {
        "no client errors": client_errors == 0,
        "no 5xx": server_5xx == 0,
        "every tracker fetched": not tracker_failures and len(events) == len(conversations),
        "nothing lost or duplicated": summary["lost_messages"] == 0 and summary["duplicated_messages"] == 0
        and summary["out_of_order_conversations"] == 0,
        "reply counts match": summary["reply_count_mismatches"] == 0 and summary["unanswered_bot_events"] == 0,
        f"RSS growth after warm-up <= {args.max_growth_mb:g} MB":
            memory.get("growth_after_warmup_mb", 0) <= args.max_growth_mb,
    }
    result = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "mode": "smoke" if args.smoke else "full",
              "customers": customers, "minutes": minutes, "think_s": args.think, "wall_s": round(wall, 1),
              "levels": levels, "server_5xx": server_5xx, "tracker_fetch_failures": tracker_failures,
              "reconciliation": summary, "memory": memory, "checks": checks, "passed": all(checks.values())}
    name = "soak-smoke.json" if args.smoke else "soak.json"
    reporting.write_json(result, args.out / name)

    for level in levels:
        lat = level["latency"]
        print(f"  {level['channel']:8} {level['customers']:>4} customers: {level['messages']} messages, "
              f"{level['msgs_per_s']} msg/s, p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms, "
              f"errors {level['errors']} {level['error_kinds'] or ''}")
    print(f"  trackers: {summary['conversations']} conversations, lost {summary['lost_messages']}, "
          f"duplicated {summary['duplicated_messages']}, out of order {summary['out_of_order_conversations']}, "
          f"reply-count mismatches {summary['reply_count_mismatches']}")
    print(f"  RSS MB: first {memory.get('first_mb')}, after warm-up {memory.get('after_warmup_mb')}, "
          f"last {memory.get('last_mb')}, max {memory.get('max_mb')}, "
          f"growth after warm-up {memory.get('growth_after_warmup_mb')}")
    for check, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {check}")
    if summary["examples"]:
        print("  examples: " + json.dumps(summary["examples"], ensure_ascii=False)[:1500])
    print(f"wrote {args.out / name}")
    return 0 if result["passed"] else 1
