"""The Telegram channel in the real Rasa server, against our fake Telegram Bot API.

Updates are posted to /webhooks/telegram/webhook as Telegram would post them;
replies are read from what the fake API server received.
"""
from __future__ import annotations

import asyncio
import itertools
import re
import time
from typing import Any, Dict, List

import aiohttp
import requests

from bot.backend.db import make_engine, session_scope
from bot.backend.outbox import messages_for
from bot.backend.telegram_links import linked_customer
from bot.settings import Settings
from channels.telegram_bot import SECRET_HEADER, set_webhook
from channels.telegram_polling import poll_once
from conftest import TELEGRAM_WEBHOOK_SECRET
from fake_telegram import TOKEN, callback_update, message_update

_users = itertools.count(int(time.time()) % 10_000 * 1000 + 500_000_000)


def new_user() -> int:
    return next(_users)


def post(bot, update: Dict[str, Any], secret: Any = TELEGRAM_WEBHOOK_SECRET) -> requests.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(f"{bot.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=10)


def wait_for_text(fake, chat_id: int, fragment: str, timeout: float = 20) -> List[Dict[str, Any]]:
    """Every message delivered to the chat, once one contains `fragment`."""
    return fake.wait_for(lambda: (lambda sent: sent if any(fragment in m["text"] for m in sent) else None)(
        fake.sent(chat_id)), timeout)


def callback_data(message: Dict[str, Any]) -> List[str]:
    return [row[0]["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", [])]


def settings_for(fake) -> Settings:
    return Settings(telegram_token=TOKEN, telegram_webhook_secret=TELEGRAM_WEBHOOK_SECRET,
                    telegram_api_url=fake.url)


def test_faq_answers_in_english_and_chinese_with_buttons_as_inline_keyboards(bot, fake_telegram):
    alex, lin = new_user(), new_user()
    assert post(bot, message_update(alex, "how do I reset my password?")).text == "ok"
    assert post(bot, message_update(lin, "忘记密码怎么办", language="zh-hans")).status_code == 200
    sent = wait_for_text(fake_telegram, alex, "Forgot password?")
    assert "/reset_password" in callback_data(sent[-1])
    sent = wait_for_text(fake_telegram, lin, "密码")
    assert not re.search(r"[A-Za-z]{5,}", sent[0]["text"].replace("KDPay", ""))
    assert all(call.token == TOKEN for call in fake_telegram.calls)


def test_start_shows_the_topic_menu_and_a_button_press_is_answered_and_processed(bot, fake_telegram):
    user = new_user()
    post(bot, message_update(user, "/start", language="en"))
    wait_for_text(fake_telegram, user, "KDPay Assist")
    # The menu is the greeting's second message (sent a second later: 1 message/s per chat).
    fake_telegram.wait_for(lambda: any("/faq/contact_channels" in callback_data(m) for m in fake_telegram.sent(user)), 20)
    sent = fake_telegram.sent(user)
    menu = next(m for m in sent if "/faq/contact_channels" in callback_data(m))
    press = callback_update(user, "/faq/contact_channels")
    post(bot, press)
    fake_telegram.wait_for(lambda: fake_telegram.calls_to("answerCallbackQuery"))
    answered = [c.params["callback_query_id"] for c in fake_telegram.calls_to("answerCallbackQuery")]
    assert press["callback_query"]["id"] in answered
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(user)) > len(sent))
    assert "hotline" in fake_telegram.sent(user)[-1]["text"].lower() and menu


def test_help_lang_and_human_commands(bot, fake_telegram):
    user = new_user()
    post(bot, message_update(user, "/help", language="zh-hans"))
    wait_for_text(fake_telegram, user, "/unlink")
    post(bot, message_update(user, "/lang en"))
    wait_for_text(fake_telegram, user, "answer in English")
    post(bot, message_update(user, "/human"))
    wait_for_text(fake_telegram, user, "in the queue")


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(bot, fake_telegram):
    user = new_user()
    assert post(bot, message_update(user, "hello"), secret="wrong-secret").status_code == 403
    assert post(bot, message_update(user, "hello"), secret=None).status_code == 403
    time.sleep(1.5)
    assert fake_telegram.sent(user) == []


def test_a_redelivered_update_is_processed_once(bot, fake_telegram):
    user = new_user()
    update = message_update(user, "thanks")
    assert post(bot, update).status_code == post(bot, update).status_code == 200
    wait_for_text(fake_telegram, user, "welcome")
    time.sleep(1.5)
    assert len(fake_telegram.sent(user)) == 1


def test_non_text_messages_get_a_polite_reply_and_groups_are_ignored(bot, fake_telegram):
    user, chinese = new_user(), new_user()
    sticker = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False,
               "is_video": False, "type": "regular"}
    post(bot, message_update(user, sticker=sticker))
    post(bot, message_update(user, "hello again", edited=True))
    post(bot, message_update(chinese, photo=[{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}],
                             language="zh-hans"))
    post(bot, message_update(user, "hello group", chat_type="group"))
    fake_telegram.wait_for(lambda: len(fake_telegram.sent(user)) == 2)
    assert all("only read text" in m["text"] for m in fake_telegram.sent(user))
    assert "文字" in wait_for_text(fake_telegram, chinese, "文字")[0]["text"]
    time.sleep(1)
    assert fake_telegram.calls_to("sendMessage", chat_id=-1000 - user) == []


def test_a_burst_hitting_429_is_delayed_not_lost_and_keeps_its_order(bot, fake_telegram):
    user = new_user()
    fake_telegram.fail_next_sends(2)
    for text in ("/help", "thanks", "how do I reset my password?"):
        post(bot, message_update(user, text))
    sent = wait_for_text(fake_telegram, user, "Forgot password?", timeout=30)
    texts = [m["text"] for m in sent]
    assert "/unlink" in texts[0] and "welcome" in texts[1] and "Forgot password?" in texts[-1]
    refused = [c for c in fake_telegram.calls_to("sendMessage", chat_id=user) if c.refused]
    assert len(refused) == 2


def latest_code(bot, address: str) -> str:
    engine = make_engine(bot.database_url)
    with session_scope(engine) as session:
        body = messages_for(session, address)[-1].body
    engine.dispose()
    return re.search(r"\b(\d{6})\b", body).group(1)


def link_of(bot, user: int):
    engine = make_engine(bot.database_url)
    with session_scope(engine) as session:
        customer = linked_customer(session, user)
    engine.dispose()
    return customer


def test_verified_by_code_a_user_stays_linked_until_unlink(bot, fake_telegram):
    user = new_user()
    post(bot, message_update(user, "What's the status of my tickets?"))
    wait_for_text(fake_telegram, user, "e-mail address or phone number")
    post(bot, message_update(user, "alex@example.com"))
    wait_for_text(fake_telegram, user, "6-digit code")
    post(bot, message_update(user, latest_code(bot, "alex@example.com")))
    sent = wait_for_text(fake_telegram, user, "DSP-")  # Alex's open dispute: the account action ran
    assert any("verified" in m["text"] for m in sent)
    fake_telegram.wait_for(lambda: link_of(bot, user) == "C-1002")
    post(bot, message_update(user, "/unlink"))
    wait_for_text(fake_telegram, user, "no longer linked")
    assert link_of(bot, user) is None
    post(bot, message_update(user, "What's the status of my tickets?"))
    fake_telegram.wait_for(lambda: "verify" in fake_telegram.sent(user)[-1]["text"]
                           or "e-mail address" in fake_telegram.sent(user)[-1]["text"])


def test_polling_mode_forwards_updates_to_the_same_handlers(bot, fake_telegram):
    user = new_user()
    fake_telegram.queue_update(message_update(user, "thanks"))

    async def one_round():
        from channels.telegram_bot import _bot

        async with _bot(settings_for(fake_telegram)) as telegram, aiohttp.ClientSession() as http:
            return await poll_once(telegram, http, bot.url, TELEGRAM_WEBHOOK_SECRET, None, timeout=0)

    offset = asyncio.run(one_round())
    assert offset == max(u["update_id"] for u in fake_telegram.updates) + 1
    wait_for_text(fake_telegram, user, "welcome")


def test_set_webhook_registers_our_route_with_the_secret_and_our_update_types(fake_telegram):
    url = asyncio.run(set_webhook(settings_for(fake_telegram), "https://bot.example/"))
    call = fake_telegram.calls_to("setWebhook")[-1]
    assert url == call.params["url"] == "https://bot.example/webhooks/telegram/webhook"
    assert call.params["secret_token"] == TELEGRAM_WEBHOOK_SECRET
    assert sorted(call.params["allowed_updates"]) == ["callback_query", "edited_message", "message"]


def test_the_token_is_in_no_log_line_and_the_channel_reports_ready(bot):
    assert requests.get(f"{bot.url}/webhooks/telegram/", timeout=10).json() == {"status": "ok"}
    log = (bot.logs / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "Telegram channel ready" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
