"""The FAQ in faq/ is complete, bilingual, faithful, and what the bot says."""
import re

import pytest
import yaml

from bot import faq
from bot.faq import RESPONSES_FILE, build_responses, load_contact, load_faq, render_responses_file

TOPICS = ["password_reset", "dispute_process", "international_transfer", "account_security", "refund_policy", "contact_channels"]


def test_generated_responses_file_is_up_to_date():
    assert RESPONSES_FILE.read_text(encoding="utf-8") == render_responses_file(), "run `make faq`"


def test_every_documented_topic_is_answered_in_both_languages():
    entries = {e.topic: e for e in load_faq()}
    assert sorted(entries) == sorted(TOPICS)
    for entry in entries.values():
        for language in ("zh", "en"):
            answer = entry.answer[language]
            assert 40 <= len(answer) <= 1200
            assert "{" not in answer and "}" not in answer, "an unfilled placeholder"
            assert re.search(r"^1\. ", answer, re.MULTILINE), "answers use numbered steps"
        assert re.search(r"[\u4e00-\u9fff]", entry.answer.zh)
        assert not re.search(r"[\u4e00-\u9fff]", entry.answer.en)


def test_contact_answer_names_every_channel_from_the_operator_settings():
    contact = load_contact()
    answer = {e.topic: e for e in load_faq()}["contact_channels"].answer
    for key in ("website", "hotline", "email", "forum"):
        assert contact[key].zh in answer.zh and contact[key].en in answer.en
    assert contact["social"].zh in answer.zh and contact["social"].en in answer.en
    # The source document's warning: call only the official number.
    assert "官方号码" in answer.zh and "official number" in answer.en


@pytest.mark.parametrize(
    "topic, facts_zh, facts_en",
    [
        ("password_reset", ["忘记密码", "邮箱", "两次"], ["Forgot password", "e-mail", "twice"]),
        ("dispute_process", ["报告问题", "证据", "短信或邮件"], ["Report a problem", "evidence", "SMS or e-mail"]),
        ("international_transfer", ["汇率", "手续费", "国内转账"], ["exchange rate", "fees", "domestic"]),
        ("account_security", ["强密码", "两步验证", "公共Wi-Fi", "锁定账户"], ["strong password", "two-step verification", "public Wi-Fi", "lock your account"]),
        ("refund_policy", ["特定时间", "订单号", "原支付方式"], ["within a certain time", "order number", "original payment method"]),
    ],
)
def test_answers_carry_the_source_documents_key_facts(topic, facts_zh, facts_en):
    answer = {e.topic: e for e in load_faq()}[topic].answer
    for fact in facts_zh:
        assert fact in answer.zh
    for fact in facts_en:
        assert fact in answer.en


def test_answers_that_lead_to_an_action_offer_it_as_a_button():
    offers = {e.topic: e.offer.payload for e in load_faq() if e.offer}
    assert offers["password_reset"] == "/reset_password"
    assert offers["dispute_process"] == "/open_dispute"
    assert offers["refund_policy"] == "/request_refund"
    assert offers["account_security"] == "/lock_account"
    domain = yaml.safe_load(open(faq.PROJECT_DIR / "domain.yml", encoding="utf-8"))
    for payload in offers.values():
        assert payload[1:] in domain["intents"]


def test_responses_have_a_chinese_default_and_an_english_variation():
    responses = build_responses()
    for name in [f"utter_faq/{t}" for t in TOPICS] + ["utter_topics"]:
        default, english = responses[name]
        assert "condition" not in default
        assert english["condition"] == [{"type": "slot", "name": "language", "value": "en"}]
        assert [b["payload"] for b in default.get("buttons", [])] == [b["payload"] for b in english.get("buttons", [])]


def test_every_domain_response_has_both_languages():
    domain = yaml.safe_load(open(faq.PROJECT_DIR / "domain.yml", encoding="utf-8"))
    for name, variations in domain["responses"].items():
        conditions = [v.get("condition") for v in variations]
        assert conditions[0] is None, name
        assert {"type": "slot", "name": "language", "value": "en"} in [c[0] for c in conditions if c], name
