"""report.md and confusion.png from the collected metrics (metrics.json).

Rendering is a pure function of the metrics dictionary, so the report can be
regenerated, and tested, without training anything.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

FALLBACK_RULE = (
    "`nlu_fallback` (FallbackClassifier: confidence below threshold or ambiguous) is scored as a "
    "prediction of its own: it is wrong for every gold intent, including out_of_scope (the bot then "
    "asks \"did you mean\" instead of saying it cannot help). OOS recall counts only `out_of_scope` "
    "predictions; the column \"OOS R (+fb)\" also counts a fallback on an off-topic message as caught."
)

POLICIES_NOTE = (
    "Both policy sets are trained from config.yml (same NLU pipeline and data); TEDPolicy uses the "
    "MemoizationPolicy's max_history and 100 epochs. Train s counts only what was not in a private copy "
    "of the training cache of `make train` (so mostly the policies; NLU parts are reused). Stories are scored with e2e=True and without fail-on-prediction-errors, so "
    "every story counts."
)


def _pct(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _lang(summary: Dict[str, Any], language: str, key: str = "accuracy") -> str:
    entry = summary.get("by_language", {}).get(language)
    return _pct(entry[key]) if entry else "n/a"


def best_pipeline(cv: Dict[str, Dict[str, Any]], tolerance: float = 0.005) -> Optional[str]:
    """Highest CV macro-F1; within `tolerance` of it, the fastest to train wins."""
    if not cv:
        return None
    top = max(entry["summary"]["macro_f1"] for entry in cv.values())
    close = [name for name, entry in cv.items() if entry["summary"]["macro_f1"] >= top - tolerance]
    return min(close, key=lambda name: (cv[name]["train_seconds_mean"], name))


def _nlu_row(name: str, summary: Dict[str, Any], train: str, parse_ms: Optional[float]) -> str:
    return (
        f"| {name} | {_pct(summary['accuracy'])} | {_lang(summary, 'zh')} | {_lang(summary, 'en')} "
        f"| {_pct(summary['macro_f1'])} | {_lang(summary, 'zh', 'macro_f1')} | {_lang(summary, 'en', 'macro_f1')} "
        f"| {_pct(summary['faq_accuracy'])} "
        f"| {_pct(summary['oos_precision'])} | {_pct(summary['oos_recall'])} "
        f"| {_pct(summary['oos_recall_fallback_ok'])} | {_pct(summary['fallback_rate'])} "
        f"| {train} | {'n/a' if parse_ms is None else f'{parse_ms:.1f}'} |"
    )


_NLU_HEADER = (
    "| | accuracy | zh acc | en acc | macro-F1 | zh F1 | en F1 | FAQ topic acc | OOS P | OOS R "
    "| OOS R (+fb) | fallback | train s | parse ms/msg |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _pairs(pairs: Sequence[Sequence[Any]]) -> List[str]:
    return [f"- {gold} -> {predicted}: {count}" for gold, predicted, count in pairs] or ["- none"]


def render_report(metrics: Dict[str, Any]) -> str:
    settings = metrics["settings"]
    lines = [
        f"# KDPay Assist evaluation ({settings['mode']})",
        "",
        f"Generated {metrics['generated']} in {metrics.get('seconds', 0):.0f} s. "
        f"Model under test: `{settings['model']}`. Language: zh if the text has a CJK character, else en.",
        "",
        FALLBACK_RULE,
        "",
        "## Held-out sets (trained model)",
        "",
        _NLU_HEADER,
    ]
    for name, entry in metrics["heldout"].items():
        lines.append(_nlu_row(f"{name} (n={entry['summary']['n']})", entry["summary"], "-",
                              entry["parse_ms"]))
    for name, entry in metrics["heldout"].items():
        lines += ["", f"Worst intent pairs, {name} (gold -> predicted: count):", *_pairs(entry["confusion_pairs"])]

    cv = metrics.get("cross_validation", {})
    if cv:
        lines += [
            "",
            f"## Pipelines, {settings['folds']}-fold stratified cross-validation (same folds, seed {settings['seed']})",
            "",
            f"{settings['cv_examples']} training examples (data/nlu/*.yml incl. FAQ `faq/<topic>`)"
            + (f", stratified {_pct(settings['subsample'])} subsample" if settings.get("subsample", 1) < 1 else "")
            + ". Train s = mean seconds per fold model (wall clock, 2 shared cores); parse ms = mean per message.",
            "",
            _NLU_HEADER,
        ]
        for name, entry in cv.items():
            lines.append(_nlu_row(f"{name}: {entry['description']}", entry["summary"],
                                  f"{entry['train_seconds_mean']:.0f}", entry["parse_ms"]))
        best = metrics.get("best_pipeline")
        lines += ["", f"**Best: {best}** (highest cross-validated macro-F1; within 0.5 points, the faster to train)."]
        current = cv.get("current")
        if current:
            lines += ["", "Worst intent pairs, current pipeline, all folds:", *_pairs(current["confusion_pairs"]),
                      "", "confusion.png: the current pipeline's out-of-fold predictions (rows: gold, normalised)."]

    entities = metrics.get("entities")
    if entities:
        overall = entities["scores"]["all"]
        lines += [
            "",
            "## Entities (rule extractor, exact type + span)",
            "",
            f"{entities['source']}: precision {_pct(overall['precision'])}, recall {_pct(overall['recall'])} "
            f"(tp {overall['tp']}, fp {overall['fp']}, fn {overall['fn']}).",
            "",
            "| type | P | R | tp | fp | fn |",
            "|---|---|---|---|---|---|",
        ]
        for kind, s in entities["scores"].items():
            if kind != "all":
                lines.append(f"| {kind} | {_pct(s['precision'])} | {_pct(s['recall'])} | {s['tp']} | {s['fp']} | {s['fn']} |")

    dialogue = metrics.get("dialogue", {})
    if dialogue:
        lines += ["", "## Dialogue", ""]
        story = dialogue.get("story_test")
        if story:
            lines.append(
                f"Story tests (tests/test_stories.yml, e2e, trained model): {story['conversations_correct']}/"
                f"{story['conversations_total']} conversations ({_pct(story['conversation_success'])}), "
                f"action success {_pct(story['action_success'])}."
            )
        policies = dialogue.get("policies")
        if policies:
            lines += ["", "| policies | conversations | action success | train s |", "|---|---|---|---|"]
            for name, p in policies.items():
                lines.append(
                    f"| {name} | {p['conversations_correct']}/{p['conversations_total']} "
                    f"({_pct(p['conversation_success'])}) | {_pct(p['action_success'])} | {p['train_seconds']:.0f} |"
                )
            lines += ["", POLICIES_NOTE]
        flows = dialogue.get("e2e_flows")
        if flows:
            lines += [
                "",
                f"End-to-end REST flows (pytest {' '.join(flows.get('files', []))}, real servers): "
                f"{flows['passed']}/{flows['total']} passed.",
                "",
                "| flow | file | result |",
                "|---|---|---|",
            ]
            lines += [f"| {f['flow']} | {f['file']} | {f['status']} |" for f in flows["flows"]]
        elif dialogue.get("e2e_note"):
            lines += ["", dialogue["e2e_note"]]
    for error in metrics.get("errors", []):
        lines += ["", f"**ERROR:** {error}"]
    for note in metrics.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def plot_confusion(labels: Sequence[str], counts: Sequence[Sequence[int]], path: Path, title: str) -> Path:
    """Row-normalised confusion matrix with the raw counts written in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    matrix = np.array(counts, dtype=float)
    totals = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    size = max(6.0, 0.45 * len(labels) + 3)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(labels)))
    axes.set_yticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=90, fontsize=8)
    axes.set_yticklabels(labels, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count:
                axes.text(j, i, str(count), ha="center", va="center", fontsize=6,
                          color="white" if normalised[i, j] > 0.5 else "black")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
