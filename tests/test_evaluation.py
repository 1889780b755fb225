"""The pure parts of `make eval`: folds, metrics, labels, report rendering."""
from collections import Counter
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from bot.evaluation.dialogue_eval import parse_junit
from bot.evaluation.examples import load_examples, text_language
from bot.evaluation.folds import stratified_folds, stratified_subsample
from bot.evaluation.metrics import (
    accuracy, confusion_matrix, confusion_pairs, entity_scores, faq_accuracy,
    label_precision_recall, macro_f1, per_label, summarize,
)
from bot.evaluation.nlu_eval import predicted_label, predicted_spans, write_nlu_file
from bot.evaluation import pipelines
from bot.evaluation.report import best_pipeline, plot_confusion, render_report

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, language", [
    ("忘记密码怎么办", "zh"), ("忘記密碼怎麼辦", "zh"), ("我的KDPay password忘了", "zh"),
    ("reset my password", "en"), ("T20261102-0001", "en"), ("", "en"), ("😀", "en"),
])
def test_language_is_zh_when_any_cjk_character(text, language):
    assert text_language(text) == language


LABELS = ["a"] * 10 + ["b"] * 5 + ["c"] * 15


def test_folds_test_every_example_once_and_keep_label_shares():
    folds = stratified_folds(LABELS, 5)
    tested = [i for _, test in folds for i in test]
    assert sorted(tested) == list(range(len(LABELS)))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == len(LABELS)
        assert Counter(LABELS[i] for i in test) == {"a": 2, "b": 1, "c": 3}


def test_folds_are_the_same_on_every_call():
    assert stratified_folds(LABELS, 3) == stratified_folds(LABELS, 3)
    assert stratified_folds(LABELS, 3) != stratified_folds(LABELS, 3, seed=7)


def test_subsample_keeps_every_label_in_proportion():
    kept = stratified_subsample(LABELS, 0.5)
    assert len(kept) == 15 and len(set(kept)) == 15
    assert Counter(LABELS[i] for i in kept) == {"a": 5, "b": 2, "c": 8} or \
        Counter(LABELS[i] for i in kept) == {"a": 5, "b": 3, "c": 7}
    assert stratified_subsample(LABELS, 1.0) == list(range(30))


# Hand-computed: a: P 1/1 R 1/2 F1 2/3; b: P 2/3 R 2/2 F1 0.8; c: P 0 R 0 F1 0.
GOLD = ["a", "a", "b", "b", "c"]
PREDICTED = ["a", "b", "b", "b", "nlu_fallback"]


def test_metrics_match_a_hand_computed_example():
    assert accuracy(GOLD, PREDICTED) == pytest.approx(0.6)
    scores = per_label(GOLD, PREDICTED)
    assert set(scores) == {"a", "b", "c"}  # nlu_fallback is no class of its own
    assert (scores["a"].precision, scores["a"].recall, scores["a"].f1) == pytest.approx((1, 0.5, 2 / 3))
    assert (scores["b"].precision, scores["b"].recall, scores["b"].f1) == pytest.approx((2 / 3, 1, 0.8))
    assert scores["c"].f1 == 0 and scores["c"].support == 1
    assert macro_f1(GOLD, PREDICTED) == pytest.approx((2 / 3 + 0.8) / 3)
    assert macro_f1(GOLD, PREDICTED) == pytest.approx(
        f1_score(GOLD, PREDICTED, labels=["a", "b", "c"], average="macro", zero_division=0))


def test_out_of_scope_and_faq_scores():
    gold = ["out_of_scope", "out_of_scope", "out_of_scope", "greet", "faq/fees", "faq/fees", "faq/refunds"]
    predicted = ["out_of_scope", "nlu_fallback", "greet", "out_of_scope", "faq/fees", "faq/refunds", "faq/refunds"]
    assert label_precision_recall(gold, predicted, "out_of_scope") == pytest.approx((0.5, 1 / 3))
    assert faq_accuracy(gold, predicted) == pytest.approx(2 / 3)
    assert faq_accuracy(["greet"], ["greet"]) is None
    summary = summarize(gold, predicted, ["en"] * 4 + ["zh"] * 3)
    assert summary["oos_recall_fallback_ok"] == pytest.approx(2 / 3)
    assert summary["fallback_rate"] == pytest.approx(1 / 7)
    assert summary["by_language"]["zh"]["accuracy"] == pytest.approx(2 / 3)
    assert summary["by_language"]["en"]["accuracy"] == pytest.approx(1 / 4)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        accuracy(["a"], [])


def test_confusion_pairs_rank_by_count_then_name():
    gold = ["x", "x", "x", "y", "y", "z", "z"]
    predicted = ["y", "y", "x", "z", "x", "x", "y"]
    assert confusion_pairs(gold, predicted) == [("x", "y", 2), ("y", "x", 1), ("y", "z", 1),
                                                ("z", "x", 1), ("z", "y", 1)]
    assert confusion_pairs(gold, predicted, top=1) == [("x", "y", 2)]
    assert confusion_pairs(["a"], ["a"]) == []


def test_confusion_matrix_puts_predicted_only_labels_last():
    labels, counts = confusion_matrix(GOLD, PREDICTED)
    assert labels == ["a", "b", "c", "nlu_fallback"]
    assert counts == [[1, 1, 0, 0], [0, 2, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]


def test_entity_scores_need_type_and_exact_span():
    gold = [(("amount", 0, 4), ("date", 5, 7)), (), (("email", 3, 20),)]
    predicted = [(("amount", 0, 4), ("date", 5, 8)), (("phone", 0, 11),), (("email", 3, 20),)]
    scores = entity_scores(gold, predicted)
    assert scores["all"]["tp"] == 2 and scores["all"]["fp"] == 2 and scores["all"]["fn"] == 1
    assert scores["all"]["precision"] == pytest.approx(0.5)
    assert scores["all"]["recall"] == pytest.approx(2 / 3)
    assert scores["date"]["recall"] == 0 and scores["phone"]["precision"] == 0


def test_predicted_label_reads_the_faq_topic():
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"
    assert predicted_label({"intent": {"name": "faq", "full_retrieval_intent_name": "faq/fees"}}) == "faq/fees"
    selector = {"faq": {"response": {"intent_response_key": "faq/refund_policy"}}}
    assert predicted_label({"intent": {"name": "faq"}, "response_selector": selector}) == "faq/refund_policy"
    assert predicted_label({"intent": {"name": "nlu_fallback"}}) == "nlu_fallback"
    entities = [{"entity": "amount", "start": 1, "end": 4, "extractor": "SpacyRuleEntityExtractor"},
                {"entity": "amount", "start": 1, "end": 4, "extractor": "DIETClassifier"}]
    assert predicted_spans({"entities": entities}) == (("amount", 1, 4),)


def test_training_file_round_trips_through_rasa(tmp_path):
    examples = load_examples([PROJECT_DIR / "tests" / "data" / "nlu_heldout_fresh.yml"])
    path = write_nlu_file(examples, tmp_path / "train.yml")
    assert load_examples([path]) == examples
    assert any(e.intent.startswith("faq/") for e in examples)


def test_entity_gold_set_has_spans_and_negatives():
    examples = load_examples([PROJECT_DIR / "bot" / "evaluation" / "data" / "entities.yml"])
    assert sum(len(e.entities) for e in examples) >= 30
    assert sum(not e.entities for e in examples) >= 8
    for example in examples:
        assert all(0 <= start < end <= len(example.text) for _, start, end in example.entities)


def test_pipeline_variants_of_the_real_config():
    config = pipelines.load_config(PROJECT_DIR / "config.yml")
    no_char = pipelines.without_char_ngrams(config)
    assert len(no_char["pipeline"]) == len(config["pipeline"]) - 1
    assert not any(c.get("analyzer") == "char_wb" for c in no_char["pipeline"])
    with pytest.raises(ValueError):
        pipelines.without_char_ngrams(no_char)
    ted = pipelines.with_ted_policy(config)
    assert [p["name"] for p in ted["policies"]][-1] == "TEDPolicy"
    assert len(ted["policies"]) == len(config["policies"]) + 1
    quick = pipelines.with_fewer_epochs(config, diet=5, selector=5)
    assert {c["epochs"] for c in quick["pipeline"] if "epochs" in c} == {5}
    assert config == pipelines.load_config(PROJECT_DIR / "config.yml")  # untouched


def _summary(accuracy_: float, f1: float) -> dict:
    return {"n": 10, "accuracy": accuracy_, "macro_f1": f1, "faq_accuracy": 0.5, "oos_precision": 1.0,
            "oos_recall": 0.25, "oos_recall_fallback_ok": 0.5, "fallback_rate": 0.1,
            "by_language": {"zh": {"n": 6, "accuracy": 0.5, "macro_f1": 0.4}}}


def test_best_pipeline_prefers_faster_when_close():
    cv = {"slow": {"summary": _summary(0.9, 0.903), "train_seconds_mean": 200},
          "fast": {"summary": _summary(0.9, 0.900), "train_seconds_mean": 100},
          "bad": {"summary": _summary(0.8, 0.800), "train_seconds_mean": 10}}
    assert best_pipeline(cv) == "fast"
    assert best_pipeline(cv, tolerance=0.001) == "slow"
    assert best_pipeline({}) is None


def test_report_renders_tables_and_the_fallback_rule():
    metrics = {
        "settings": {"mode": "smoke", "model": "models/kdpay.tar.gz", "folds": 2, "seed": 42,
                     "subsample": 0.35, "cv_examples": 400},
        "generated": "2026-11-25 15:00 UTC", "seconds": 12.0,
        "heldout": {"nlu_heldout.yml": {"summary": _summary(0.95, 0.94), "parse_ms": 12.5,
                                        "confusion_pairs": [["faq/fees", "request_refund", 3]]}},
        "cross_validation": {"current": {"summary": _summary(0.9, 0.88), "description": "config.yml as is",
                                         "train_seconds_mean": 61.0, "parse_ms": 9.0,
                                         "confusion_pairs": []}},
        "best_pipeline": "current",
        "dialogue": {"story_test": {"conversations_correct": 55, "conversations_total": 56,
                                    "conversation_success": 55 / 56, "action_success": 0.99}},
        "notes": [],
    }
    text = render_report(metrics)
    assert text.startswith("# KDPay Assist evaluation (smoke)")
    assert "| nlu_heldout.yml (n=10) | 95.0% | 50.0% | n/a | 94.0% | 40.0% | n/a | 50.0% | 100.0% | 25.0% | 50.0% | 10.0% | - | 12.5 |" in text
    assert "- faq/fees -> request_refund: 3" in text
    assert "**Best: current**" in text and "| 61 | 9.0 |" in text
    assert "55/56 conversations (98.2%)" in text
    assert "nlu_fallback" in text and "2-fold" in text and "35.0% subsample" in text


def test_report_renders_policies_flows_and_errors():
    story = {"conversations_correct": 50, "conversations_total": 56, "conversation_success": 50 / 56,
             "action_success": 0.95, "train_seconds": 250.0}
    metrics = {
        "settings": {"mode": "full", "model": "m", "folds": 5, "seed": 42}, "generated": "now",
        "heldout": {},
        "dialogue": {"policies": {"current": story, "+ TEDPolicy": {**story, "conversations_correct": 56,
                                                                     "conversation_success": 1.0}},
                     "e2e_flows": {"passed": 1, "total": 2, "files": ["tests/test_e2e_rest.py"],
                                   "flows": [{"flow": "test_a", "file": "test_e2e_rest", "status": "passed"},
                                             {"flow": "test_b", "file": "test_e2e_rest", "status": "failed"}]}},
        "errors": ["end-to-end flows: boom"],
    }
    text = render_report(metrics)
    assert "| + TEDPolicy | 56/56 (100.0%) | 95.0% | 250 |" in text
    assert "1/2 passed" in text and "| test_b | test_e2e_rest | failed |" in text
    assert "**ERROR:** end-to-end flows: boom" in text


def test_confusion_png_is_written(tmp_path):
    path = plot_confusion(["a", "b"], [[3, 1], [0, 0]], tmp_path / "c.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_junit_results_per_flow():
    xml = """<?xml version="1.0"?><testsuites><testsuite name="pytest">
      <testcase classname="tests.test_e2e_rest" name="test_a" time="1"/>
      <testcase classname="tests.test_e2e_rest" name="test_b[x]" time="1"><failure message="no"/></testcase>
      <testcase classname="tests.test_e2e_account" name="test_c" time="1"><skipped message="why"/></testcase>
      <testcase classname="tests.test_e2e_account" name="test_d" time="1"><error message="boom"/></testcase>
    </testsuite></testsuites>"""
    assert parse_junit(xml) == [
        {"flow": "test_a", "file": "test_e2e_rest", "status": "passed"},
        {"flow": "test_b[x]", "file": "test_e2e_rest", "status": "failed"},
        {"flow": "test_c", "file": "test_e2e_account", "status": "skipped"},
        {"flow": "test_d", "file": "test_e2e_account", "status": "error"},
    ]
