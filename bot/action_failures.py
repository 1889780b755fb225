"""When the action server is down or slow, the customer hears so within seconds.

Rasa 3.6 on its own (rasa/core/actions/action.py, RemoteAction.run) calls the
action server with a fixed 300 s timeout (`DEFAULT_REQUEST_TIMEOUT`; a
`timeout:` under `action_endpoint` in endpoints.yml is stored but never used),
and the processor (`MessageProcessor._run_action`) logs a failed action, drops
its events and carries on: the turn is kept (the user message is saved) but
the customer gets silence, after up to 5 minutes per custom action.

Two small parts fix that:

* `GuardedActionEndpoint` replaces the agent's action endpoint. It applies the
  `timeout:` from endpoints.yml (default `DEFAULT_ACTION_TIMEOUT_SECONDS`),
  turns a timeout into a connection error (so every Rasa code path, including
  slot extraction, handles it as "action failed" rather than crashing the
  turn), records the failure for the current turn, and fails later calls of
  the same turn at once (one wait per turn, not one per predicted action).
* `run_turn` is what the channels call instead of `on_new_message`: it runs
  the turn and, when an action call failed, the turn raised, or no model is
  loaded (Rasa would drop the message silently), sends a short apology in the
  customer's language with a "Talk to an agent" button.
  It also hands Rasa the cached NLU result of a repeated message
  (bot/nlu_cache.py), the one place every channel's turn passes.

The next turn calls the action server again, so flows work as soon as it is
back. A 400 from the action server is a form's normal rejection, not a fault.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.conversation import conversation_language
from bot.language import reply_language
from bot.nlu_cache import parse_data_for
from channels.conversations import append_events
from bot.phrases import phrase

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = 5.0
HANDOFF_PAYLOAD = "/human_handoff"
CONTACT_PAYLOAD = "/faq/contact_channels"


@dataclass
class TurnFaults:
    """What went wrong with the action server during one turn."""

    failures: List[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failures)


_current_turn: "contextvars.ContextVar[Optional[TurnFaults]]" = contextvars.ContextVar(
    "kdpay_turn_faults", default=None
)


class ActionServerUnavailable(aiohttp.ClientConnectionError):
    """The action server did not answer in time, or already failed in this turn.

    A ClientConnectionError, so RemoteAction reports it as a failed action
    (RasaException) on every code path instead of letting a timeout escape.
    """


class GuardedActionEndpoint(EndpointConfig):
    """The action endpoint with our timeout and per-turn failure bookkeeping."""

    timeout_seconds: float = DEFAULT_ACTION_TIMEOUT_SECONDS

    @classmethod
    def wrap(cls, endpoint: EndpointConfig) -> "GuardedActionEndpoint":
        kwargs = dict(endpoint.kwargs)
        timeout = float(kwargs.pop("timeout", DEFAULT_ACTION_TIMEOUT_SECONDS))
        guarded = cls(
            endpoint.url, endpoint.params, endpoint.headers, endpoint.basic_auth, endpoint.token,
            endpoint.token_name, endpoint.cafile, **kwargs,
        )
        guarded.type = endpoint.type
        guarded.timeout_seconds = timeout
        return guarded

    def copy(self) -> "GuardedActionEndpoint":
        plain = super().copy()
        plain.kwargs["timeout"] = self.timeout_seconds
        return GuardedActionEndpoint.wrap(plain)

    async def request(self, method: str = "post", subpath: Optional[str] = None,
                      content_type: Optional[str] = "application/json", compress: bool = False,
                      **kwargs: Any) -> Optional[Any]:
        turn = _current_turn.get()
        if turn is not None and turn.failed:
            raise ActionServerUnavailable("the action server already failed in this turn")
        kwargs["timeout"] = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            return await super().request(method, subpath, content_type, compress, **kwargs)
        except ClientResponseError as error:  # Rasa's own class, raised for every status >= 400
            if error.status != 400:  # 400 = a form's ActionExecutionRejection, a normal outcome
                _record(turn, f"HTTP {error.status}")
            raise
        except asyncio.TimeoutError as error:
            _record(turn, f"no answer in {self.timeout_seconds:g} s")
            raise ActionServerUnavailable(f"no answer in {self.timeout_seconds:g} s") from error
        except aiohttp.ClientError as error:
            _record(turn, type(error).__name__)
            raise


def _record(turn: Optional[TurnFaults], what: str) -> None:
    logger.warning("Action server call failed: %s.", what)
    if turn is not None:
        turn.failures.append(what)


def install(agent: Any) -> None:
    """Guard the agent's action endpoint (idempotent; a newly loaded model gets it too)."""
    processor = getattr(agent, "processor", None)
    for holder in (agent, processor):
        endpoint = getattr(holder, "action_endpoint", None) if holder is not None else None
        if endpoint is not None and not isinstance(endpoint, GuardedActionEndpoint):
            holder.action_endpoint = GuardedActionEndpoint.wrap(endpoint)


async def run_turn(agent: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                   message: UserMessage) -> bool:
    """Run one turn; apologise and offer an agent if the action server failed or the turn raised.

    Returns True when the turn went through without a fault.
    """
    install(agent)
    turn = TurnFaults()
    token = _current_turn.set(turn)
    raised = False
    try:
        ready = getattr(agent, "is_ready", None)
        if callable(ready) and not ready():  # no model loaded: Rasa would ignore the message silently
            raise RuntimeError("no model is loaded")
        if message.parse_data is None and message.text:
            message.parse_data = await parse_data_for(agent, message.text)  # repeated messages skip the NLU model
        await on_new_message(message)
    except Exception as error:  # e.g. the tracker store is unreachable: the customer still hears from us
        raised = True
        logger.error("A turn failed (%s): sending an apology.", type(error).__name__, exc_info=error)
    finally:
        _current_turn.reset(token)
    if not (raised or turn.failed):
        return True
    await _apologise(agent, message, trusted_tracker=not raised)
    return False


async def _apologise(agent: Any, message: UserMessage, trusted_tracker: bool) -> None:
    language = await _language(agent, message, trusted_tracker)
    if (message.text or "").strip().startswith(HANDOFF_PAYLOAD):
        # The handoff itself failed: offering it again would loop; FAQ answers need no action server.
        text = phrase("handoff_unavailable", language)
        buttons = [{"title": phrase("contact_support", language), "payload": CONTACT_PAYLOAD}]
    else:
        text = phrase("actions_unavailable", language)
        buttons = [{"title": phrase("talk_to_agent", language), "payload": HANDOFF_PAYLOAD}]
    try:
        await message.output_channel.send_text_with_buttons(message.sender_id, text, buttons)
    except Exception as error:
        logger.error("Could not send the apology (%s).", type(error).__name__)
    if trusted_tracker:  # the transcript (widget history, agent console) shows what the customer saw
        try:
            await append_events(agent, message.sender_id, [BotUttered(text, data={"buttons": buttons})])
        except Exception as error:
            logger.warning("Could not record the apology (%s).", type(error).__name__)


async def _language(agent: Any, message: UserMessage, trusted_tracker: bool) -> str:
    """The conversation's language; from this message alone when the tracker is unavailable."""
    if trusted_tracker:
        try:
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is not None:
                events: List[Dict[str, Any]] = [event.as_dict() for event in tracker.events]
                return conversation_language(events, tracker.current_slot_values())
        except Exception as error:
            logger.warning("Could not read the conversation's language (%s).", type(error).__name__)
    return reply_language([message.text])
