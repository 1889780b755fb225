"""Pure scoring of predictions: accuracy, macro-F1, P/R of one label, worst pairs.

Labels are full intents (`faq/<topic>` for FAQ answers). A prediction may be a
label with no gold examples (notably `nlu_fallback`, the FallbackClassifier's
"not sure"): it counts as a miss for the gold label, and macro-F1 averages over
the gold labels only, so such labels lower recall but never add a class.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

FAQ_PREFIX = "faq/"
OUT_OF_SCOPE = "out_of_scope"
NLU_FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    _check(gold, predicted)
    return _ratio(sum(g == p for g, p in zip(gold, predicted)), len(gold))


def per_label(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, Scores]:
    """Precision, recall, F1 and support of every gold label."""
    _check(gold, predicted)
    hits: Counter = Counter(g for g, p in zip(gold, predicted) if g == p)
    gold_count, predicted_count = Counter(gold), Counter(predicted)
    scores = {}
    for label in sorted(gold_count):
        precision = _ratio(hits[label], predicted_count[label])
        recall = _ratio(hits[label], gold_count[label])
        scores[label] = Scores(precision, recall, _f1(precision, recall), gold_count[label])
    return scores


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = per_label(gold, predicted)
    return _ratio(sum(s.f1 for s in scores.values()), len(scores))


def label_precision_recall(
    gold: Sequence[str], predicted: Sequence[str], label: str
) -> Tuple[float, float]:
    """Precision and recall of one label (0.0 where undefined)."""
    _check(gold, predicted)
    hits = sum(g == p == label for g, p in zip(gold, predicted))
    return _ratio(hits, list(predicted).count(label)), _ratio(hits, list(gold).count(label))


def faq_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> Optional[float]:
    """Share of FAQ questions answered with exactly their topic (None: no FAQ gold)."""
    _check(gold, predicted)
    pairs = [(g, p) for g, p in zip(gold, predicted) if g.startswith(FAQ_PREFIX)]
    return _ratio(sum(g == p for g, p in pairs), len(pairs)) if pairs else None


def fallback_rate(predicted: Sequence[str]) -> float:
    return _ratio(list(predicted).count(NLU_FALLBACK), len(predicted))


def confusion_pairs(
    gold: Sequence[str], predicted: Sequence[str], top: int = 10
) -> List[Tuple[str, str, int]]:
    """The most frequent (gold, predicted) mistakes, most frequent first, ties by name."""
    _check(gold, predicted)
    mistakes = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    ranked = sorted(mistakes.items(), key=lambda item: (-item[1], item[0]))
    return [(g, p, n) for (g, p), n in ranked[:top]]


def confusion_matrix(
    gold: Sequence[str], predicted: Sequence[str]
) -> Tuple[List[str], List[List[int]]]:
    """Labels (gold labels first, then predicted-only ones) and counts[gold][predicted]."""
    _check(gold, predicted)
    labels = sorted(set(gold)) + sorted(set(predicted) - set(gold))
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        counts[index[g]][index[p]] += 1
    return labels, counts


Span = Tuple[str, int, int]


def entity_scores(
    gold: Sequence[Iterable[Span]], predicted: Sequence[Iterable[Span]]
) -> Dict[str, Dict[str, float]]:
    """Exact-span (type, start, end) precision/recall/F1, overall and per entity type."""
    if len(gold) != len(predicted):
        raise ValueError("one list of spans per message, for gold and predicted")
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for gold_spans, predicted_spans in zip(gold, predicted):
        g: Set[Span] = set(gold_spans)
        p: Set[Span] = set(predicted_spans)
        for span in g & p:
            tp[span[0]] += 1
        for span in p - g:
            fp[span[0]] += 1
        for span in g - p:
            fn[span[0]] += 1

    def scores(t: int, f_p: int, f_n: int) -> Dict[str, float]:
        precision, recall = _ratio(t, t + f_p), _ratio(t, t + f_n)
        return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
                "tp": t, "fp": f_p, "fn": f_n}

    result = {"all": scores(sum(tp.values()), sum(fp.values()), sum(fn.values()))}
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        result[kind] = scores(tp[kind], fp[kind], fn[kind])
    return result


def summarize(
    gold: Sequence[str], predicted: Sequence[str], languages: Sequence[str]
) -> Dict[str, object]:
    """All intent numbers of one evaluation, overall and per language."""
    _check(gold, predicted)
    oos_precision, oos_recall = label_precision_recall(gold, predicted, OUT_OF_SCOPE)
    # Lenient view: a fallback on an off-topic message also keeps the bot from
    # answering it as if it were in scope.
    lenient = [OUT_OF_SCOPE if p == NLU_FALLBACK else p for p in predicted]
    summary: Dict[str, object] = {
        "n": len(gold),
        "accuracy": accuracy(gold, predicted),
        "macro_f1": macro_f1(gold, predicted),
        "faq_accuracy": faq_accuracy(gold, predicted),
        "oos_precision": oos_precision,
        "oos_recall": oos_recall,
        "oos_recall_fallback_ok": label_precision_recall(gold, lenient, OUT_OF_SCOPE)[1],
        "fallback_rate": fallback_rate(predicted),
        "by_language": {},
    }
    for language in sorted(set(languages)):
        chosen = [i for i, lang in enumerate(languages) if lang == language]
        g = [gold[i] for i in chosen]
        p = [predicted[i] for i in chosen]
        summary["by_language"][language] = {  # type: ignore[index]
            "n": len(g), "accuracy": accuracy(g, p), "macro_f1": macro_f1(g, p),
        }
    return summary


def _check(gold: Sequence[str], predicted: Sequence[str]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
