"""What every channel does with a customer's message before Rasa sees it.

Empty and over-long messages, card numbers, passwords and one-time codes the
bot did not ask for are answered by the channel itself: nothing is parsed or
stored. A code the verify form did ask for is passed on as a placeholder
message (an `inform` intent payload) with the code's keyed digest in the
metadata, so the tracker never holds the code (actions/identity.py checks it). Typed "/" commands lose their power (bot/message_checks.py), the
metadata's customer token is checked and replaced by a trusted customer id
(bot/identity.py), and a customer waiting for an agent can return to the bot
(channels/handoff.py), and the rating after a handoff is stored there too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional

from rasa.core.agent import Agent

from bot.identity import trusted_metadata
from bot.language import reply_language
from bot.message_checks import Verdict, check_message
from bot.payloads import action_payloads, button_payloads
from bot.phrases import phrase
from bot.backend.verification import code_digest
from bot.sensitive import CODE_DIGEST_KEY, CODE_PLACEHOLDER, find_secret, six_digits
from bot.settings import get_settings
from channels.handoff import back_to_bot_reply, rating_reply

CODE_SLOT = "otp_code"
_PHRASE_FOR_VERDICT = {Verdict.EMPTY: "empty_message", Verdict.TOO_LONG: "message_too_long"}
_domain_payloads: Dict[int, FrozenSet[str]] = {}


@dataclass
class Screened:
    """Either `reply` (answer this, pass nothing on) or the text and metadata to pass on."""

    text: str = ""
    metadata: Dict[str, Any] = field(default_factory=dict)
    reply: Optional[List[Dict[str, Any]]] = None


async def screen(agent: Agent, sender: str, text: Optional[str], metadata: Optional[Dict[str, Any]]) -> Screened:
    max_chars = get_settings().max_message_chars
    text = valid_unicode(text)
    checked = check_message(text, allowed_payloads(agent), max_chars)
    language = reply_language([(text or "")[:max_chars]])
    if checked.verdict is not Verdict.OK:
        key = _PHRASE_FOR_VERDICT[checked.verdict]
        return Screened(reply=[{"text": phrase(key, language, max_chars=max_chars)}])
    typed_code = six_digits(checked.text)
    contact = await _contact_awaiting_code(agent, sender) if typed_code else None
    secret = find_secret(checked.text, expecting_code=contact is not None)
    if secret is not None:
        return Screened(reply=[{"text": phrase(f"secret_{secret.value}", language)}])
    rated = await rating_reply(sender, checked.text)
    if rated is not None:
        return Screened(reply=rated)
    resumed = await back_to_bot_reply(agent, sender, checked.text)
    if resumed is not None:
        return Screened(reply=resumed)
    passed_on = trusted_metadata(metadata)
    passed_on.pop(CODE_DIGEST_KEY, None)  # only this gate may say a code was typed
    if contact is not None and typed_code is not None:
        # The answer to the verify form: the tracker gets a placeholder and the
        # keyed digest the backend compares, never the code.
        passed_on[CODE_DIGEST_KEY] = code_digest(contact, typed_code)
        return Screened(text=CODE_PLACEHOLDER, metadata=passed_on)
    return Screened(text=checked.text, metadata=passed_on)


def valid_unicode(text: Optional[str]) -> Optional[str]:
    """`text` with lone surrogates (JSON may carry "\\ud800"; UTF-8 cannot) replaced by "?".

    Left in, they crash the NLU pipeline's tokenizers on the way to the tracker.
    """
    if not isinstance(text, str):
        return text
    return text.encode("utf-8", errors="replace").decode("utf-8")


async def _contact_awaiting_code(agent: Agent, sender: str) -> Optional[str]:
    """The contact the verify form sent a one-time code to, if it is waiting for that code."""
    tracker = await agent.tracker_store.retrieve(sender)
    if tracker is None or tracker.get_slot("requested_slot") != CODE_SLOT:
        return None
    contact = tracker.get_slot("contact")
    return contact if isinstance(contact, str) and contact else None


def allowed_payloads(agent: Agent) -> FrozenSet[str]:
    """Our own button payloads: the only "/" commands a message may carry.

    Computed once per loaded model (keyed by its domain), not per message.
    """
    domain = agent.domain
    if domain is None:
        return action_payloads()
    if id(domain) not in _domain_payloads:
        _domain_payloads.clear()
        _domain_payloads[id(domain)] = action_payloads() | button_payloads(domain.responses)
    return _domain_payloads[id(domain)]
