"""Agent accounts, sign-in with attempt limiting, console sessions, and the CLI."""
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.backend import agents
from bot.backend.agents import (
    agent_for_session, authenticate, create_agent, end_all_sessions, end_session, set_active,
    set_password, start_session,
)
from bot.backend.db import make_engine, migrate, session_scope
from bot.backend.errors import LoginTaken, NotFound, SignInLocked, WeakPassword
from bot.backend.models import Agent, AgentSession, AuditEvent

from .helpers import NOW

PASSWORD = "correct horse battery"
MINUTE = timedelta(minutes=1)
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Real argon2id, with parameters small enough for a quick suite."""
    monkeypatch.setattr(agents, "PASSWORD_HASHER", CHEAP_HASHER)


def mei(session):
    return create_agent(session, "Mei", "Mei Zhang", PASSWORD, NOW)


def fail(session, login, times, start=NOW):
    for attempt in range(times):
        assert authenticate(session, login, "wrong password!", start + attempt * MINUTE) is None


def test_an_agent_is_created_with_an_argon2id_hash_and_signs_in(engine):
    with session_scope(engine) as session:
        agent = mei(session)
        assert (agent.agent_id, agent.login, agent.display_name, agent.active) == (
            "AGT-000001", "mei", "Mei Zhang", True)
        stored = session.scalars(select(Agent.password_hash)).one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert authenticate(session, "  MEI ", PASSWORD, NOW) == agent
        assert authenticate(session, "mei", PASSWORD + "x", NOW) is None
        assert authenticate(session, "nobody", PASSWORD, NOW) is None


@pytest.mark.parametrize("password", ["short pass", "a" * 30, "ababababababab", "x" * 300, "my mei-login pass"])
def test_weak_passwords_are_refused(engine, password):
    with session_scope(engine) as session:
        with pytest.raises(WeakPassword):
            create_agent(session, "mei-login", "Mei", password, NOW)
        assert session.scalars(select(Agent)).all() == []


def test_logins_are_unique_and_well_formed(engine):
    with session_scope(engine) as session:
        mei(session)
        with pytest.raises(LoginTaken):
            create_agent(session, "MEI", "Another Mei", PASSWORD, NOW)
        for bad_login, name in (("", "X"), ("has space", "X"), ("-dash", "X"), ("ok", " ")):
            with pytest.raises(ValueError):
                create_agent(session, bad_login, name, PASSWORD, NOW)
        assert len(session.scalars(select(Agent)).all()) == 1  # the session is still usable


def test_an_unknown_login_still_costs_a_password_verification(engine, monkeypatch):
    verified = []

    class RecordingHasher(PasswordHasher):
        def verify(self, hash, password):
            verified.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(agents, "PASSWORD_HASHER", RecordingHasher(time_cost=1, memory_cost=8, parallelism=1))
    with session_scope(engine) as session:
        assert authenticate(session, "ghost", PASSWORD, NOW) is None
        assert authenticate(session, "", PASSWORD, NOW) is None
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


def test_an_outdated_hash_is_upgraded_at_sign_in(engine, monkeypatch):
    with session_scope(engine) as session:
        mei(session)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(agents, "PASSWORD_HASHER", stronger)
    with session_scope(engine) as session:
        assert authenticate(session, "mei", PASSWORD, NOW) is not None
        upgraded = session.scalars(select(Agent.password_hash)).one()
    assert "m=16,t=2,p=1" in upgraded and not stronger.check_needs_rehash(upgraded)
    with session_scope(engine) as session:
        assert authenticate(session, "mei", PASSWORD, NOW) is not None


def test_five_failures_lock_the_login_even_for_the_right_password(engine):
    with session_scope(engine) as session:
        mei(session)
        fail(session, "mei", 5)
        with pytest.raises(SignInLocked) as locked:
            authenticate(session, "mei", PASSWORD, NOW + 5 * MINUTE)
        assert locked.value.until == NOW + 4 * MINUTE + agents.SIGN_IN_LOCK_DURATION
        assert session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "agent_sign_in_locked")).all()
    with session_scope(engine) as session:  # the lock was committed
        with pytest.raises(SignInLocked):
            authenticate(session, "MEI", PASSWORD, NOW + 18 * MINUTE)
        assert authenticate(session, "mei", PASSWORD, NOW + 19 * MINUTE) is not None


def test_failures_spread_beyond_the_window_do_not_lock(engine):
    with session_scope(engine) as session:
        mei(session)
        fail(session, "mei", 4)
        fail(session, "mei", 4, start=NOW + 16 * MINUTE)
        assert authenticate(session, "mei", PASSWORD, NOW + 20 * MINUTE) is not None


def test_a_success_resets_the_count(engine):
    with session_scope(engine) as session:
        mei(session)
        fail(session, "mei", 4)
        assert authenticate(session, "mei", PASSWORD, NOW + 4 * MINUTE) is not None
        fail(session, "mei", 4, start=NOW + 5 * MINUTE)
        assert authenticate(session, "mei", PASSWORD, NOW + 9 * MINUTE) is not None


def test_unknown_logins_are_locked_too_and_other_logins_are_not(engine):
    with session_scope(engine) as session:
        mei(session)
        fail(session, "ghost", 5)
        with pytest.raises(SignInLocked):
            authenticate(session, "ghost", PASSWORD, NOW + 5 * MINUTE)
        assert authenticate(session, "mei", PASSWORD, NOW + 5 * MINUTE) is not None


def test_a_deactivated_agent_cannot_sign_in_and_loses_sessions(engine):
    with session_scope(engine) as session:
        agent = mei(session)
        token = start_session(session, agent.agent_id, NOW)
        set_active(session, agent.agent_id, False, NOW)
        assert authenticate(session, "mei", PASSWORD, NOW) is None
        assert agent_for_session(session, token, NOW) is None
        with pytest.raises(NotFound):
            start_session(session, agent.agent_id, NOW)


def test_a_session_token_finds_its_agent_until_it_expires(engine):
    with session_scope(engine) as session:
        agent = mei(session)
        token = start_session(session, agent.agent_id, NOW)
        assert len(token) >= 40
        assert token not in session.scalars(select(AgentSession.token_hash)).one()
        assert agent_for_session(session, token, NOW + 7 * 60 * MINUTE) == agent
        assert agent_for_session(session, token, NOW + agents.SESSION_TTL) is None
        short = start_session(session, agent.agent_id, NOW, ttl=MINUTE)
        assert agent_for_session(session, short, NOW + MINUTE) is None
        for bad in ("", None, token[:-1], "x" * 500):
            assert agent_for_session(session, bad, NOW) is None


def test_signing_out_revokes_the_token(engine):
    with session_scope(engine) as session:
        agent = mei(session)
        first, second = start_session(session, agent.agent_id, NOW), start_session(session, agent.agent_id, NOW)
        assert end_session(session, first, NOW) is True
        assert end_session(session, first, NOW) is False
        assert agent_for_session(session, first, NOW) is None
        assert agent_for_session(session, second, NOW) == agent
        assert end_all_sessions(session, agent.agent_id, NOW) == 1
        assert agent_for_session(session, second, NOW) is None


def test_a_new_password_ends_sessions_and_the_old_one_stops_working(engine):
    with session_scope(engine) as session:
        agent = mei(session)
        token = start_session(session, agent.agent_id, NOW)
        with pytest.raises(WeakPassword):
            set_password(session, agent.agent_id, "too short", NOW)
        set_password(session, agent.agent_id, "a brand new passphrase", NOW)
        assert agent_for_session(session, token, NOW) is None
        assert authenticate(session, "mei", PASSWORD, NOW) is None
        assert authenticate(session, "mei", "a brand new passphrase", NOW) == agent


@pytest.fixture
def cli_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'agents.db'}"
    migrate(url)
    return url


def test_the_cli_creates_an_agent_with_the_password_from_the_environment(cli_database, monkeypatch, capsys):
    monkeypatch.setenv(agents.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(agents.getpass, "getpass", lambda prompt="": pytest.fail("must not prompt"))
    assert agents.main(["--url", cli_database, "create", "mei", "Mei Zhang"]) == 0
    assert "AGT-000001" in capsys.readouterr().out
    assert agents.main(["--url", cli_database, "create", "mei", "Mei Again"]) == 2
    assert "taken" in capsys.readouterr().err
    engine = make_engine(cli_database)
    with session_scope(engine) as session:
        assert authenticate(session, "mei", PASSWORD, NOW).display_name == "Mei Zhang"
    engine.dispose()


def test_the_cli_prompts_for_the_password_twice(cli_database, monkeypatch, capsys):
    monkeypatch.delenv(agents.PASSWORD_ENV, raising=False)
    answers = iter([PASSWORD, PASSWORD, "first passphrase", "second passphrase"])
    monkeypatch.setattr(agents.getpass, "getpass", lambda prompt="": next(answers))
    assert agents.main(["--url", cli_database, "create", "mei", "Mei Zhang"]) == 0
    assert agents.main(["--url", cli_database, "create", "li", "Li Na"]) == 2
    assert "differ" in capsys.readouterr().err
    monkeypatch.setenv(agents.PASSWORD_ENV, "short")
    assert agents.main(["--url", cli_database, "create", "li", "Li Na"]) == 2
    assert agents.main(["--url", cli_database, "deactivate", "mei"]) == 0
    assert agents.main(["--url", cli_database, "list"]) == 0
    assert "inactive" in capsys.readouterr().out


def test_the_cli_takes_no_password_argument(cli_database):
    with pytest.raises(SystemExit):
        agents.main(["--url", cli_database, "create", "mei", "Mei Zhang", PASSWORD])


def test_an_agent_is_online_while_their_console_calls_in(engine):
    with session_scope(engine) as session:
        agent = mei(session)
        token = start_session(session, agent.agent_id, NOW)
        assert agents.agents_online(session, NOW) == 0  # signed in, but the console never called
        agent_for_session(session, token, NOW)
        assert agents.agents_online(session, NOW + timedelta(seconds=30)) == 1
        assert agents.agents_online(session, NOW + timedelta(minutes=5)) == 0  # went quiet
        agent_for_session(session, token, NOW + timedelta(minutes=5))
        end_session(session, token, NOW + timedelta(minutes=5))
        assert agents.agents_online(session, NOW + timedelta(minutes=5)) == 0  # signed out
