"""The pure parts of the benchmarks: percentiles, the report's shape, and tracker-vs-client reconciliation."""
import json
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.benchmark import report as reporting
from bot.benchmark.customers import FAQ, GREET, SCRIPTS, Budget, TurnRecord, judge, reply_matches, scripts_for
from bot.benchmark.nlu import predicted_intent
from bot.benchmark.reconcile import ClientTurn, reconcile, server_turns, summarise
from bot.benchmark.servers import rss_kb, tree_rss_kb
from bot.benchmark.soak import client_conversations, memory_summary
from bot.benchmark.stats import percentile, summarise_ms


# --- percentiles -----------------------------------------------------------

def test_percentiles_of_a_known_list():
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert percentile(values, 50) == 55
    assert percentile(values, 0) == 10 and percentile(values, 100) == 100
    assert percentile(values, 95) == pytest.approx(95.5)
    assert percentile([7], 99) == 7
    assert percentile([], 50) is None


def test_percentile_rejects_nonsense_q():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


@given(st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=200),
       st.floats(min_value=0, max_value=100))
def test_percentile_agrees_with_numpy(values, q):
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-9)


def test_latency_summary_is_in_milliseconds():
    summary = summarise_ms([0.010, 0.020, 0.030, 0.040])
    assert summary == {"n": 4, "p50_ms": 25.0, "p95_ms": 38.5, "p99_ms": 39.7, "mean_ms": 25.0, "max_ms": 40.0}
    assert summarise_ms([])["p95_ms"] is None


# --- customers -------------------------------------------------------------

def test_replies_are_judged_by_the_expected_phrases():
    faq = next(turn for turn in SCRIPTS[1].turns if turn.kind == FAQ)
    assert reply_matches(faq, ["Forgot your password? You can reset it in a few steps"])
    assert not reply_matches(faq, ["Sorry, I didn't get that."])
    greet = SCRIPTS[0].turns[0]
    assert greet.kind == GREET and reply_matches(greet, ["你好!我是KDPay智能客服小K"])


def test_a_turn_without_replies_or_with_the_wrong_reply_is_an_error():
    turn = SCRIPTS[0].turns[0]
    empty = judge(TurnRecord("rest", 0, "c", 0, turn.text, turn.kind, 0.0, latency_s=0.1), turn)
    wrong = judge(TurnRecord("rest", 0, "c", 0, turn.text, turn.kind, 0.0, 0.1, 1, texts=["no idea"]), turn)
    right = judge(TurnRecord("rest", 0, "c", 0, turn.text, turn.kind, 0.0, 0.1, 1, texts=["我是KDPay智能客服"]), turn)
    timed_out = judge(TurnRecord("rest", 0, "c", 0, turn.text, turn.kind, 0.0, error="timeout"), turn)
    assert (empty.error, wrong.error, right.error, timed_out.error) == ("empty", "unexpected", None, "timeout")


def test_every_customer_gets_a_reproducible_script_sequence_from_the_mix():
    first = [s.name for s, _ in zip(scripts_for(3), range(20))]
    assert first == [s.name for s, _ in zip(scripts_for(3), range(20))]
    assert first != [s.name for s, _ in zip(scripts_for(4), range(20))]
    assert set(first) <= {s.name for s in SCRIPTS}


def test_a_message_budget_runs_out_and_a_deadline_passes():
    budget = Budget(messages=3)
    assert [budget.take() for _ in range(5)] == [True, True, True, False, False]
    now = [0.0]
    timed = Budget(deadline=10.0, clock=lambda: now[0])
    assert timed.take()
    now[0] = 10.0
    assert not timed.take()


# --- report ----------------------------------------------------------------

def record(channel, latency, kind=FAQ, error=None, customer=0):
    return TurnRecord(channel, customer, "c", 0, "t", kind, 0.0, latency, 1 if latency else 0, error)


def fake_report():
    fast = [record("rest", 0.02 + i / 1000) for i in range(40)]
    slow = [record("rest", 0.2 + i / 100) for i in range(98)] + [record("rest", None, error="timeout")] * 2
    levels = [
        reporting.summarise_level(fast, 1.0, "ours", "rest", 1, 700.0),
        reporting.summarise_level(slow, 0.8, "ours", "rest", 50, 900.0),
        reporting.summarise_level(slow[:40], 2.0, "baseline", "rest", 50, 800.0),
    ]
    report = {key: None for key in reporting.REPORT_KEYS}
    report.update(started="now", mode="full", levels=levels, cold_start_s=12.5, rss_max_mb=900.0, nlu_parse=[],
                  baseline={"throughput_ratio_50": round(levels[1]["msgs_per_s"] / levels[2]["msgs_per_s"], 2)})
    report["targets"] = reporting.evaluate_targets(report)
    return report


def test_a_level_summary_counts_errors_by_kind_and_throughput_of_answered_messages():
    level = fake_report()["levels"][1]
    assert set(level) == set(reporting.LEVEL_KEYS)
    assert level["messages"] == 100 and level["answered"] == 98
    assert level["errors"] == 2 and level["error_kinds"] == {"timeout": 2}
    assert level["msgs_per_s"] == pytest.approx(98 / 0.8, abs=0.1)
    assert level["latency"]["n"] == 98 and level["faq_latency"]["n"] == 98


def test_targets_are_judged_on_the_right_numbers():
    targets = {t["target"]: t for t in fake_report()["targets"]}
    assert targets["1 customer, REST, FAQ turns p95 (ms)"]["status"] == "PASS"  # ~58 ms
    assert targets["50 customers, rest: msg/s"]["status"] == "PASS"
    assert targets["50 customers, rest: p95 (ms)"]["status"] == "FAIL"  # ~1.2 s
    assert targets["50 customers, rest: errors"]["measured"] == 2
    assert targets["50 customers, socketio: msg/s"]["status"] == "n/a"  # not run
    assert targets["throughput ours/baseline (REST, 50 customers)"]["measured"] == pytest.approx(6.12)
    assert targets["cold start (s)"]["status"] == "PASS" and targets["RSS, Rasa + action server (MB)"]["status"] == "PASS"


def test_the_report_is_written_as_json_with_every_key_and_a_plot(tmp_path):
    report = fake_report()
    reporting.write_json(report, tmp_path / "bench.json")
    reporting.plot_latency(report, tmp_path / "latency.png")
    written = json.loads((tmp_path / "bench.json").read_text())
    assert set(written) == set(reporting.REPORT_KEYS)
    assert all(set(level) == set(reporting.LEVEL_KEYS) for level in written["levels"])
    assert (tmp_path / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = reporting.table(report)
    assert "FAIL" in text and "baseline" in text


def test_faq_answers_count_as_their_sub_intent_for_either_response_selector():
    ours = {"intent": {"name": "faq"}, "response_selector": {"faq": {"response": {"intent_response_key": "faq/refund_policy"}}}}
    default = {"intent": {"name": "faq"}, "response_selector": {"default": {"response": {"intent_response_key": "faq/contact"}}}}
    assert predicted_intent(ours) == "faq/refund_policy"
    assert predicted_intent(default) == "faq/contact"
    assert predicted_intent({"intent": {"name": "greet"}}) == "greet"


# --- reconciliation --------------------------------------------------------

def events(*turns, before=0):
    """Tracker events: optional bot events first, then each (user text, number of bot replies)."""
    out = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]
    out += [{"event": "bot", "text": "hello"}] * before
    for text, replies in turns:
        out += [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text},
                {"event": "user_featurization"}]
        out += [{"event": "action", "name": "utter_x"}, {"event": "bot", "text": "r"}] * replies
    return out


def test_a_matching_conversation_reconciles():
    client = [ClientTurn("hi", 2), ClientTurn("thanks", 1)]
    assert reconcile("c", client, events(("hi", 2), ("thanks", 1))).ok
    assert server_turns(events(("hi", 2), ("thanks", 1))) == ([("hi", 2), ("thanks", 1)], 0)


def test_a_lost_message_is_found():
    result = reconcile("c", [ClientTurn("hi", 2), ClientTurn("thanks", 1)], events(("hi", 2)))
    assert not result.ok and result.lost == ["thanks"]


def test_a_duplicated_message_is_found_even_when_the_text_repeats_legitimately():
    client = [ClientTurn("hi", 1), ClientTurn("hi", 1)]
    assert reconcile("c", client, events(("hi", 1), ("hi", 1))).ok
    result = reconcile("c", client, events(("hi", 1), ("hi", 1), ("hi", 1)))
    assert result.duplicated == ["hi"] and not result.ok


def test_messages_out_of_order_are_found():
    result = reconcile("c", [ClientTurn("a", 1), ClientTurn("b", 1)], events(("b", 1), ("a", 1)))
    assert result.out_of_order and not result.ok


def test_a_reply_count_that_differs_from_the_client_is_found():
    result = reconcile("c", [ClientTurn("hi", 2), ClientTurn("bye", 1)], events(("hi", 1), ("bye", 1)))
    assert result.reply_mismatches == [(0, "hi", 2, 1)] and not result.ok


def test_a_timed_out_turn_is_checked_for_presence_but_not_reply_count():
    assert reconcile("c", [ClientTurn("hi", None)], events(("hi", 3))).ok
    assert reconcile("c", [ClientTurn("hi", None)], events()).lost == ["hi"]


def test_bot_messages_nobody_asked_for_are_found():
    assert reconcile("c", [ClientTurn("hi", 1)], events(("hi", 1), before=1)).unanswered_bot_events == 1


def test_client_records_group_into_conversations_in_sending_order():
    records = [
        TurnRecord("rest", 0, "a", 1, "second", FAQ, 0.0, 0.1, 2),
        TurnRecord("rest", 0, "a", 0, "first", FAQ, 0.0, 0.1, 1),
        TurnRecord("rest", 0, "b", 0, "slow", FAQ, 0.0, None, 0, "timeout"),
        TurnRecord("socketio", 1, "x-connect", 0, "", "connect", 0.0, error="connection:ConnectionError"),
    ]
    assert client_conversations(records) == {
        "a": [ClientTurn("first", 1), ClientTurn("second", 2)],
        "b": [ClientTurn("slow", None)],
    }


def test_the_summary_totals_problems_over_conversations():
    results = [reconcile("ok", [ClientTurn("a", 1)], events(("a", 1))),
               reconcile("lost", [ClientTurn("a", 1), ClientTurn("b", 1)], events(("a", 1))),
               reconcile("dup", [ClientTurn("a", 1)], events(("a", 1), ("a", 1)))]
    summary = summarise(results)
    assert (summary["conversations"], summary["conversations_with_problems"]) == (3, 2)
    assert (summary["lost_messages"], summary["duplicated_messages"]) == (1, 1)
    assert [e["conversation"] for e in summary["examples"]] == ["lost", "dup"]


# --- memory ----------------------------------------------------------------

def test_memory_growth_is_measured_from_the_end_of_warm_up():
    samples = [{"t": 0, "total": 500.0}, {"t": 10, "total": 800.0}, {"t": 30, "total": 820.0},
               {"t": 40, "total": 900.0}, {"t": 50, "total": 830.0}]
    summary = memory_summary(samples, warmup_s=30)
    assert (summary["first_mb"], summary["after_warmup_mb"], summary["last_mb"], summary["max_mb"]) == (500, 820, 830, 900)
    assert summary["growth_after_warmup_mb"] == 10.0


def test_rss_is_read_from_proc():
    mine = rss_kb(os.getpid())
    assert 10_000 < mine < 10_000_000  # a Python process with numpy: tens of MB, in kB
    assert tree_rss_kb(os.getpid()) >= mine
    assert rss_kb(2 ** 22 + 1) == 0  # no such process
