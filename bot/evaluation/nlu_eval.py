"""Training NLU-only models and reading their predictions, as the server parses.

Each model is trained with Rasa's own API into a temporary directory (never
models/), with Rasa's training cache switched off so that the training seconds
are real and no fold is served from another fold's cache.
"""
from __future__ import annotations

import asyncio
import gc
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bot.evaluation.examples import Example, Span
from bot.evaluation.metrics import FAQ_PREFIX

RULE_EXTRACTOR = "SpacyRuleEntityExtractor"


def predicted_label(parsed: Dict[str, Any]) -> str:
    """The full intent the bot acts on: `faq/<topic>` for FAQ answers.

    Rasa puts the topic in intent.full_retrieval_intent_name when it knows it,
    else it is in the response selector's intent_response_key.
    """
    intent = parsed.get("intent") or {}
    name = intent.get("name") or "None"
    if name != FAQ_PREFIX.rstrip("/"):
        return name
    full = intent.get("full_retrieval_intent_name")
    if full:
        return full
    selector = (parsed.get("response_selector") or {}).get(name) or {}
    return (selector.get("response") or {}).get("intent_response_key") or name


def predicted_spans(parsed: Dict[str, Any]) -> Tuple[Span, ...]:
    """The spans found by our rule extractor (other extractors are not scored)."""
    return tuple(
        (e["entity"], int(e["start"]), int(e["end"]))
        for e in parsed.get("entities") or []
        if e.get("extractor") == RULE_EXTRACTOR
    )


def write_nlu_file(examples: Sequence[Example], path: Path) -> Path:
    """Training examples as a Rasa 3.1 NLU file (the texts carry no annotations)."""
    by_intent: Dict[str, List[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def merged_domain(domain: Path, responses: Path, out: Path) -> Path:
    """domain.yml plus the generated FAQ answers, which the ResponseSelector trains on."""
    from rasa.shared.core.domain import Domain

    Domain.load([str(domain), str(responses)]).persist(str(out))
    return out


def train_nlu_model(config: Path, train_file: Path, domain: Path, out_dir: Path,
                    name: str) -> Tuple[Path, float]:
    """An NLU-only model and its training wall-clock seconds."""
    from rasa.model_training import train_nlu

    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    started = time.perf_counter()
    model = train_nlu(str(config), str(train_file), str(out_dir), fixed_model_name=name,
                      domain=str(domain))
    seconds = time.perf_counter() - started
    if not model:
        raise RuntimeError(f"training {name} with {config} produced no model")
    return Path(model), seconds


@dataclass
class Parsed:
    labels: List[str]
    spans: List[Tuple[Span, ...]]
    ms_per_message: float


class LoadedModel:
    """A trained model loaded once, parsing on its own event loop."""

    def __init__(self, model: Path) -> None:
        from rasa.core.agent import Agent

        self.path = model
        self.agent = Agent.load(str(model))
        self.loop = asyncio.new_event_loop()
        self.parse("warm up")

    def parse(self, text: str) -> Dict[str, Any]:
        return self.loop.run_until_complete(self.agent.parse_message(text))

    def parse_all(self, texts: Sequence[str]) -> Parsed:
        """Parse every text; ms per message is the mean over all of them."""
        labels, spans = [], []
        started = time.perf_counter()
        for text in texts:
            parsed = self.parse(text)
            labels.append(predicted_label(parsed))
            spans.append(predicted_spans(parsed))
        elapsed = time.perf_counter() - started
        return Parsed(labels, spans, 1000 * elapsed / max(len(texts), 1))

    def close(self) -> None:
        self.loop.close()
        del self.agent
        gc.collect()
