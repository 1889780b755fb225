"""Simulated customers over the REST channel (aiohttp, one asyncio task per customer)."""
from __future__ import annotations

import asyncio
import random
import time
from typing import Dict, List, Optional

import aiohttp

from bot.benchmark.customers import Budget, Script, TurnRecord, customer_token, judge, scripts_for

CHANNEL = "rest"


async def _say(session: aiohttp.ClientSession, url: str, record: TurnRecord, metadata: Dict,
               timeout: float) -> TurnRecord:
    body = {"sender": record.conversation, "message": record.text, "metadata": metadata}
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json=body,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            record.status = response.status
            if response.status != 200:
                record.error = f"http_{response.status}"
                await response.read()
                return record
            replies = await response.json()
        record.latency_s = time.monotonic() - record.started
        record.replies = len(replies)
        record.texts = [reply.get("text") or "" for reply in replies]
    except asyncio.TimeoutError:
        record.error = "timeout"
    except (aiohttp.ClientError, ValueError) as exc:
        record.error = f"connection:{type(exc).__name__}"
    return record


async def _customer(number: int, session: aiohttp.ClientSession, url: str, budget: Budget,
                    records: List[TurnRecord], run_id: str, token_secret: str, timeout: float,
                    think_s: float, seed: int) -> None:
    """One customer: conversation after conversation until the budget says stop."""
    rng = random.Random(seed + number)
    for conversation_number, script in enumerate(scripts_for(number, seed)):
        conversation = f"{run_id}-rest-{number}-{conversation_number}"
        metadata = _metadata(script, token_secret)
        for index, turn in enumerate(script.turns):
            if not budget.take():
                return
            record = TurnRecord(CHANNEL, number, conversation, index, turn.text, turn.kind, time.monotonic())
            records.append(judge(await _say(session, url, record, metadata, timeout), turn))
            if think_s:
                await asyncio.sleep(rng.uniform(0, 2 * think_s))


def _metadata(script: Script, token_secret: str) -> Dict[str, str]:
    return {"customer_token": customer_token(script.customer, token_secret)} if script.customer else {}


async def run_rest(url: str, customers: int, budget: Budget, run_id: str, token_secret: str,
                   timeout: float = 30.0, think_s: float = 0.0, seed: int = 7) -> List[TurnRecord]:
    """`customers` concurrent REST customers; returns every turn's record."""
    records: List[TurnRecord] = []
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(
            _customer(number, session, url, budget, records, run_id, token_secret, timeout, think_s, seed)
            for number in range(customers)
        ))
    return records


async def post_json(session: aiohttp.ClientSession, url: str, body: Dict,
                    timeout: float = 30.0) -> "tuple[Optional[float], Optional[Dict], Optional[str]]":
    """POST `body`; (seconds, JSON, None) or (None, None, error)."""
    started = time.monotonic()
    try:
        async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status != 200:
                await response.read()
                return None, None, f"http_{response.status}"
            data = await response.json()
        return time.monotonic() - started, data, None
    except asyncio.TimeoutError:
        return None, None, "timeout"
    except (aiohttp.ClientError, ValueError) as exc:
        return None, None, f"connection:{type(exc).__name__}"
