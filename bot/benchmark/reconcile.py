"""What the server recorded vs what the clients saw, per conversation (pure, unit-tested).

After a soak every conversation's tracker must hold each message the client
sent exactly once, in order, as a user event, followed by exactly as many bot
events as replies the client received for that turn. This works with any
tracker store, since it reads the tracker through the HTTP API.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class ClientTurn:
    """A message as its client saw it: the text sent and how many replies arrived (None: no complete answer)."""

    text: str
    replies: Optional[int]


@dataclass
class Reconciliation:
    """Problems found in one conversation (empty lists: it matches)."""

    conversation: str
    lost: List[str] = field(default_factory=list)  # sent, never recorded
    duplicated: List[str] = field(default_factory=list)  # recorded more often than sent
    out_of_order: bool = False
    reply_mismatches: List[Tuple[int, str, int, int]] = field(default_factory=list)  # (turn, text, client, server)
    unanswered_bot_events: int = 0  # bot events before the first user message

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.out_of_order or self.reply_mismatches
                    or self.unanswered_bot_events)


def server_turns(events: Iterable[Dict[str, Any]]) -> Tuple[List[Tuple[str, int]], int]:
    """(user text, bot events until the next user event) per user event, and bot events before the first."""
    turns: List[Tuple[str, int]] = []
    before_first = 0
    for event in events:
        kind = event.get("event")
        if kind == "user":
            turns.append((event.get("text") or "", 0))
        elif kind == "bot":
            if turns:
                text, count = turns[-1]
                turns[-1] = (text, count + 1)
            else:
                before_first += 1
    return turns, before_first


def reconcile(conversation: str, client: Sequence[ClientTurn], events: Iterable[Dict[str, Any]]) -> Reconciliation:
    """Compares one conversation's client turns with its tracker events."""
    result = Reconciliation(conversation)
    turns, result.unanswered_bot_events = server_turns(events)
    sent = Counter(turn.text for turn in client)
    recorded = Counter(text for text, _ in turns)
    for text in sent:
        result.lost += [text] * max(0, sent[text] - recorded[text])
    for text in recorded:
        result.duplicated += [text] * max(0, recorded[text] - sent[text])
    if result.lost or result.duplicated:
        return result
    if [turn.text for turn in client] != [text for text, _ in turns]:
        result.out_of_order = True
        return result
    for index, (mine, (text, bot_events)) in enumerate(zip(client, turns)):
        if mine.replies is not None and mine.replies != bot_events:
            result.reply_mismatches.append((index, text, mine.replies, bot_events))
    return result


def summarise(results: Sequence[Reconciliation]) -> Dict[str, Any]:
    """Totals over all conversations, with a few examples of each problem."""
    bad = [r for r in results if not r.ok]
    return {
        "conversations": len(results),
        "conversations_with_problems": len(bad),
        "lost_messages": sum(len(r.lost) for r in results),
        "duplicated_messages": sum(len(r.duplicated) for r in results),
        "out_of_order_conversations": sum(r.out_of_order for r in results),
        "reply_count_mismatches": sum(len(r.reply_mismatches) for r in results),
        "unanswered_bot_events": sum(r.unanswered_bot_events for r in results),
        "examples": [
            {"conversation": r.conversation, "lost": r.lost[:3], "duplicated": r.duplicated[:3],
             "out_of_order": r.out_of_order, "reply_mismatches": r.reply_mismatches[:3]}
            for r in bad[:5]
        ],
    }
