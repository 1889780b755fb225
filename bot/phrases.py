"""Texts sent by our code rather than by dialogue rules (see bot/phrases.yml)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

from bot.language import DEFAULT_LANGUAGE

PHRASES_FILE = Path(__file__).with_name("phrases.yml")


@lru_cache(maxsize=1)
def _phrases() -> Dict[str, Dict[str, str]]:
    with PHRASES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def phrase(key: str, language: str, **values: Any) -> str:
    """The phrase `key` in `language` (zh when unknown), with {values} filled in."""
    texts = _phrases()[key]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**values)
