"""`make bench` / `make bench-smoke`: latency, throughput, errors and memory per concurrency and channel.

Order of a full run: time the training of our model and of the baseline (into
a temporary directory), start our servers (cold start = process start to the
first answer), warm up, drive each concurrency level over REST then
socket.io, load /model/parse alone, score the held-out set, stop; then the
same for the baseline model (REST levels only). Results: results/bench/.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import requests

from bot.benchmark import report as reporting
from bot.benchmark.baseline import BASELINE_CONFIG, OUR_CONFIG, model_mb, train_timed
from bot.benchmark.customers import SCRIPTS, Budget, customer_token
from bot.benchmark.nlu import heldout_accuracy, heldout_examples, parse_load
from bot.benchmark.rest_load import run_rest
from bot.benchmark.servers import BenchServers, RssSampler
from bot.benchmark.socketio_load import run_socketio
from bot.local_servers import MODEL_PATH, PROJECT_DIR, TOKEN_SECRET

RESULTS = PROJECT_DIR / "results" / "bench"
HELDOUT = PROJECT_DIR / "tests" / "data" / "nlu_heldout.yml"
CHANNELS = ("rest", "socketio")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true",
                        help="CI size: concurrency 1 and 10, few messages, no training or baseline; "
                             "exit 1 on any error")
    parser.add_argument("--levels", type=int, nargs="+", help="concurrent customers per level (1 10 50 200)")
    parser.add_argument("--messages", type=int,
                        help="messages per level and channel: this many, but at least 3 per customer (300)")
    parser.add_argument("--baseline-levels", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--parse-requests", type=int, help="/model/parse calls per concurrency (300)")
    parser.add_argument("--no-training", action="store_true", help="do not time training (it takes minutes)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline comparison")
    parser.add_argument("--baseline-model", type=Path, help="a baseline model trained before (skips its training)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a turn counts as timed out")
    parser.add_argument("--nlu-cache-size", type=int,
                        help="KDPAY_NLU_CACHE_SIZE for the servers (default: the bot's setting; 0: parse every turn)")
    parser.add_argument("--out", type=Path, default=RESULTS)


def _settings(args: argparse.Namespace) -> Dict[str, Any]:
    smoke = args.smoke
    return {
        "levels": args.levels or ([1, 10] if smoke else [1, 10, 50, 200]),
        "messages": args.messages or (40 if smoke else 300),
        "parse_requests": args.parse_requests or (50 if smoke else 300),
        "train": not (smoke or args.no_training),
        "baseline": not (smoke or args.no_baseline),
        "baseline_levels": args.baseline_levels,
        "timeout_s": args.timeout,
        "nlu_cache_size": args.nlu_cache_size,  # None: the bot's own default
        "warmup_turns": sum(len(script.turns) for script in SCRIPTS),
    }


def _host() -> Dict[str, Any]:
    return {"cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def warm_up(servers: BenchServers, run_id: str, timeout: float) -> None:
    """Every script once over REST: the first calls of each model and action path are slow (graph building)."""
    for number, script in enumerate(SCRIPTS):
        metadata = {"customer_token": customer_token(script.customer, TOKEN_SECRET)} if script.customer else {}
        for turn in script.turns:
            requests.post(f"{servers.url}/webhooks/rest/webhook", timeout=timeout,
                          json={"sender": f"{run_id}-warmup-{number}", "message": turn.text, "metadata": metadata})


def messages_for(customers: int, messages: int) -> int:
    """A level's fixed message count: `messages`, but enough for every customer to hold a conversation."""
    return max(messages, 3 * customers)


def run_level(servers: BenchServers, server: str, channel: str, customers: int, messages: int,
              run_id: str, timeout: float) -> Dict[str, Any]:
    """`customers` customers share a fixed number of messages on one channel."""
    level_id = f"{run_id}-{server}-{customers}"
    budget = Budget(messages=messages_for(customers, messages))
    with RssSampler(servers, every=1.0) as rss:
        if channel == "rest":
            started = time.monotonic()
            records = asyncio.run(run_rest(servers.url, customers, budget, level_id, TOKEN_SECRET, timeout))
            wall = time.monotonic() - started
        else:
            records, wall = run_socketio(servers.url, customers, budget, level_id, TOKEN_SECRET, timeout)
    level = reporting.summarise_level(records, wall, server, channel, customers, rss.max_total())
    lat = level["latency"]
    print(f"  {server:8} {channel:8} {customers:>4} customers: {level['msgs_per_s']} msg/s, p50 {lat['p50_ms']} ms, "
          f"p95 {lat['p95_ms']} ms, errors {level['errors']} {level['error_kinds'] or ''}", flush=True)
    return level


def measure_server(name: str, model: Path, logs: Path, settings: Dict[str, Any], levels: Sequence[int],
                   channels: Sequence[str], run_id: str, parse: bool) -> Dict[str, Any]:
    """Start one model's servers and measure them; returns cold start, levels, parse floor, accuracy, RSS."""
    print(f"starting the {name} servers ({model.name})", flush=True)
    servers = BenchServers(logs, model, nlu_cache_size=settings["nlu_cache_size"])
    try:
        cold_start, _ = servers.first_answer()
        print(f"  cold start: {cold_start:.1f} s", flush=True)
        warm_up(servers, run_id, settings["timeout_s"])
        out: Dict[str, Any] = {"cold_start_s": round(cold_start, 1), "levels": [], "rss_after_start_mb": servers.rss_mb()}
        for channel in channels:
            for customers in levels:
                out["levels"].append(run_level(servers, name, channel, customers, settings["messages"], run_id,
                                               settings["timeout_s"]))
        out["nlu_parse"] = []
        if parse:
            texts = [turn.text for script in SCRIPTS for turn in script.turns]
            for concurrency in (1, 50):
                floor = asyncio.run(parse_load(servers.url, servers.api_token, texts, concurrency,
                                               settings["parse_requests"]))
                out["nlu_parse"].append({"server": name, **floor})
                print(f"  /model/parse x{concurrency}: {floor['requests_per_s']} req/s, p95 {floor['p95_ms']} ms",
                      flush=True)
        if settings["baseline"]:
            out["heldout_accuracy"] = asyncio.run(heldout_accuracy(servers.url, servers.api_token,
                                                                   heldout_examples(HELDOUT)))
            print(f"  held-out intent accuracy: {out['heldout_accuracy']['accuracy']}", flush=True)
        out["rss_end_mb"] = servers.rss_mb()
        return out
    finally:
        servers.stop()


def main(args: argparse.Namespace) -> int:
    settings = _settings(args)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    run_id = f"bench-{int(time.time())}"
    work = Path(tempfile.mkdtemp(prefix="kdpay-bench-"))
    report: Dict[str, Any] = {key: None for key in reporting.REPORT_KEYS}
    report.update(started=started, mode="smoke" if args.smoke else "full", host=_host(), settings=settings,
                  model={"path": str(MODEL_PATH.relative_to(PROJECT_DIR)), "model_mb": model_mb(MODEL_PATH)},
                  training={}, levels=[], nlu_parse=[])
    try:
        baseline_model: Optional[Path] = args.baseline_model
        if settings["train"]:
            print("timing the training of our model (a temporary copy; models/ is untouched)", flush=True)
            report["training"]["ours"] = train_timed(OUR_CONFIG, work / "models", "ours")
            print(f"  {report['training']['ours']['seconds']} s", flush=True)
        if settings["baseline"] and baseline_model is None:
            print("training the baseline (Rasa's default pipeline and policies)", flush=True)
            report["training"]["baseline"] = train_timed(BASELINE_CONFIG, work / "models", "baseline")
            print(f"  {report['training']['baseline']['seconds']} s", flush=True)
            # Kept for reruns: `--baseline-model results/bench/baseline.tar.gz` skips this training.
            baseline_model = args.out / "baseline.tar.gz"
            args.out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(report["training"]["baseline"]["model"], baseline_model)

        ours = measure_server("ours", MODEL_PATH, work / "ours", settings, settings["levels"], CHANNELS, run_id,
                              parse=True)
        report["cold_start_s"] = ours["cold_start_s"]
        report["levels"] += ours["levels"]
        report["nlu_parse"] += ours["nlu_parse"]
        report["rss_max_mb"] = max([l["rss_max_mb"] for l in ours["levels"]] + [ours["rss_end_mb"]["total"]])
        report["rss_detail_mb"] = {"after_start": ours["rss_after_start_mb"], "end": ours["rss_end_mb"]}
        report["heldout_accuracy"] = {"ours": ours.get("heldout_accuracy")}

        if settings["baseline"] and baseline_model is not None:
            base = measure_server("baseline", baseline_model, work / "baseline", settings,
                                  settings["baseline_levels"], ("rest",), run_id, parse=True)
            report["levels"] += base["levels"]
            report["nlu_parse"] += base["nlu_parse"]
            report["heldout_accuracy"]["baseline"] = base.get("heldout_accuracy")
            report["baseline"] = _compare(report["levels"], base, baseline_model)
    finally:
        report["targets"] = reporting.evaluate_targets(report)
        reporting.write_json(report, args.out / "bench.json")
        if report["levels"]:
            reporting.plot_latency(report, args.out / "latency.png")
        keep_logs(work, args.out / "logs")
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(reporting.table(report))
    accuracy = report["heldout_accuracy"] or {}
    if accuracy.get("baseline"):
        print(f"held-out intent accuracy ({HELDOUT.name}): ours {accuracy['ours']['accuracy']}, "
              f"baseline {accuracy['baseline']['accuracy']}")
    if report["baseline"]:
        print(f"throughput ours/baseline (REST): {report['baseline']['throughput_ratios']}")
    print(f"model {report['model']['model_mb']} MB; cold start {report['cold_start_s']} s; "
          f"training {({k: v['seconds'] for k, v in report['training'].items()}) or 'not timed'}")
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'latency.png'}")
    errors = sum(level["errors"] for level in report["levels"] if level["server"] == "ours")
    if args.smoke and errors:
        print(f"FAILED: {errors} errors")
        return 1
    return 0


def keep_logs(work: Path, logs: Path) -> None:
    """The servers' and trainings' logs (not databases or models) next to the results, for failures."""
    shutil.rmtree(logs, ignore_errors=True)
    for log in work.rglob("*.log"):
        target = logs / log.relative_to(work)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(log, target)


def _compare(levels: List[Dict[str, Any]], base: Dict[str, Any], model: Path) -> Dict[str, Any]:
    """Throughput of ours over the baseline at each concurrency both ran over REST."""
    ratios = {}
    for level in base["levels"]:
        mine = reporting.find_level(levels, "ours", "rest", level["customers"])
        if mine and mine["msgs_per_s"] and level["msgs_per_s"]:
            ratios[str(level["customers"])] = round(mine["msgs_per_s"] / level["msgs_per_s"], 2)
    return {"model": model.name, "model_mb": model_mb(model), "cold_start_s": base["cold_start_s"],
            "throughput_ratios": ratios, "throughput_ratio_50": ratios.get("50"),
            "rss_end_mb": base["rss_end_mb"]}
