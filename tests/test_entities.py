from datetime import date

import pytest

from bot.entities import EntityRules


@pytest.fixture(scope="module")
def rules():
    return EntityRules(today=lambda: date(2026, 11, 25))


def found(rules, text):
    return [(e.type, e.value, e.text) for e in rules.extract(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("交易号是T20261102-0001", [("transaction_id", "T20261102-0001", "T20261102-0001")]),
        ("t20261015-0007 refund please", [("transaction_id", "T20261015-0007", "t20261015-0007")]),
        ("DSP-000123 处理到哪了", [("ticket_id", "DSP-000123", "DSP-000123")]),
        ("status of rfd-000045?", [("ticket_id", "RFD-000045", "rfd-000045")]),
        ("退我¥100", [("amount", "100 CNY", "¥100")]),
        ("100元", [("amount", "100 CNY", "100元")]),
        ("退100块钱", [("amount", "100 CNY", "100块钱")]),
        ("$50 please", [("amount", "50 USD", "$50")]),
        ("it was 50 USD", [("amount", "50 USD", "50 USD")]),
        ("200美元", [("amount", "200 USD", "200美元")]),
        ("1,000.50 EUR", [("amount", "1000.50 EUR", "1,000.50 EUR")]),
        ("my email is Lin.Wei@Example.com", [("email", "lin.wei@example.com", "Lin.Wei@Example.com")]),
        ("手机 +86 138 0013 8000", [("phone", "+8613800138000", "+86 138 0013 8000")]),
        ("13800138000", [("phone", "13800138000", "13800138000")]),
        ("call +1 415 555 0100", [("phone", "+14155550100", "+1 415 555 0100")]),
        ("热线400-000-0000", [("phone", "4000000000", "400-000-0000")]),
        ("2026-11-02那笔", [("date", "2026-11-02", "2026-11-02")]),
        ("2026年11月2日", [("date", "2026-11-02", "2026年11月2日")]),
        ("11月2号的交易", [("date", "2026-11-02", "11月2号")]),
        ("昨天的交易", [("date", "2026-11-24", "昨天")]),
        ("yesterday", [("date", "2026-11-24", "yesterday")]),
    ],
)
def test_extracts_and_normalises(rules, text, expected):
    assert found(rules, text) == expected


def test_offsets_point_into_the_original_text(rules):
    text = "我要退  T20261102-0001 的 ¥99.5"
    for entity in rules.extract(text):
        assert text[entity.start:entity.end] == entity.text
    assert [e.type for e in rules.extract(text)] == ["transaction_id", "amount"]


@pytest.mark.parametrize(
    "text",
    ["忘记密码怎么办", "how do I reset my password", "123456", "2026-13-45", "T2026-0001",
     "<img src=x onerror=alert(1)>", "'; DROP TABLE customers; --", "😀😀", "", "   "],
)
def test_finds_nothing_where_there_is_nothing(rules, text):
    assert found(rules, text) == []


def test_rasa_component_adds_entities_with_its_name():
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.entity_extractor import SpacyRuleEntityExtractor

    extractor = SpacyRuleEntityExtractor.create({}, None, None, None)
    message = Message.build("退款 T20261102-0001 50 USD")
    extractor.process([message])
    entities = message.get("entities")
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities] == [
        ("transaction_id", "T20261102-0001", "SpacyRuleEntityExtractor"),
        ("amount", "50 USD", "SpacyRuleEntityExtractor"),
    ]
