"""Labelled examples (text, gold intent, gold entities) read from Rasa NLU files.

FAQ examples keep their full retrieval intent (`faq/<topic>`), so every
evaluation scores the answer topic, not just "faq".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

ZH = "zh"
EN = "en"
LANGUAGES = (ZH, EN)

# CJK unified ideographs (with extension A and compatibility ideographs).
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def text_language(text: str) -> str:
    """zh when the text holds any CJK character, else en (the report's split)."""
    return ZH if _CJK.search(text or "") else EN


# (entity type, start, end): a span as the extractor must find it.
Span = Tuple[str, int, int]


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    intent: str
    entities: Tuple[Span, ...] = field(default_factory=tuple)

    @property
    def language(self) -> str:
        return text_language(self.text)


def load_examples(paths: Iterable[Path]) -> List[Example]:
    """Every intent example of the given NLU files, in file order."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: List[Example] = []
    for path in paths:
        for message in load_data(str(path)).intent_examples:
            spans = tuple(
                (e["entity"], int(e["start"]), int(e["end"]))
                for e in message.get("entities") or []
            )
            examples.append(Example(message.get("text"), message.get_full_intent(), spans))
    return examples


def intents_of(examples: Sequence[Example]) -> List[str]:
    return [example.intent for example in examples]
