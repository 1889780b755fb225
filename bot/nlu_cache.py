"""An exact-match cache of NLU results for frequent messages.

Customers send the same short messages again and again ("你好", "谢谢", the
FAQ buttons, "how do I reset my password"). Parsing one costs a few
milliseconds of TensorFlow, about half of a whole turn; a cached result costs a
dictionary lookup (numbers in the README, "Performance").

Channels pass the result as the `UserMessage`'s `parse_data`, which Rasa's
processor uses instead of parsing the text again
(`MessageProcessor._handle_message_with_tracker`). The key holds the model's id
(a new model starts afresh) and today's date (entities such as "昨天" /
"yesterday" are normalised to a date). Long messages rarely repeat and are not
kept. One cache per server process.
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from datetime import date
from typing import Any, Dict, Optional, Tuple

from rasa.core.agent import Agent

from bot.settings import get_settings

MAX_CACHED_TEXT_CHARS = 200

_Key = Tuple[str, str, str]


class NluCache:
    """A bounded least-recently-used map from (model, day, text) to parse data."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: "OrderedDict[_Key, Dict[str, Any]]" = OrderedDict()

    def get(self, key: _Key) -> Optional[Dict[str, Any]]:
        parse_data = self._entries.get(key)
        if parse_data is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return copy.deepcopy(parse_data)  # Rasa keeps it in the tracker's event

    def put(self, key: _Key, parse_data: Dict[str, Any]) -> None:
        self._entries[key] = copy.deepcopy(parse_data)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


_cache: Optional[NluCache] = None


def shared_cache() -> NluCache:
    """This process's cache, sized by KDPAY_NLU_CACHE_SIZE (0 turns it off)."""
    global _cache
    size = get_settings().nlu_cache_size
    if _cache is None or _cache.max_entries != size:
        _cache = NluCache(size)
    return _cache


async def parse_data_for(agent: Agent, text: str, today: Optional[date] = None) -> Optional[Dict[str, Any]]:
    """The NLU result for `text`, from the cache when seen before; None lets Rasa parse it.

    None as well when the cache is off, the text is long, or no model is loaded.
    """
    cache = shared_cache()
    processor = agent.processor
    if cache.max_entries <= 0 or len(text) > MAX_CACHED_TEXT_CHARS or processor is None:
        return None
    key = (processor.model_metadata.model_id, (today or date.today()).isoformat(), text)
    parse_data = cache.get(key)
    if parse_data is None:
        parse_data = await agent.parse_message(text)
        cache.put(key, parse_data)
    return parse_data
