import pytest

from bot.language import detect_language, normalise_language, reply_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("忘记密码怎么办", "zh"),
        ("忘記密碼怎麼辦", "zh"),
        ("how do I reset my password", "en"),
        ("我的KDPay password忘了", "zh"),
        ("帮我check一下RFD-000078的status", "zh"),
        ("How do I use 国际转账 with KDPay?", "en"),
        ("ok", "en"),
        ("好", "zh"),
    ],
)
def test_detects_the_language_of_a_message(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["T20261102-0001", "123456", "lin@example.com", "👍👍", "", None, "/faq/password_reset", "KDPay"]
)
def test_messages_without_words_tell_no_language(text):
    assert detect_language(text) is None


def test_reply_language_takes_the_newest_message_that_tells():
    assert reply_language(["T20261102-0001", "please refund this", "退款"]) == "en"
    assert reply_language(["退款", "please refund this"]) == "zh"


def test_reply_language_falls_back_to_the_preference_then_chinese():
    assert reply_language(["123456"], preferred="en") == "en"
    assert reply_language(["123456"], preferred="fr") == "zh"
    assert reply_language([]) == "zh"


@pytest.mark.parametrize("hint, expected", [("zh-CN", "zh"), ("en_US", "en"), ("EN", "en"), ("auto", None), ("fr", None), (None, None)])
def test_normalises_client_language_hints(hint, expected):
    assert normalise_language(hint) == expected
