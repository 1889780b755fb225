"""Level summaries, targets, the printed table, bench.json and latency.png."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bot.benchmark.customers import FAQ, TurnRecord
from bot.benchmark.stats import summarise_ms

# The targets of issue 7 (README "Performance").
TARGET_ONE_CUSTOMER_FAQ_P95_MS = 60.0
TARGET_50_MSGS_PER_S = 100.0
TARGET_50_P95_MS = 500.0
TARGET_BASELINE_RATIO = 3.0
TARGET_COLD_START_S = 20.0
TARGET_RSS_MB = 1200.0

LEVEL_KEYS = ("server", "channel", "customers", "messages", "answered", "errors", "error_kinds", "error_examples",
              "wall_s", "msgs_per_s", "latency", "faq_latency", "rss_max_mb")
REPORT_KEYS = ("started", "mode", "host", "settings", "model", "training", "cold_start_s", "levels",
               "nlu_parse", "heldout_accuracy", "baseline", "rss_max_mb", "targets")


def summarise_level(records: Sequence[TurnRecord], wall_s: float, server: str, channel: str,
                    customers: int, rss_max_mb: Optional[float]) -> Dict[str, Any]:
    """One (server, channel, concurrency) level: latency of answered turns, throughput, errors by kind."""
    answered = [r for r in records if r.latency_s is not None]
    errors = Counter(r.error for r in records if r.error)
    return {
        "server": server,
        "channel": channel,
        "customers": customers,
        "messages": len(records),
        "answered": len(answered),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "error_examples": _error_examples(records),
        "wall_s": round(wall_s, 2),
        "msgs_per_s": round(len(answered) / wall_s, 1) if wall_s > 0 else None,
        "latency": summarise_ms([r.latency_s for r in answered]),
        "faq_latency": summarise_ms([r.latency_s for r in answered if r.kind == FAQ]),
        "rss_max_mb": rss_max_mb,
    }


def _error_examples(records: Sequence[TurnRecord], limit: int = 3) -> List[Dict[str, Any]]:
    """A few failed turns with the start of their replies, so a failure can be understood from the JSON."""
    return [{"text": r.text, "error": r.error, "replies": [t[:80] for t in r.texts[:2]]}
            for r in records if r.error][:limit]


def find_level(levels: Sequence[Dict[str, Any]], server: str, channel: str, customers: int) -> Optional[Dict[str, Any]]:
    for level in levels:
        if (level["server"], level["channel"], level["customers"]) == (server, channel, customers):
            return level
    return None


def _target(name: str, measured: Optional[float], goal: str, passed: Optional[bool]) -> Dict[str, Any]:
    return {"target": name, "measured": measured, "goal": goal,
            "status": "n/a" if passed is None else ("PASS" if passed else "FAIL")}


def evaluate_targets(report: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Each target with the number it is judged on (n/a when that part was not run)."""
    levels = report["levels"]
    targets = []
    one = find_level(levels, "ours", "rest", 1)
    p95 = one["faq_latency"]["p95_ms"] if one else None
    targets.append(_target("1 customer, REST, FAQ turns p95 (ms)", p95, f"<= {TARGET_ONE_CUSTOMER_FAQ_P95_MS:g}",
                           None if p95 is None else p95 <= TARGET_ONE_CUSTOMER_FAQ_P95_MS))
    for channel in ("rest", "socketio"):
        fifty = find_level(levels, "ours", channel, 50)
        rate = fifty["msgs_per_s"] if fifty else None
        targets.append(_target(f"50 customers, {channel}: msg/s", rate, f">= {TARGET_50_MSGS_PER_S:g}",
                               None if rate is None else rate >= TARGET_50_MSGS_PER_S))
        p95 = fifty["latency"]["p95_ms"] if fifty else None
        targets.append(_target(f"50 customers, {channel}: p95 (ms)", p95, f"<= {TARGET_50_P95_MS:g}",
                               None if p95 is None else p95 <= TARGET_50_P95_MS))
        errors = fifty["errors"] if fifty else None
        targets.append(_target(f"50 customers, {channel}: errors", errors, "== 0",
                               None if errors is None else errors == 0))
    ratio = (report.get("baseline") or {}).get("throughput_ratio_50")
    targets.append(_target("throughput ours/baseline (REST, 50 customers)", ratio, f">= {TARGET_BASELINE_RATIO:g}x",
                           None if ratio is None else ratio >= TARGET_BASELINE_RATIO))
    cold = report.get("cold_start_s")
    targets.append(_target("cold start (s)", cold, f"<= {TARGET_COLD_START_S:g}",
                           None if cold is None else cold <= TARGET_COLD_START_S))
    rss = report.get("rss_max_mb")
    targets.append(_target("RSS, Rasa + action server (MB)", rss, f"<= {TARGET_RSS_MB:g}",
                           None if rss is None else rss <= TARGET_RSS_MB))
    return targets


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table(report: Dict[str, Any]) -> str:
    """The levels and the targets as fixed-width text."""
    lines = [f"{'server':8} {'channel':8} {'cust':>4} {'msgs':>5} {'msg/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
             f"{'faq p95':>7} {'errors':>6} {'RSS MB':>7}"]
    for level in report["levels"]:
        lat = level["latency"]
        lines.append(
            f"{level['server']:8} {level['channel']:8} {level['customers']:>4} {level['messages']:>5} "
            f"{_fmt(level['msgs_per_s']):>7} {_fmt(lat['p50_ms']):>7} {_fmt(lat['p95_ms']):>7} "
            f"{_fmt(lat['p99_ms']):>7} {_fmt(level['faq_latency']['p95_ms']):>7} {level['errors']:>6} "
            f"{_fmt(level['rss_max_mb']):>7}"
            + (f"  {level['error_kinds']}" if level["errors"] else "")
        )
    for parse in report.get("nlu_parse") or []:
        lines.append(f"/model/parse ({parse['server']}) x{parse['concurrency']}: {_fmt(parse['requests_per_s'])} req/s, "
                     f"p50 {_fmt(parse['p50_ms'])} ms, p95 {_fmt(parse['p95_ms'])} ms, errors {parse['errors']}")
    lines.append("")
    lines.append(f"{'target':48} {'measured':>10} {'goal':>10}  status")
    for target in report["targets"]:
        lines.append(f"{target['target']:48} {_fmt(target['measured']):>10} {target['goal']:>10}  {target['status']}")
    return "\n".join(lines)


def write_json(report: Dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def plot_latency(report: Dict[str, Any], path: Path) -> None:
    """p50 and p95 against concurrency for each channel; the baseline's levels marked apart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 5))
    styles = {("ours", "rest"): "tab:blue", ("ours", "socketio"): "tab:green", ("baseline", "rest"): "tab:red",
              ("baseline", "socketio"): "tab:orange"}
    for (server, channel), colour in styles.items():
        levels = sorted((l for l in report["levels"] if (l["server"], l["channel"]) == (server, channel)
                         and l["latency"]["n"]), key=lambda l: l["customers"])
        if not levels:
            continue
        x = [l["customers"] for l in levels]
        marker = "x" if server == "baseline" else "o"
        axis.plot(x, [l["latency"]["p50_ms"] for l in levels], marker=marker, color=colour, linestyle="-",
                  label=f"{server} {channel} p50")
        axis.plot(x, [l["latency"]["p95_ms"] for l in levels], marker=marker, color=colour, linestyle="--",
                  label=f"{server} {channel} p95")
    axis.axhline(TARGET_50_P95_MS, color="grey", linewidth=0.8, linestyle=":", label="p95 target at 50 (500 ms)")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("concurrent customers")
    axis.set_ylabel("latency per message (ms)")
    axis.set_title(f"KDPay Assist latency ({report['mode']}, {report['started']})")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
