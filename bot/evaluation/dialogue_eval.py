"""Dialogue scores: story tests per policy set, and the end-to-end REST flows.

Story tests run through rasa.core.test.test with e2e=True, as `make
story-test` does, but without fail-on-prediction-errors, so that every story
is counted instead of stopping at the first failure. The REST flows are the
real pytest end-to-end tests (real action and Rasa servers, fresh database),
run with --junitxml and read back per test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List

if TYPE_CHECKING:
    from bot.evaluation.nlu_eval import LoadedModel

PROJECT_DIR = Path(__file__).resolve().parents[2]
E2E_TESTS = ["tests/test_e2e_rest.py", "tests/test_e2e_account.py"]


def story_test(model: "LoadedModel", stories: Path, out_dir: Path) -> Dict[str, Any]:
    """Conversation and action success rates of one model on the test stories."""
    from rasa.core.test import test

    out_dir.mkdir(parents=True, exist_ok=True)
    result = model.loop.run_until_complete(
        test(str(stories), model.agent, out_directory=str(out_dir), e2e=True,
             disable_plotting=True)
    )
    conversations = result["report"].get("conversation_accuracy", {})
    return {
        "conversations_correct": conversations.get("correct", 0),
        "conversations_total": conversations.get("total", 0),
        "conversation_success": conversations.get("accuracy", 0.0),
        "action_success": float(result["accuracy"]),
        "failed_stories_file": str(out_dir / "failed_test_stories.yml"),
    }


def train_full_model(config: Path, out_dir: Path, name: str, cache_dir: Path) -> Dict[str, Any]:
    """A full (NLU + dialogue) model in out_dir, with a private training cache.

    The cache starts as a copy of the project's .rasa/cache (filled by `make
    train`), so parts identical to the trained model, the NLU above all, are
    reused and mostly the policies are trained; the project's cache is never
    written. Training seconds therefore show what was not in the cache.
    """
    from rasa.model_training import train

    project_cache = PROJECT_DIR / ".rasa" / "cache"
    if not cache_dir.exists() and project_cache.is_dir():
        shutil.copytree(project_cache, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    saved = {key: os.environ.get(key) for key in ("RASA_CACHE_DIRECTORY", "RASA_MAX_CACHE_SIZE")}
    os.environ["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    os.environ["RASA_MAX_CACHE_SIZE"] = "5000"
    try:
        started = time.perf_counter()
        result = train(
            domain=str(PROJECT_DIR / "domain.yml"), config=str(config),
            training_files=[str(PROJECT_DIR / "data")], output=str(out_dir),
            fixed_model_name=name,
        )
        seconds = time.perf_counter() - started
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if result.code != 0 or not result.model:
        raise RuntimeError(f"training {name} failed with code {result.code}")
    return {"model": result.model, "train_seconds": seconds}


def parse_junit(xml_text: str) -> List[Dict[str, str]]:
    """One {flow, file, status} per test case: passed, failed, error or skipped."""
    root = ElementTree.fromstring(xml_text)
    flows = []
    for case in root.iter("testcase"):
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = {"failure": "failed"}.get(child.tag, child.tag)
                break
        module = (case.get("classname") or "").rsplit(".", 1)[-1]
        flows.append({"flow": case.get("name", "?"), "file": module, "status": status})
    return flows


def run_e2e_flows(out_dir: Path, timeout: float = 900) -> Dict[str, Any]:
    """Runs the end-to-end REST test files with pytest; pass/total per flow."""
    out_dir.mkdir(parents=True, exist_ok=True)
    junit = out_dir / "e2e_junit.xml"
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *E2E_TESTS, "-q", "-p", "no:cacheprovider",
         f"--junitxml={junit}"],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=timeout,
    )
    (out_dir / "e2e_pytest.log").write_text(completed.stdout + completed.stderr, encoding="utf-8")
    if not junit.exists():
        raise RuntimeError(f"pytest wrote no {junit} (exit {completed.returncode})")
    flows = parse_junit(junit.read_text(encoding="utf-8"))
    return {
        "passed": sum(f["status"] == "passed" for f in flows),
        "total": len(flows),
        "flows": flows,
        "seconds": time.perf_counter() - started,
        "pytest_exit": completed.returncode,
    }
