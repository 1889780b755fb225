"""Agents and console sessions for the tests that run against the real servers."""
from __future__ import annotations

import itertools
import time
import uuid
from datetime import datetime, timezone
from typing import Dict, List, Optional

import requests

from bot.backend.agents import create_agent
from bot.backend.db import make_engine, session_scope
from bot.backend.handoffs import get_handoff, open_handoff_for

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def new_agent(bot, name: Optional[str] = None) -> Dict[str, str]:
    """A new active agent in the running bot's database: login, password, agent_id, name."""
    login = f"agent{next(_numbers)}-{uuid.uuid4().hex[:6]}"
    name = name or f"Agent {login[:10]}"
    engine = make_engine(bot.database_url)
    try:
        with session_scope(engine) as session:
            view = create_agent(session, login, name, PASSWORD, datetime.now(timezone.utc))
    finally:
        engine.dispose()
    return {"login": login, "password": PASSWORD, "agent_id": view.agent_id, "name": name}


def api(bot) -> str:
    return f"{bot.url}/webhooks/agent/api"


def signed_in(bot, agent: Dict[str, str]) -> requests.Session:
    session = requests.Session()
    reply = session.post(f"{api(bot)}/sign-in", json={"login": agent["login"], "password": agent["password"]},
                         timeout=30)
    assert reply.status_code == 200, reply.text
    return session


def queued_handoff(bot, sender: str, text: str = "I want to talk to a human agent") -> str:
    """Ask for a person over REST; the id of the queued handoff."""
    said = "\n".join(r.get("text", "") for r in bot.say(sender, text))
    assert "in the queue" in said, said
    return handoff_for(bot, sender)


def handoff_for(bot, sender: str, timeout: float = 20) -> str:
    """The id of the sender's open handoff, read from the running bot's database."""
    engine = make_engine(bot.database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with session_scope(engine) as session:
                handoff = open_handoff_for(session, sender)
            if handoff is not None:
                return handoff.handoff_id
            time.sleep(0.3)
    finally:
        engine.dispose()
    raise AssertionError(f"no open handoff for {sender}")


def handoff_record(bot, handoff_id: str):
    engine = make_engine(bot.database_url)
    try:
        with session_scope(engine) as session:
            return get_handoff(session, handoff_id)
    finally:
        engine.dispose()


def texts(messages: List[Dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
