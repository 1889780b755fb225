"""NLU alone through the Rasa HTTP API: the /model/parse floor under load, and held-out intent accuracy."""
from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bot.benchmark.rest_load import post_json
from bot.benchmark.stats import summarise_ms


def predicted_intent(parsed: Dict[str, Any]) -> str:
    """The intent, with FAQ answers as their sub-intent (faq/refund_policy), as tests/test_nlu_heldout.py counts.

    Our ResponseSelector is keyed `faq`; Rasa's default one (the baseline) `default`.
    """
    name = (parsed.get("intent") or {}).get("name") or ""
    selectors = parsed.get("response_selector") or {}
    if name == "faq":
        selector = selectors.get("faq") or selectors.get("default") or {}
        return (selector.get("response") or {}).get("intent_response_key") or name
    return name


def heldout_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, full intent) pairs of a Rasa NLU file."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get_full_intent()) for m in load_data(str(path)).intent_examples]


async def heldout_accuracy(url: str, api_token: str, examples: Sequence[Tuple[str, str]],
                           concurrency: int = 4) -> Dict[str, Any]:
    """Share of examples whose predicted intent is the gold one, parsed by the running server."""
    semaphore = asyncio.Semaphore(concurrency)
    parse_url = f"{url}/model/parse?token={api_token}"

    async def one(session: aiohttp.ClientSession, text: str) -> Optional[str]:
        async with semaphore:
            _, parsed, error = await post_json(session, parse_url, {"text": text}, timeout=60)
        return None if error else predicted_intent(parsed)

    async with aiohttp.ClientSession() as session:
        guesses = await asyncio.gather(*(one(session, text) for text, _ in examples))
    right = sum(guess == gold for guess, (_, gold) in zip(guesses, examples))
    failed = sum(guess is None for guess in guesses)
    return {"n": len(examples), "correct": right, "failed_requests": failed,
            "accuracy": round(right / len(examples), 4) if examples else None}


async def parse_load(url: str, api_token: str, texts: Sequence[str], concurrency: int,
                     requests_total: int) -> Dict[str, Any]:
    """`requests_total` /model/parse calls from `concurrency` workers: latency and requests per second."""
    parse_url = f"{url}/model/parse?token={api_token}"
    pool = itertools.cycle(texts)
    left = [requests_total]
    latencies: List[float] = []
    errors: Dict[str, int] = {}

    async def worker(session: aiohttp.ClientSession) -> None:
        while left[0] > 0:
            left[0] -= 1
            seconds, _, error = await post_json(session, parse_url, {"text": next(pool)})
            if error:
                errors[error] = errors.get(error, 0) + 1
            else:
                latencies.append(seconds)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        wall = time.monotonic() - started
    return {"concurrency": concurrency, **summarise_ms(latencies),
            "requests_per_s": round(len(latencies) / wall, 1) if wall else None,
            "errors": sum(errors.values()), "error_kinds": errors}
