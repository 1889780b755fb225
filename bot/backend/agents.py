"""Support agents: accounts, console sign-in with attempt limiting, and console sessions.

Passwords are argon2id hashes (argon2-cffi's PasswordHasher, its RFC 9106
defaults); a sign-in for an unknown or deactivated login verifies against a
dummy hash, so timing does not reveal which logins exist. Five failed
sign-ins for one login within 15 minutes lock that login for 15 minutes,
known or not. Console sessions are random bearer tokens; only their keyed
hash is stored, and they end after `SESSION_TTL`, on sign-out or when the
agent is deactivated.

Create an agent (the password comes from KDPAY_AGENT_PASSWORD or a prompt,
never from the command line):

    python -m bot.backend.agents create LOGIN "Display Name"
"""
from __future__ import annotations

import argparse
import getpass
import os
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.backend.audit import record_event
from bot.backend.config import agent_presence_window
from bot.backend.errors import LoginTaken, NotFound, SignInLocked, WeakPassword
from bot.backend.hashing import keyed_hash
from bot.backend.models import Agent, AgentSession, AgentSignInThrottle
from bot.backend.rows import locked_row

PASSWORD_HASHER = PasswordHasher()  # argon2id; tests swap in a cheaper one
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
SESSION_TTL = timedelta(hours=8)
MAX_FAILED_SIGN_INS = 5
FAILED_SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_IN_LOCK_DURATION = timedelta(minutes=15)
PASSWORD_ENV = "KDPAY_AGENT_PASSWORD"

_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_dummy_hashes: Dict[Tuple[object, ...], str] = {}


@dataclass(frozen=True)
class AgentView:
    agent_id: str
    login: str
    display_name: str
    active: bool
    created_at: datetime


def normalise_login(login: str) -> str:
    return (login or "").strip().lower()


def check_password_rules(password: str, login: str = "") -> None:
    """WeakPassword unless 12 to 256 characters, not blank or repetitive, without the login."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPassword(f"the password may have at most {MAX_PASSWORD_CHARS} characters")
    if not password.strip() or len(set(password)) < 4:
        raise WeakPassword("the password needs more than a few different characters")
    if len(normalise_login(login)) >= 4 and normalise_login(login) in password.lower():
        raise WeakPassword("the password must not contain the login")


def create_agent(session: Session, login: str, display_name: str, password: str, now: datetime) -> AgentView:
    """A new active agent; ValueError for a bad login or name, WeakPassword, LoginTaken."""
    normalised = normalise_login(login)
    if not _LOGIN.fullmatch(normalised):
        raise ValueError("a login is 2-64 characters: letters, digits, '.', '_', '-', '@'")
    name = _CONTROL.sub("", display_name or "").strip()
    if not name or len(name) > 100:
        raise ValueError("a display name is 1-100 characters")
    check_password_rules(password, normalised)
    password_hash = PASSWORD_HASHER.hash(password)
    try:
        with session.begin_nested():
            agent = Agent(login=normalised, display_name=name, password_hash=password_hash, active=True, created_at=now)
            session.add(agent)
            session.flush()
            agent.public_id = f"AGT-{agent.id:06d}"
    except IntegrityError as error:
        raise LoginTaken(normalised) from error
    record_event(session, "agent_created", now, agent=agent.public_id)
    return agent_view(agent)


def set_password(session: Session, agent_id: str, password: str, now: datetime) -> None:
    """Replace the password and end the agent's console sessions."""
    agent = agent_row(session, agent_id)
    check_password_rules(password, agent.login)
    agent.password_hash = PASSWORD_HASHER.hash(password)
    end_all_sessions(session, agent_id, now)
    record_event(session, "agent_password_changed", now, agent=agent.public_id)


def set_active(session: Session, agent_id: str, active: bool, now: datetime) -> AgentView:
    """(De)activate an agent; deactivating ends their console sessions."""
    agent = agent_row(session, agent_id)
    agent.active = active
    if not active:
        end_all_sessions(session, agent_id, now)
    record_event(session, "agent_activated" if active else "agent_deactivated", now, agent=agent.public_id)
    return agent_view(agent)


def agent_row(session: Session, agent_id: str, active_only: bool = False) -> Agent:
    """The row behind a public id (AGT-000001); NotFound if unknown (or inactive, if asked)."""
    agent = session.scalars(select(Agent).where(Agent.public_id == (agent_id or "").strip().upper())).first()
    if agent is None or (active_only and not agent.active):
        raise NotFound(agent_id)
    return agent


def get_agent(session: Session, agent_id: str) -> AgentView:
    return agent_view(agent_row(session, agent_id))


def list_agents(session: Session) -> List[AgentView]:
    return [agent_view(agent) for agent in session.scalars(select(Agent).order_by(Agent.id))]


def agent_view(agent: Agent) -> AgentView:
    return AgentView(agent.public_id, agent.login, agent.display_name, agent.active, agent.created_at)


def authenticate(session: Session, login: str, password: str, now: datetime) -> Optional[AgentView]:
    """The agent if `login` and `password` match an active agent, else None.

    The fifth failure within 15 minutes returns None and locks the login;
    until the lock ends every attempt raises SignInLocked, even with the
    right password. (Raising on the fifth itself would roll back the
    caller's transaction, and with it the lock.)
    """
    normalised = normalise_login(login)
    throttle = _throttle(session, keyed_hash("agent-login", normalised), now)
    if throttle.locked_until is not None and now < throttle.locked_until:
        raise SignInLocked(throttle.locked_until)
    agent = session.scalars(select(Agent).where(Agent.login == normalised)).first() if normalised else None
    usable = agent is not None and agent.active
    stored_hash = agent.password_hash if usable else _dummy_hash()
    matches = _verify(stored_hash, password if isinstance(password, str) else "")
    if not (usable and matches):
        _count_failure(session, throttle, normalised, now)
        return None
    _reset(throttle, now)
    if PASSWORD_HASHER.check_needs_rehash(stored_hash):
        agent.password_hash = PASSWORD_HASHER.hash(password)
    record_event(session, "agent_signed_in", now, agent=agent.public_id)
    return agent_view(agent)


def start_session(session: Session, agent_id: str, now: datetime, ttl: timedelta = SESSION_TTL) -> str:
    """A new console session for an active agent; returns the bearer token (shown once)."""
    agent = agent_row(session, agent_id, active_only=True)
    token = secrets.token_urlsafe(32)
    session.add(AgentSession(
        agent_id=agent.id, token_hash=_token_hash(token), created_at=now, expires_at=now + ttl,
    ))
    session.flush()
    return token


def agent_for_session(session: Session, token: str, now: datetime) -> Optional[AgentView]:
    """The signed-in agent, or None for an unknown, expired or revoked token or an inactive agent."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    found = session.execute(
        select(Agent, AgentSession)
        .join(AgentSession, AgentSession.agent_id == Agent.id)
        .where(
            AgentSession.token_hash == _token_hash(token),
            AgentSession.revoked_at.is_(None),
            AgentSession.expires_at > now,
            Agent.active.is_(True),
        )
    ).first()
    if found is None:
        return None
    agent, console_session = found
    console_session.last_seen_at = now  # presence: this agent is at the console
    return agent_view(agent)


def agents_online(session: Session, now: datetime, window: Optional[timedelta] = None) -> int:
    """How many active agents had their console open within `window` (presence)."""
    window = window or agent_presence_window()
    return session.scalar(
        select(func.count(func.distinct(AgentSession.agent_id)))
        .join(Agent, Agent.id == AgentSession.agent_id)
        .where(
            AgentSession.revoked_at.is_(None),
            AgentSession.expires_at > now,
            AgentSession.last_seen_at >= now - window,
            Agent.active.is_(True),
        )
    ) or 0


def end_session(session: Session, token: str, now: datetime) -> bool:
    """Sign out: revoke the token; False if it was unknown or already ended."""
    if not token or not isinstance(token, str):
        return False
    result = session.execute(
        update(AgentSession)
        .where(AgentSession.token_hash == _token_hash(token), AgentSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def end_all_sessions(session: Session, agent_id: str, now: datetime) -> int:
    """Revoke every live session of the agent; returns how many."""
    agent = agent_row(session, agent_id)
    result = session.execute(
        update(AgentSession)
        .where(AgentSession.agent_id == agent.id, AgentSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _token_hash(token: str) -> str:
    return keyed_hash("agent-session", token)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(stored_hash, password[: MAX_PASSWORD_CHARS * 4])
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """A hash with the current parameters, so an unknown login costs a real verification."""
    hasher = PASSWORD_HASHER
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len, hasher.type)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(24))
    return _dummy_hashes[key]


def _throttle(session: Session, login_hash: str, now: datetime) -> AgentSignInThrottle:
    """This login's counter, row-locked on PostgreSQL so parallel attempts count one by one."""
    return locked_row(
        session, AgentSignInThrottle, AgentSignInThrottle.login_hash, login_hash, failed_attempts=0, updated_at=now
    )


def _reset(throttle: AgentSignInThrottle, now: datetime) -> None:
    throttle.failed_attempts = 0
    throttle.window_started_at = None
    throttle.locked_until = None
    throttle.updated_at = now


def _count_failure(session: Session, throttle: AgentSignInThrottle, login: str, now: datetime) -> None:
    window_over = throttle.window_started_at is None or now - throttle.window_started_at >= FAILED_SIGN_IN_WINDOW
    if throttle.locked_until is not None or window_over:  # a lock ran out, or a new window starts
        _reset(throttle, now)
        throttle.window_started_at = now
    throttle.failed_attempts += 1
    throttle.updated_at = now
    if throttle.failed_attempts >= MAX_FAILED_SIGN_INS:
        throttle.locked_until = now + SIGN_IN_LOCK_DURATION
        record_event(session, "agent_sign_in_locked", now, login=login[:64], until=throttle.locked_until.isoformat())


# --- command line -----------------------------------------------------------------------------


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Repeat the password: ") != first:
        raise WeakPassword("the two passwords differ")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    from bot.backend.db import database_url, make_engine, migrate, session_scope

    parser = argparse.ArgumentParser(
        prog="python -m bot.backend.agents",
        description=f"Manage support agents. Passwords come from ${PASSWORD_ENV} or a prompt.",
    )
    parser.add_argument("--url", default=None, help="database URL (default: KDPAY_DATABASE_URL or var/kdpay.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an agent")
    create.add_argument("login")
    create.add_argument("display_name")
    password = commands.add_parser("set-password", help="set an agent's password (ends their sessions)")
    password.add_argument("login")
    deactivate = commands.add_parser("deactivate", help="stop an agent from signing in")
    deactivate.add_argument("login")
    commands.add_parser("list", help="list agents")
    arguments = parser.parse_args(argv)

    url = arguments.url or database_url()
    migrate(url)  # a fresh install may create its first agent before anything else ran
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    try:
        with session_scope(engine) as session:
            if arguments.command == "create":
                agent = create_agent(session, arguments.login, arguments.display_name, _read_password(), now)
                print(f"Created agent {agent.agent_id} ({agent.login}, {agent.display_name})")
            elif arguments.command == "list":
                for agent in list_agents(session):
                    state = "active" if agent.active else "inactive"
                    print(f"{agent.agent_id}\t{agent.login}\t{agent.display_name}\t{state}")
            else:
                agent = _agent_by_login(session, arguments.login)
                if arguments.command == "set-password":
                    set_password(session, agent.public_id, _read_password(), now)
                    print(f"Password changed for {agent.public_id} ({agent.login})")
                else:
                    set_active(session, agent.public_id, False, now)
                    print(f"Deactivated {agent.public_id} ({agent.login})")
    except (ValueError, LoginTaken, NotFound) as error:
        kind = "error"
        if isinstance(error, (LoginTaken, NotFound)):
            kind = "login already taken" if isinstance(error, LoginTaken) else "not found"
        print(f"{kind}: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def _agent_by_login(session: Session, login: str) -> Agent:
    agent = session.scalars(select(Agent).where(Agent.login == normalise_login(login))).first()
    if agent is None:
        raise NotFound(login)
    return agent


if __name__ == "__main__":
    sys.exit(main())
