"""Timed training of our model and of the baseline (Rasa's default `rasa init` pipeline and policies).

Both train from the same domain and data into a temporary directory, each
with an empty Rasa cache of its own, so the time is a cold training and
models/kdpay.tar.gz is never touched.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any, Dict

from bot.local_servers import BIN, PROJECT_DIR

BASELINE_CONFIG = Path(__file__).resolve().parent / "baseline_config.yml"
OUR_CONFIG = PROJECT_DIR / "config.yml"


def train_timed(config: Path, out_dir: Path, name: str) -> Dict[str, Any]:
    """Trains `config` into out_dir/<name>.tar.gz; returns seconds, path and size. Raises if training fails."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = out_dir / f"cache-{name}"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": str(cache)}
    log = out_dir / f"train-{name}.log"
    started = time.monotonic()
    with log.open("w") as handle:
        result = subprocess.run(
            [str(BIN / "rasa"), "train", "--config", str(config), "--domain", "domain.yml", "--data", "data",
             "--out", str(out_dir), "--fixed-model-name", name],
            cwd=PROJECT_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT,
        )
    seconds = time.monotonic() - started
    model = out_dir / f"{name}.tar.gz"
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training {config.name} failed (exit {result.returncode}); see {log}")
    return {"config": str(config.relative_to(PROJECT_DIR)), "seconds": round(seconds, 1),
            "model": str(model), "model_mb": model_mb(model)}


def model_mb(model: Path) -> float:
    return round(model.stat().st_size / 1e6, 1)
