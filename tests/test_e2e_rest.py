"""Conversations over the REST channel with the real Rasa and action servers."""
import uuid

import pytest
import requests

from bot.faq import load_contact


def sender():
    return f"e2e-{uuid.uuid4().hex[:8]}"


def texts(replies):
    return "\n".join(r.get("text", "") for r in replies)


def test_chinese_faq_conversation(bot):
    me = sender()
    greeting = bot.say(me, "你好")
    assert "KDPay" in texts(greeting) and "/faq/password_reset" in [b["payload"] for r in greeting for b in r.get("buttons", [])]
    answer = bot.say(me, "我忘记密码了怎么办")
    assert "忘记密码?" in texts(answer)
    assert answer[0]["buttons"][0]["payload"] == "/reset_password"
    contact = load_contact()
    reply = texts(bot.say(me, "客服电话是多少"))
    assert contact["hotline"].zh in reply and "官方号码" in reply
    assert texts(bot.say(me, "谢谢")).startswith("不客气")


def test_english_faq_conversation(bot):
    me = sender()
    assert "KDPay Assist" in texts(bot.say(me, "hello"))
    assert "Forgot password?" in texts(bot.say(me, "how can I reset my password?"))
    assert "exchange rate" in texts(bot.say(me, "can I send money to another country?"))
    assert "SMS or e-mail" in texts(bot.say(me, "how does a transaction dispute work"))
    assert texts(bot.say(me, "thanks")).startswith("You're welcome")


def test_language_switches_with_the_customer(bot):
    me = sender()
    assert "Refund" in texts(bot.say(me, "what is the refund policy"))
    assert "退款" in texts(bot.say(me, "那退款要多久"))


def test_topic_buttons_answer_exactly_their_topic(bot):
    me = sender()
    bot.say(me, "hi")
    assert "two-step verification" in texts(bot.say(me, "/faq/account_security"))
    assert texts(bot.say(me, "/check_status"))


def test_typed_restart_does_not_restart_the_conversation(bot):
    me = sender()
    bot.say(me, "hello")
    replies = bot.say(me, "/restart")
    assert replies, "a restart would answer nothing; a typed command must get a reply"


@pytest.mark.parametrize(
    "hostile",
    ["<img src=x onerror=alert(1)>", "'; DROP TABLE customers; --", "😀😀😀", "\u0000\u0007", "%s%s%n", "{{7*7}}"],
)
def test_hostile_input_gets_a_polite_reply(bot, hostile):
    replies = bot.say(sender(), hostile)
    assert replies and all(r.get("text") for r in replies)
    assert "<img" not in texts(replies)


def test_empty_and_huge_messages_are_refused_politely(bot):
    assert "空消息" in texts(bot.say(sender(), "   "))
    assert "too long" in texts(bot.say(sender(), "please help " * 500))
    assert "太长" in texts(bot.say(sender(), "帮帮我" * 1000))


def test_malformed_requests_get_400_with_a_reason(bot):
    url = f"{bot.url}/webhooks/rest/webhook"
    assert requests.post(url, data="not json", timeout=10).status_code == 400
    assert requests.post(url, json=["a"], timeout=10).status_code == 400
    assert requests.post(url, json={"sender": 5, "message": "hi"}, timeout=10).status_code == 400
    response = requests.post(url, json={"sender": "x", "message": {"a": 1}}, timeout=10)
    assert response.status_code == 400 and "message" in response.json()["error"]


VAGUE_MESSAGES = [
    "帮帮我", "我有个问题", "那个", "不太明白你说的", "嗯……怎么说呢", "help me with this thing",
    "hmm", "something is wrong", "I need help", "这个怎么弄", "问一下", "can you help", "about my stuff",
]


def low_confidence(parse, messages):
    return [m for m in messages if parse(m)["intent"]["name"] == "nlu_fallback"]


def test_unclear_messages_get_did_you_mean_then_an_agent(bot, parse):
    """Vague messages the model is unsure about (found with the same model) go down the fallback path."""
    unclear = low_confidence(parse, VAGUE_MESSAGES)
    assert len(unclear) >= 2, f"none of {VAGUE_MESSAGES} falls below the NLU threshold"
    me = sender()
    first = bot.say(me, unclear[0])
    assert "你是想问" in texts(first) or "Did you mean" in texts(first)
    assert 1 <= len(first[0]["buttons"]) <= 2
    second = bot.say(me, unclear[1])
    assert [b["payload"] for b in second[0]["buttons"]] == ["/human_handoff"]
