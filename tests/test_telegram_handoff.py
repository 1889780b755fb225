"""The handoff round trip for a Telegram conversation, against the fake Telegram Bot API.

The customer writes through Telegram updates posted to our webhook; the agent
uses the console API; replies are read from what the fake API received.
"""
from __future__ import annotations

from agent_helpers import api, handoff_for, handoff_record, new_agent, signed_in
from fake_telegram import callback_update, message_update
from test_telegram_channel import callback_data, new_user, post, wait_for_text


def test_a_telegram_customer_is_helped_by_an_agent_then_rates_and_is_back_with_the_bot(bot, fake_telegram):
    user = new_user()
    post(bot, message_update(user, "/lang en"))
    wait_for_text(fake_telegram, user, "answer in English")
    post(bot, message_update(user, "/human", language="en"))
    wait_for_text(fake_telegram, user, "in the queue")
    handoff = handoff_for(bot, f"tg-{user}")

    mei = signed_in(bot, new_agent(bot, "Mei"))
    assert handoff in [h["handoff_id"] for h in mei.get(f"{api(bot)}/queue", timeout=10).json()["handoffs"]]
    assert mei.post(f"{api(bot)}/handoffs/{handoff}/claim", json={}, timeout=10).ok
    assert mei.post(f"{api(bot)}/handoffs/{handoff}/typing", json={}, timeout=10).json()["shown"]
    fake_telegram.wait_for(lambda: fake_telegram.calls_to("sendChatAction", user))
    sent = mei.post(f"{api(bot)}/handoffs/{handoff}/reply", json={"text": "Hi, how can I help?"}, timeout=10)
    assert sent.ok and sent.json()["delivered"]
    wait_for_text(fake_telegram, user, "Mei: Hi, how can I help?")

    before = len(fake_telegram.sent(user))
    post(bot, message_update(user, "My transfer is stuck", language="en"))
    transcript = fake_telegram.wait_for(lambda: (lambda t: t if t[-1]["text"] == "My transfer is stuck" else None)(
        mei.get(f"{api(bot)}/handoffs/{handoff}", timeout=10).json()["transcript"]))
    assert transcript[-2] == {**transcript[-2], "sender": "agent", "agent_name": "Mei"}
    assert len(fake_telegram.sent(user)) == before  # the bot stays silent

    assert mei.post(f"{api(bot)}/handoffs/{handoff}/resolve", json={}, timeout=10).ok
    question = wait_for_text(fake_telegram, user, "How would you rate the agent?")[-1]
    assert callback_data(question) == ["1", "2", "3", "4", "5"]
    post(bot, callback_update(user, "5"))
    wait_for_text(fake_telegram, user, "Thank you for your rating")
    assert handoff_record(bot, handoff).rating == 5
    post(bot, message_update(user, "how do I reset my password?", language="en"))
    wait_for_text(fake_telegram, user, "Forgot password?")
