import pytest

from bot.message_checks import Verdict, check_message
from bot.payloads import button_payloads

ALLOWED = {"/faq/password_reset", "/human_handoff"}


def check(text, max_chars=100):
    return check_message(text, ALLOWED, max_chars)


@pytest.mark.parametrize("text", [None, "", "   ", "\x00\x07", "\u200b", "/", "//  /"])
def test_empty_messages(text):
    assert check(text).verdict is Verdict.EMPTY


def test_too_long_messages():
    assert check("啊" * 101).verdict is Verdict.TOO_LONG
    assert check("啊" * 100).verdict is Verdict.OK


def test_our_button_payloads_pass_unchanged():
    assert check("/faq/password_reset") == check_message("/faq/password_reset", ALLOWED, 100)
    assert check(" /human_handoff ").text == "/human_handoff"


@pytest.mark.parametrize(
    "typed, passed_on",
    [
        ("/restart", "restart"),
        ("//restart", "restart"),
        ("/ /restart", "restart"),
        ('/lock_account{"customer": "C-2"}', 'lock_account{"customer": "C-2"}'),
        ("/faq/password_reset@1.0", "faq/password_reset@1.0"),
    ],
)
def test_typed_commands_become_plain_text(typed, passed_on):
    checked = check(typed)
    assert checked.verdict is Verdict.OK
    assert checked.text == passed_on
    assert not checked.text.startswith("/")


def test_control_characters_are_dropped_but_text_kept():
    assert check("忘记\x00密码\x1b怎么办").text == "忘记密码怎么办"
    assert check("<img src=x onerror=alert(1)>").text == "<img src=x onerror=alert(1)>"


def test_button_payloads_are_collected_from_responses():
    responses = {
        "utter_a": [{"text": "a", "buttons": [{"title": "x", "payload": "/faq/refund_policy"}]}],
        "utter_b": [{"text": "b"}, {"text": "c", "buttons": [{"title": "y", "payload": "just text"}]}],
    }
    assert button_payloads(responses) == {"/faq/refund_policy"}
