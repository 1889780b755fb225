"""Custom actions, run with rasa_sdk's Tracker and CollectingDispatcher."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionDidYouMean


def user_event(text, intent, ranking=(), faq_ranking=None):
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.3},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
    }
    if faq_ranking is not None:
        parse_data["response_selector"] = {"faq": {"ranking": [{"intent_response_key": k} for k in faq_ranking]}}
    return {"event": "user", "text": text, "parse_data": parse_data}


def run(events):
    dispatcher = CollectingDispatcher()
    latest = events[-1]["parse_data"]
    tracker = Tracker("s", {"language": "zh"}, latest, events, False, None, {}, "action_listen")
    asyncio.run(ActionDidYouMean().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_first_miss_offers_the_two_likeliest_topics_in_english():
    events = [user_event(
        "my money thing broke", "nlu_fallback",
        ranking=[("nlu_fallback", 0.45), ("faq", 0.3), ("greet", 0.1), ("request_refund", 0.1)],
        faq_ranking=["faq/refund_policy", "faq/password_reset"],
    )]
    [message] = run(events)
    assert message["text"].startswith("Sorry")
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Refund policy", "/faq/refund_policy"),
        ("Request a refund", "/request_refund"),
    ]


def test_first_miss_in_chinese_uses_chinese_labels():
    events = [user_event("钱那个东西坏了", "nlu_fallback", ranking=[("lock_account", 0.3), ("check_status", 0.2)])]
    [message] = run(events)
    assert message["text"].startswith("抱歉")
    assert [b["title"] for b in message["buttons"]] == ["锁定我的账户", "查询工单进度"]


def test_second_miss_in_a_row_offers_a_human_agent():
    events = [
        user_event("blah blah", "nlu_fallback", ranking=[("faq", 0.3)], faq_ranking=["faq/password_reset"]),
        {"event": "bot", "text": "Sorry, I'm not sure I understood. Did you mean:"},
        user_event("still blah", "nlu_fallback", ranking=[("faq", 0.3)], faq_ranking=["faq/password_reset"]),
    ]
    [message] = run(events)
    assert "human agent" in message["text"]
    assert message["buttons"] == [{"title": "Talk to an agent", "payload": "/human_handoff"}]


def test_a_miss_after_an_understood_message_asks_did_you_mean_again():
    events = [
        user_event("blah", "nlu_fallback", ranking=[("faq", 0.3)], faq_ranking=["faq/password_reset"]),
        user_event("/faq/password_reset", "faq"),
        user_event("blah again", "nlu_fallback", ranking=[("faq", 0.3)], faq_ranking=["faq/password_reset"]),
    ]
    [message] = run(events)
    assert "Did you mean" in message["text"]


def test_the_action_server_has_exactly_the_domains_custom_actions():
    from pathlib import Path

    import yaml
    from rasa_sdk.executor import ActionExecutor

    domain = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text(encoding="utf-8"))
    executor = ActionExecutor()
    executor.register_package("actions")
    assert sorted(executor.actions) == sorted(domain["actions"])
