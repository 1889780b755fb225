"""Account flows over the REST channel with the real servers and a real database."""
import re
import uuid
from datetime import datetime, timezone

from bot.backend.customer_tokens import issue_customer_token
from bot.backend.db import make_engine, session_scope
from bot.backend.outbox import messages_for
from conftest import TOKEN_SECRET


def sender():
    return f"acct-{uuid.uuid4().hex[:8]}"


def texts(replies):
    return "\n".join(r.get("text", "") for r in replies)


def payloads(replies):
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def token_for(customer_id):
    return issue_customer_token(customer_id, TOKEN_SECRET, datetime.now(timezone.utc))


def latest_code(bot, address):
    engine = make_engine(bot.database_url)
    with session_scope(engine) as session:
        body = messages_for(session, address)[-1].body
    engine.dispose()
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_signed_in_customer_opens_a_dispute_and_asks_its_status_in_chinese(bot):
    me, signed_in = sender(), {"metadata": {"customer_token": token_for("C-1003")}}
    replies = bot.say(me, "我要对一笔交易发起争议", **signed_in)
    assert "T20261029-0201" in payloads(replies)  # their own recent transaction, as a button
    replies = bot.say(me, "T20261029-0201", **signed_in)
    assert '/inform{"dispute_reason":"not_received"}' in payloads(replies)
    assert "证据" in texts(bot.say(me, '/inform{"dispute_reason":"not_received"}', **signed_in))
    summary = bot.say(me, "卖家收款后一直没有发货,我有聊天记录", **signed_in)
    assert "请确认" in texts(summary) and "T20261029-0201" in texts(summary)
    done = texts(bot.say(me, "确认", **signed_in))
    ticket = re.search(r"DSP-\d{6}", done).group(0)
    assert "短信或邮件" in done
    status = texts(bot.say(me, f"{ticket} 处理到哪了", **signed_in))
    assert ticket in status and "已受理" in status
    # Verified once, the conversation stays verified (nothing was rolled back).
    assert "wang.fang" not in texts(bot.say(me, "帮我重置密码"))
    assert "w***@example.com" in texts(bot.say(me, "再发一次重置密码链接"))


def test_anonymous_customer_verifies_by_code_and_gets_refunds_refused_and_granted(bot):
    me = sender()
    assert "verify" in texts(bot.say(me, "I want a refund please"))
    assert "6-digit code" in texts(bot.say(me, "alex@example.com"))
    code = latest_code(bot, "alex@example.com")
    replies = bot.say(me, code)
    assert "verified" in texts(replies)
    assert "T20261103-0101" in payloads(replies)
    refused = bot.say(me, "T20260815-0105")  # outside the refund window
    assert "refund window" in texts(refused)
    assert payloads(refused) == ["/open_dispute", "/human_handoff"]
    # Same conversation, still verified: a refund that is granted.
    bot.say(me, "I'd like a refund for another payment")
    bot.say(me, "T20261103-0101")
    summary = bot.say(me, '/inform{"refund_reason":"wrong_amount"}')
    assert "Please confirm" in texts(summary)
    done = texts(bot.say(me, "yes"))
    assert re.search(r"RFD-\d{6}", done)


def test_someone_elses_transaction_and_a_cancelled_form(bot):
    me, signed_in = sender(), {"metadata": {"customer_token": token_for("C-1001")}}
    bot.say(me, "please open a dispute for me", **signed_in)
    reply = texts(bot.say(me, "T20261103-0101", **signed_in))  # Alex's transaction
    assert "can't find transaction T20261103-0101" in reply
    assert "cancelled" in texts(bot.say(me, "cancel", **signed_in)).lower()


def test_a_forged_or_expired_token_is_not_trusted(bot):
    me = sender()
    forged = issue_customer_token("C-1001", "another-secret-that-is-long-enough-0000", datetime.now(timezone.utc))
    assert "verify" in texts(bot.say(me, "lock my account now", metadata={"customer_token": forged}))
    me = sender()
    assert "verify" in texts(bot.say(me, "lock my account", metadata={"customer_id": "C-1001"}))


def test_card_numbers_passwords_and_stray_codes_are_never_echoed(bot):
    me = sender()
    reply = texts(bot.say(me, "my card is 4111 1111 1111 1111"))
    assert "card number" in reply and "4111" not in reply
    reply = texts(bot.say(me, "我的密码是hunter2"))
    assert "密码" in reply and "hunter2" not in reply
    assert "one-time codes" in texts(bot.say(me, "my code is 123456"))


def test_server_logs_hold_no_email_phone_or_card_number(bot):
    me = sender()
    bot.say(me, "I want to lock my account")
    bot.say(me, "my email is lin@example.com")
    bot.say(me, "and my phone is 13800138000")
    bot.say(sender(), "card 4111 1111 1111 1111")
    logs = "".join(path.read_text(errors="replace") for path in bot.logs.glob("*.log"))
    for secret in ("lin@example.com", "13800138000", "4111 1111 1111 1111", "4111111111111111"):
        assert secret not in logs
