"""The agent console's API against the real server: sign-in, authorisation, claims, replies, transfer."""
from __future__ import annotations

import threading
import uuid

from datetime import datetime, timezone

import requests

from bot.backend.customer_tokens import issue_customer_token
from conftest import TOKEN_SECRET

from agent_helpers import api, handoff_for, handoff_record, new_agent, queued_handoff, signed_in, texts


def customer() -> str:
    return f"console-{uuid.uuid4().hex[:10]}"


def test_every_api_call_needs_a_signed_in_agent(bot):
    handoff = queued_handoff(bot, customer())
    anonymous = requests.Session()
    for method, path in [
        ("GET", "/queue"), ("GET", "/agents"), ("GET", "/me"), ("GET", f"/handoffs/{handoff}"),
        ("POST", f"/handoffs/{handoff}/claim"), ("POST", f"/handoffs/{handoff}/reply"),
        ("POST", f"/handoffs/{handoff}/typing"), ("POST", f"/handoffs/{handoff}/transfer"),
        ("POST", f"/handoffs/{handoff}/resolve"), ("POST", "/sign-out"),
    ]:
        reply = anonymous.request(method, f"{api(bot)}{path}", json={"text": "hi"} if method == "POST" else None,
                                  timeout=10)
        assert reply.status_code == 401, (method, path, reply.status_code)
    assert handoff_record(bot, handoff).status == "queued"


def test_a_customer_cannot_reach_the_agent_api(bot):
    """Whatever a customer holds (a web session, a customer token, a forged cookie), the API says 401."""
    token = issue_customer_token("C-1002", TOKEN_SECRET, datetime.now(timezone.utc))
    handoff = queued_handoff(bot, customer())
    for headers, cookies in [
        ({"Authorization": f"Bearer {token}"}, {}),
        ({}, {"customer_token": token}),
        ({}, {"kdpay_agent_session": "guessed-token-value"}),
        ({}, {"session_id": "web-session"}),
    ]:
        reply = requests.post(f"{api(bot)}/handoffs/{handoff}/claim", json={}, headers=headers, cookies=cookies,
                              timeout=10)
        assert reply.status_code == 401
    assert requests.get(f"{api(bot)}/queue", cookies={"kdpay_agent_session": ""}, timeout=10).status_code == 401


def test_sign_in_sets_an_http_only_strict_cookie_and_sign_out_ends_it(bot):
    agent = new_agent(bot)
    reply = requests.post(f"{api(bot)}/sign-in", json={"login": agent["login"], "password": agent["password"]},
                          timeout=30)
    assert reply.status_code == 200 and reply.json()["agent_id"] == agent["agent_id"]
    cookie = reply.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/webhooks/agent" in cookie
    token = reply.cookies["kdpay_agent_session"]
    assert token not in reply.text
    session = requests.Session()
    session.cookies.set("kdpay_agent_session", token)
    assert session.get(f"{api(bot)}/me", timeout=10).json()["display_name"] == agent["name"]
    assert session.post(f"{api(bot)}/sign-out", json={}, timeout=10).ok
    session.cookies.set("kdpay_agent_session", token)
    assert session.get(f"{api(bot)}/me", timeout=10).status_code == 401


def test_wrong_passwords_lock_the_login_with_429(bot):
    agent = new_agent(bot)
    for _ in range(5):
        reply = requests.post(f"{api(bot)}/sign-in", json={"login": agent["login"], "password": "wrong password!"},
                              timeout=30)
        assert reply.status_code == 401
    locked = requests.post(f"{api(bot)}/sign-in", json={"login": agent["login"], "password": agent["password"]},
                           timeout=30)
    assert locked.status_code == 429
    assert "locked" in locked.json()["error"] and int(locked.headers["Retry-After"]) > 0


def test_posts_must_be_json(bot):
    agent = new_agent(bot)
    reply = requests.post(f"{api(bot)}/sign-in", data={"login": agent["login"], "password": agent["password"]},
                          timeout=10)
    assert reply.status_code == 415


def test_two_agents_claiming_at_once_one_wins(bot):
    handoff = queued_handoff(bot, customer())
    first, second = signed_in(bot, new_agent(bot)), signed_in(bot, new_agent(bot))
    statuses = []
    start = threading.Barrier(2)

    def claim(session: requests.Session) -> None:
        start.wait()
        statuses.append(session.post(f"{api(bot)}/handoffs/{handoff}/claim", json={}, timeout=30).status_code)

    threads = [threading.Thread(target=claim, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]


def test_only_the_claiming_agent_replies_and_resolves_and_the_reply_is_in_the_transcript(bot):
    me = customer()
    handoff = queued_handoff(bot, me)
    mei_agent, other_agent = new_agent(bot, "Mei"), new_agent(bot)
    mei, other = signed_in(bot, mei_agent), signed_in(bot, other_agent)
    assert mei.post(f"{api(bot)}/handoffs/{handoff}/claim", json={}, timeout=10).ok
    # The other agent no longer sees it in the queue and cannot act on it.
    assert handoff not in [h["handoff_id"] for h in other.get(f"{api(bot)}/queue", timeout=10).json()["handoffs"]]
    for path, body in [("reply", {"text": "hi"}), ("resolve", {}), ("typing", {}),
                       ("transfer", {"agent_id": other_agent["agent_id"]})]:
        assert other.post(f"{api(bot)}/handoffs/{handoff}/{path}", json=body, timeout=10).status_code == 403, path
    assert other.get(f"{api(bot)}/handoffs/{handoff}", timeout=10).status_code == 403
    assert mei.post(f"{api(bot)}/handoffs/{handoff}/reply", json={"text": ""}, timeout=10).status_code == 400
    assert mei.post(f"{api(bot)}/handoffs/{handoff}/reply", json={"text": "Hello, I'm Mei."}, timeout=10).ok
    assert bot.say(me, "my refund is late") == []  # the bot stays silent
    detail = mei.get(f"{api(bot)}/handoffs/{handoff}", timeout=10).json()
    transcript = detail["transcript"]
    assert {"sender": "agent", "agent_name": "Mei", "text": "Hello, I'm Mei."}.items() <= transcript[-2].items()
    assert transcript[-1]["sender"] == "user" and transcript[-1]["text"] == "my refund is late"
    assert "human_handoff" in detail["handoff"]["summary"] and detail["canned"]
    assert "metadata" not in str(transcript) and "sender_id" not in detail["handoff"]
    resolved = mei.post(f"{api(bot)}/handoffs/{handoff}/resolve", json={}, timeout=10)
    assert resolved.ok and resolved.json()["handoff"]["status"] == "resolved"
    # Back with the bot: the rating is taken by the channel, then the bot answers again.
    assert "Thank you" in texts(bot.say(me, "4"))
    assert handoff_record(bot, handoff).rating == 4
    assert "Forgot password?" in texts(bot.say(me, "how do I reset my password?"))


def test_transfer_hands_the_conversation_to_another_agent(bot):
    handoff = queued_handoff(bot, customer())
    giver_agent, taker_agent = new_agent(bot), new_agent(bot)
    giver, taker = signed_in(bot, giver_agent), signed_in(bot, taker_agent)
    assert giver.post(f"{api(bot)}/handoffs/{handoff}/claim", json={}, timeout=10).ok
    agents = [a["agent_id"] for a in giver.get(f"{api(bot)}/agents", timeout=10).json()["agents"]]
    assert taker_agent["agent_id"] in agents
    moved = giver.post(f"{api(bot)}/handoffs/{handoff}/transfer", json={"agent_id": taker_agent["agent_id"]},
                       timeout=10)
    assert moved.ok and moved.json()["handoff"]["agent_id"] == taker_agent["agent_id"]
    assert giver.post(f"{api(bot)}/handoffs/{handoff}/reply", json={"text": "still me?"}, timeout=10).status_code == 403
    mine = [h for h in taker.get(f"{api(bot)}/queue", timeout=10).json()["handoffs"] if h["handoff_id"] == handoff]
    assert mine and mine[0]["mine"]
    assert taker.post(f"{api(bot)}/handoffs/{handoff}/reply", json={"text": "I'll take it from here."}, timeout=10).ok
    assert taker.post(f"{api(bot)}/handoffs/{handoff}/resolve", json={}, timeout=10).ok


def test_the_console_page_is_served_with_a_strict_policy(bot):
    page = requests.get(f"{bot.url}/webhooks/agent/", timeout=10)
    assert page.ok and "Agent console" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(f"{bot.url}/webhooks/agent/agent.js", timeout=10).text
    assert "innerHTML" not in script
    assert requests.get(f"{bot.url}/webhooks/agent/nothing.js", timeout=10).status_code == 404
